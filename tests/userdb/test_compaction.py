"""The journal is the delta, snapshots are compactions: what ending a session costs, when a
snapshot is written, bulk writes through the replace path, and the working copy's WAL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import zstandard

from javumbo.collection import Collection
from javumbo.userdb import ConflictError, JournalLimits, names, working_copy

from .conftest import Instances, Stores, answer, answers

USER = "u1"


def test_settle_below_the_bound_uploads_nothing_and_loses_nothing(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    for n in range(1, 6):
        a.write(USER, lambda col, n=n: answer(col, n))
    puts = stores.blobs.counters.snapshot()["blob_put"]
    result = a.settle(USER)
    assert (result.status, result.snapshot_seq) == ("durable", 0)
    assert stores.blobs.counters.snapshot()["blob_put"] == puts
    with instances("cold").read(USER) as col:  # a cold load replays the journal
        assert answers(col) == ([1, 2, 3, 4, 5], 5)


def test_a_journal_past_its_entry_bound_is_compacted_by_the_write_that_reaches_it(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a", limits=JournalLimits(max_entries=4))
    for n in range(1, 4):
        a.write(USER, lambda col, n=n: answer(col, n))
    assert stores.meta.get_head(USER).snapshot_seq == 0
    a.write(USER, lambda col: answer(col, 4))
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 4 == head.seq


def test_the_byte_bound_grows_with_the_snapshot() -> None:
    limits = JournalLimits(min_bytes=1000, max_bytes=50_000, snapshot_fraction=0.25)
    assert limits.byte_bound(0) == 1000
    assert limits.byte_bound(100_000) == 25_000
    assert limits.byte_bound(10_000_000) == 50_000


def test_a_journal_past_its_byte_bound_is_compacted(instances: Instances, stores: Stores) -> None:
    a = instances("a", limits=JournalLimits(min_bytes=2_000, snapshot_fraction=0.0))

    def big(col: Collection) -> None:
        with col.transaction() as db:
            db.execute("update col set tags = ?", ('{"' + os.urandom(3_000).hex() + '": 0}',))

    a.write(USER, big)
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == head.seq == 1


def test_bulk_write_goes_in_as_one_upload_and_one_marker(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    appends = a.counters["journal_appends"]

    def many(col: Collection) -> int:
        with col.transaction() as db:
            db.executemany(
                "insert into revlog values (?, 1, -1, 3, 1, 0, 2500, 1000, 1)",
                [(n,) for n in range(1000, 3000)],
            )
        return 2000

    added, replaced = a.bulk_write(USER, many)
    assert added == 2000
    assert a.counters["journal_appends"] == appends + 1  # the marker only
    head = stores.meta.get_head(USER)
    assert (head.seq, head.snapshot_key) == (replaced.seq, replaced.snapshot_key)
    with b.read(USER) as col:
        ids, reps = answers(col)
        assert len(ids) == 2001 and ids[0] == 1 and reps == 1
    b.write(USER, lambda col: answer(col, 5000))  # writes go on on top of it
    with a.read(USER) as col:
        assert len(answers(col)[0]) == 2002


def test_bulk_write_runs_again_when_a_write_lands_meanwhile(
    instances: Instances, stores: Stores
) -> None:
    a, other = instances("a"), instances("other")
    a.write(USER, lambda col: answer(col, 1))
    runs: list[int] = []

    def racing(col: Collection) -> None:
        runs.append(len(runs))
        if len(runs) == 1:  # another instance answers while the bulk work runs
            other.write(USER, lambda c: answer(c, 2))
        with col.transaction() as db:
            db.execute("insert into revlog values (9000, 1, -1, 3, 1, 0, 2500, 1000, 1)")

    a.bulk_write(USER, racing)
    assert runs == [0, 1]
    with instances("cold").read(USER) as col:
        assert answers(col)[0] == [1, 2, 9000]  # the racing answer is kept, not replaced

    def always_racing(col: Collection) -> None:
        other.write(USER, lambda c: answer(c, 3 + len(runs)))
        runs.append(len(runs))

    with pytest.raises(ConflictError):
        a.bulk_write(USER, always_racing)


def test_a_bulk_write_stores_its_copy_as_it_is_and_keeps_it_as_the_working_copy(
    instances: Instances, stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second backup of the copy and no restore from the snapshot just stored: the file is
    compressed as it is and moved into place. What is stored is a self-contained rollback-
    journal file, the working copy has exactly its bytes, and compactions go on from it."""
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    backups: list[object] = []
    restores: list[object] = []
    real_backup = Collection.backup_to
    monkeypatch.setattr(
        Collection, "backup_to", lambda col, dest: (backups.append(dest), real_backup(col, dest))
    )
    monkeypatch.setattr(working_copy, "materialize", lambda *args: restores.append(args))

    def many(col: Collection) -> None:
        try:  # a failed transaction inside the bulk work rolls back as anywhere else
            with col.transaction() as db:
                db.execute("insert into revlog values (7, 1, -1, 3, 1, 0, 2500, 1000, 1)")
                raise RuntimeError("stop")
        except RuntimeError:
            pass
        _notes(col, 10_000, 5_000)

    _, replaced = a.bulk_write(USER, many)
    assert len(backups) == 1 and not restores  # the copy of the live collection only
    monkeypatch.undo()
    image = (
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress(stores.blobs.get(replaced.snapshot_key).data)
    )
    assert image[18:20] == b"\x01\x01"  # a lone file: no WAL needed to read it
    live = a.cache.live_path(USER).read_bytes()
    assert live[100:] == image[100:]  # the same pages (its header says WAL mode now)
    with a.read(USER) as col:
        ids, _ = answers(col)
        assert len(ids) == 5_001 and 7 not in ids
    for n in (2, 3):  # a base after a replacement, then a delta on it
        a.write(USER, lambda col, n=n: answer(col, n))
        assert names.is_delta(a.compact(USER).snapshot_key) == (n == 3)
    with instances("cold").read(USER) as col:
        assert len(answers(col)[0]) == 5_003
        assert col.db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_a_compaction_during_a_bulk_write_leaves_its_copy_alone(
    instances: Instances, stores: Stores
) -> None:
    """The same instance compacts the user while the bulk work runs: the copy being worked on
    is not mistaken for an old snapshot; the bulk work runs again on the newer state."""
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    runs: list[int] = []

    def racing(col: Collection) -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            a.write(USER, lambda c: answer(c, 2))
            a.flush(USER)
        _notes(col, 10_000, 100)

    a.bulk_write(USER, racing)
    assert runs == [0, 1]
    with instances("cold").read(USER) as col:
        ids, reps = answers(col)
        assert ids[:2] == [1, 2] and len(ids) == 102 and reps == 2


