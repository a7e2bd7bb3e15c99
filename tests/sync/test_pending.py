"""The pending sync in the stores: its state is a metastore record, small parts ride in it,
big ones are blobs of their own, and all come back in the order the client sent them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from javumbo.collection.clock import FixedClock
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.sync.pending import INLINE_PART_BYTES, PendingSyncs
from javumbo.sync.protocol import SyncHttpError
from javumbo.sync.sync_state import SyncState

USER = "0123456789abcdef"


def _rows(count: int, text: str) -> dict[str, object]:
    return {"rows": {"notes": [[i, text] for i in range(count)]}}


def _pending(tmp_path: Path, max_bytes: int = 10 * 1024 * 1024) -> tuple[PendingSyncs, SyncState]:
    blobs = LocalBlobStore(tmp_path / "blobs")
    meta = SqliteMetaStore(tmp_path / "meta.sqlite3")
    pending = PendingSyncs(blobs, meta, FixedClock(1000.0), max_bytes=max_bytes)
    state = SyncState(
        session="s1", server_usn=3, client_usn=2, client_is_newer=False, scm=1, started_at=1000.0
    )
    pending.begin(USER, state)
    return pending, state


def _stored_keys(pending: PendingSyncs) -> list[str]:
    return [info.key for info in pending.blobs.list(f"users/{USER}/sync/pending/")]


def test_small_parts_ride_in_the_state_and_big_ones_are_blobs(tmp_path: Path) -> None:
    pending, state = _pending(tmp_path)
    puts = pending.blobs.counters["blob_put"]  # type: ignore[attr-defined]
    pending.add_part(USER, state, {"graves": {"cards": [1], "notes": [], "decks": []}})
    pending.add_part(USER, state, _rows(3, "small"))
    assert pending.blobs.counters["blob_put"] == puts  # type: ignore[attr-defined]
    assert _stored_keys(pending) == []  # a small sync is one metastore record
    assert pending.meta.get_sync_state(USER) is not None

    big = _rows(200, "x" * (INLINE_PART_BYTES // 100))
    pending.add_part(USER, state, big)
    pending.add_part(USER, state, _rows(1, "small again, after a big one"))
    assert state.parts == 2
    assert len(_stored_keys(pending)) == 2

    # another instance reads the stored state and gets every part, in order
    stored = pending.get(USER, "s1")
    parts = list(pending.parts(USER, stored))
    assert [list(p) for p in parts] == [["graves"], ["rows"], ["rows"], ["rows"]]
    assert parts[1] == _rows(3, "small")
    assert parts[2] == big
    assert parts[3]["rows"]["notes"][0][1] == "small again, after a big one"

    pending.discard(USER, stored)
    assert _stored_keys(pending) == []
    assert pending.meta.get_sync_state(USER) is None
    with pytest.raises(SyncHttpError):
        pending.get(USER, "s1")


def test_a_state_too_big_for_its_record_is_a_blob(tmp_path: Path) -> None:
    pending, state = _pending(tmp_path)
    # ids that do not compress: a pull of ~100,000 rows changed on the server
    state.chunk_ids = {"cards": random.Random(7).sample(range(10**15), 100_000)}
    pending.save(USER, state)
    assert _stored_keys(pending) == [f"users/{USER}/sync/pending/state.json.zst"]
    stored = pending.get(USER, "s1")
    assert stored.stored_as_blob and stored.chunk_ids == state.chunk_ids
    stored.chunk_ids = {}
    pending.save(USER, stored)  # shrank: back into the record, the blob goes
    assert _stored_keys(pending) == []
    assert pending.get(USER, "s1").chunk_ids == {}
    pending.discard(USER)
    assert pending.meta.get_sync_state(USER) is None


def test_an_unreadable_state_is_as_if_there_were_none(tmp_path: Path) -> None:
    pending, _state = _pending(tmp_path)
    pending.meta.put_sync_state(USER, b"\x00not zstd", 5000.0)
    with pytest.raises(SyncHttpError) as caught:
        pending.get(USER, "s1")
    assert caught.value.status == 409
    assert pending.meta.get_sync_state(USER) is None


def test_the_limit_counts_inline_parts_too(tmp_path: Path) -> None:
    pending, state = _pending(tmp_path, max_bytes=3000)
    pending.add_part(USER, state, _rows(10, "y" * 100))
    with pytest.raises(SyncHttpError) as caught:
        pending.add_part(USER, state, _rows(10, "y" * 200))
    assert caught.value.status == 413
    assert _stored_keys(pending) == []