def test_the_wal_is_truncated_after_a_compaction_and_a_bulk_replay(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    with b.read(USER):
        pass
    for n in range(1, 80):
        a.write(USER, lambda col, n=n: answer(col, n))
    with b.read(USER) as col:  # 79 entries replayed at once
        wal = Path(str(col.path) + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        assert len(answers(col)[0]) == 79
    a.flush(USER)
    wal = Path(str(a.cache.live_path(USER)) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_the_working_copy_runs_without_fsyncs(instances: Instances) -> None:
    a = instances("a")
    with a.read(USER) as col:
        assert col.db.execute("pragma synchronous").fetchone()[0] == 0
        assert col.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    plain = Collection.create(a.cache.user_dir("x") / "plain.anki2")
    try:
        assert plain.db.execute("pragma synchronous").fetchone()[0] == 1
    finally:
        plain.close()


def _notes(col: Collection, start: int, count: int) -> None:
    with col.transaction() as db:
        db.executemany(
            "insert into revlog values (?, 1, -1, 3, 1, 0, 2500, 1000, 1)",
            [(n,) for n in range(start, start + count)],
        )


def test_a_compaction_uploads_the_changed_pages_as_a_delta_on_the_base(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    a.write(USER, lambda col: _notes(col, 10_000, 20_000))  # a collection of some size
    base = a.flush(USER)
    assert base.status == "flushed" and names.snapshot_seq_of(base.snapshot_key or "") == 1
    for n in range(1, 21):
        a.write(USER, lambda col, n=n: answer(col, n))
    delta = a.compact(USER)
    assert delta.status == "flushed" and names.is_delta(delta.snapshot_key)
    assert delta.uploaded_bytes < base.uploaded_bytes / 5
    head = stores.meta.get_head(USER)
    assert (head.snapshot_key, head.snapshot_seq) == (delta.snapshot_key, 21)
    assert head.seq == 21 and not stores.meta.read_journal(USER, 0)  # the journal is trimmed
    with instances("cold").read(USER) as col:  # base + delta, downloaded and checked
        ids, reps = answers(col)
        assert len(ids) == 20_020 and reps == 20
        assert col.db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_the_chain_is_rewritten_as_a_base_past_its_bounds(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a", limits=JournalLimits(max_deltas=2))
    a.write(USER, lambda col: _notes(col, 10_000, 5_000))
    a.flush(USER)
    kinds = []
    for n in range(1, 5):
        a.write(USER, lambda col, n=n: answer(col, n))
        kinds.append(names.is_delta(a.compact(USER).snapshot_key))
    assert kinds == [True, True, False, True]  # two deltas, then a new base, then a delta
    deltas = [i.key for i in stores.blobs.list(names.deltas_prefix(USER))]
    assert len(deltas) == 1  # the old chain's deltas are pruned with it
    huge = instances("b", limits=JournalLimits(delta_fraction=0.0))
    huge.write(USER, lambda col: answer(col, 9))
    assert not names.is_delta(huge.compact(USER).snapshot_key)  # a delta would not pay
    with instances("cold").read(USER) as col:
        ids, reps = answers(col)
        assert len(ids) == 5_005 and reps == 5


def test_flush_makes_a_self_contained_snapshot_of_a_delta_head(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    a.write(USER, lambda col: _notes(col, 10_000, 5_000))
    a.flush(USER)
    a.write(USER, lambda col: answer(col, 2))
    assert names.is_delta(a.compact(USER).snapshot_key)
    flushed = a.flush(USER)  # what a backup asks for: nothing new, but the head is a delta
    assert flushed.status == "flushed" and names.snapshot_seq_of(flushed.snapshot_key or "") == 2
    assert stores.meta.get_head(USER).snapshot_key == flushed.snapshot_key
    assert a.flush(USER).status == "clean"
    with instances("cold").read(USER) as col:
        assert answers(col) == ([2, *range(10_000, 15_000)], 1)


def test_settle_past_the_bound_writes_a_delta(instances: Instances, stores: Stores) -> None:
    a = instances("a", limits=JournalLimits(max_entries=5))
    a.write(USER, lambda col: _notes(col, 10_000, 2_000))
    for n in range(1, 5):  # the fifth entry reaches the bound: compacted by that write
        a.write(USER, lambda col, n=n: answer(col, n))
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 5 and not names.is_delta(head.snapshot_key)  # the first: a base
    for n in range(5, 10):
        a.write(USER, lambda col, n=n: answer(col, n))
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 10 and names.is_delta(head.snapshot_key)
    assert a.counters["deltas"] == 1
