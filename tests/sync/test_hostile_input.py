"""Hostile input at the sync edge: the header and the host key are checked before the body is
read, every method reads its body with its own caps (zstd bombs are cut off early), and
malformed JSON (NaN, 1e400, deep nesting, 2**70, lone surrogates) is a 4xx, never a 500."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard
from anki.collection import Collection as AnkiCollection

from javumbo.api.rate_limit import LoginThrottle, ThrottlePolicy
from javumbo.collection.clock import FixedClock
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.sync.host_keys import HostKeys
from javumbo.sync.protocol import SyncHttpError
from tests.sync.conftest import (
    PASSWORD,
    RunningServer,
    fingerprint,
    login_key,
    sync_post,
    uploaded_client,
)

MIB = 1024 * 1024


def bomb(size: int) -> bytes:
    """A zstd frame of a few KB that expands to ``size`` zero bytes."""
    return zstandard.ZstdCompressor(level=19).compress(b"\0" * size)


def test_host_key_is_checked_before_the_body(server: RunningServer) -> None:
    server.add_user("alice")
    # A body that is not even zstd: the bad key answers first, the body is never read.
    for path in ("/sync/meta", "/sync/upload", "/sync/applyChunk", "/msync/begin"):
        status, _data, _ = sync_post(server, path, b"junk" * 100, key="bogus", compress=False)
        assert status == 403, path
    # and a bad header before the key
    status, _data, _ = sync_post(server, "/sync/meta", b"junk", sync_header="[", compress=False)
    assert status == 400


def test_login_and_small_calls_take_a_few_kb(server: RunningServer) -> None:
    server.add_user("alice")
    noise = os.urandom(20_000)  # incompressible: 20 KB on the wire
    status, _data, _ = sync_post(server, "/sync/hostKey", noise)
    assert status == 413
    key = login_key(server)
    status, _data, _ = sync_post(server, "/sync/meta", noise, key=key)
    assert status == 413
    status, _data, _ = sync_post(server, "/msync/mediaChanges", noise, key=key)
    assert status == 413
    # a body announced larger than the method accepts is refused unread
    status, _data, _ = sync_post(server, "/sync/hostKey", b"\0" * 100_000, compress=False)
    assert status == 413


@pytest.mark.parametrize("path", ["/sync/hostKey", "/sync/meta", "/msync/begin"])
def test_a_bomb_before_login_is_cut_off(server: RunningServer, path: str) -> None:
    started = time.monotonic()
    status, _data, _ = sync_post(server, path, bomb(64 * MIB), compress=False)
    # hostKey: cut off at its few KB; the others: refused for their key before reading
    assert status == (413 if path == "/sync/hostKey" else 403)
    assert time.monotonic() - started < 5


def test_a_bomb_from_a_logged_in_user_is_cut_off_by_the_ratio_rule(
    server: RunningServer,
) -> None:
    server.add_user("alice")
    key = login_key(server)
    for path in ("/sync/start", "/sync/applyChunk", "/sync/upload", "/msync/uploadChanges"):
        status, data, _ = sync_post(server, path, bomb(32 * MIB), key=key, compress=False)
        assert status == 413, path
        assert b"compressed more than 200 to 1" in data
    # Nothing was left in the work folder.
    assert list(server.sync.workdir.glob("*")) == []


def test_usernames_longer_than_registration_allows_cost_nothing(tmp_path: Path) -> None:
    meta = SqliteMetaStore(tmp_path / "meta.sqlite3")
    clock = FixedClock(1000.0)
    throttle = LoginThrottle(clock)
    keys = HostKeys(meta, clock, throttle)
    reads = meta.counters.snapshot().get("meta_read", 0)
    started = time.monotonic()
    for _ in range(50):
        with pytest.raises(SyncHttpError) as caught:
            keys.login("a" * 10_000, PASSWORD, "10.0.0.1")
        assert caught.value.status == 403
    assert time.monotonic() - started < 1.0  # 50 argon2 checks would take seconds
    assert meta.counters.snapshot().get("meta_read", 0) == reads
    assert throttle.tracked_keys() == 0


def test_sync_login_failures_count_in_the_shared_throttle(tmp_path: Path) -> None:
    from tests.sync.conftest import start_server

    server, stop = start_server(tmp_path / "srv", throttle=ThrottlePolicy(pair_limit=2))
    try:
        server.add_user("alice")
        for _ in range(2):
            assert sync_post(server, "/sync/hostKey", b'{"u":"alice","p":"x"}')[0] == 403
        # the same object the web login asks (Services.login_throttle)
        assert server.deps.login_throttle.retry_after("alice", "127.0.0.1") is not None
    finally:
        stop()


MALFORMED_BODIES = [
    ("/sync/meta", b'{"v": NaN, "cv": "x"}'),
    ("/sync/meta", b'{"v": Infinity, "cv": "x"}'),
    ("/sync/meta", b'{"v": -Infinity, "cv": "x"}'),
    ("/sync/meta", b'{"v": 1e400, "cv": "x"}'),
    ("/sync/meta", b'{"v": 1e300, "cv": "x"}'),
    ("/sync/meta", b'{"v": 11, "cv": "' + b"\\ud800" + b'"}'),
    ("/sync/meta", b"[" * 5000 + b"]" * 5000),
    ("/sync/meta", b'{"a":' * 500 + b"1" + b"}" * 500),
    ("/sync/meta", b'{"v": ' + b"9" * 5000 + b"}"),
    ("/msync/mediaChanges", b'{"lastUsn": 1180591620717411303424}'),
    ("/msync/mediaSanity", b'{"local": 1e300}'),
    ("/msync/downloadFiles", b'{"files": ["\\udfff"]}'),
]


@pytest.mark.parametrize(("path", "body"), MALFORMED_BODIES)
def test_malformed_json_is_a_400(server: RunningServer, path: str, body: bytes) -> None:
    server.add_user("alice")
    key = login_key(server)
    status, _data, _ = sync_post(server, path, body, key=key)
    assert status == 400, status


MALFORMED_HEADERS = [
    "[" * 1000 + "]" * 1000,
    '{"v": NaN, "k": ""}',
    '{"v": 1e400, "k": ""}',
    '{"v": 11, "k": "' + "x" * 5000 + '"}',
    '{"v": 11, "k": {"a": ' * 300 + "1" + "}" * 300 + "}",
]


@pytest.mark.parametrize("header", MALFORMED_HEADERS)
def test_malformed_sync_header_is_a_400(server: RunningServer, header: str) -> None:
    status, _data, _ = sync_post(server, "/sync/meta", b"{}", sync_header=header)
    assert status == 400, status


def _calls(server: RunningServer, key: str, calls: list[tuple[str, bytes]]) -> list[int]:
    return [sync_post(server, path, body, key=key)[0] for path, body in calls]


def test_out_of_range_ids_and_lone_surrogates_in_a_sync_are_refused(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col, auth = uploaded_client(server, anki_col)
    before = fingerprint(server)
    start = ("/sync/start", b'{"minUsn": 0, "lnewer": true}')
    note = col.db.first("select * from notes limit 1")
    card = col.db.first("select * from cards limit 1")
    huge_note = [2**70, *note[1:]]
    surrogate_note = json.dumps([note[0], *note[1:6], "front\x1f", *note[7:]]).replace(
        "front", "\\ud800front"
    )
    bad_calls = [
        ("/sync/applyChunk", json.dumps({"chunk": {"notes": [huge_note]}}).encode()),
        ("/sync/applyChunk", json.dumps({"chunk": {"cards": [[*card[:8], 1e300, *card[9:]]]}})),
        ("/sync/applyChunk", ('{"chunk": {"notes": [' + surrogate_note + "]}}").encode()),
        ("/sync/applyGraves", b'{"chunk": {"cards": ["1180591620717411303424"]}}'),
        ("/sync/applyGraves", b'{"chunk": {"notes": [' + b"1" * 30 + b"]}}"),
        ("/sync/applyChanges", b'{"changes": {"crt": 1e300}}'),
        ("/sync/start", b'{"minUsn": 1e300, "lnewer": true}'),
    ]
    for path, body in bad_calls:
        raw = body if isinstance(body, bytes) else body.encode()
        statuses = _calls(server, auth.hkey, [start, (path, raw)])
        assert statuses == [200, 400], (path, raw[:80], statuses)
    counts = json.dumps({"client": [[0, 0, 0], 1, 1, 1, 0, 1, 1, 1]}).encode()
    assert _calls(server, auth.hkey, [("/sync/sanityCheck2", counts)])[0] < 500
    assert _calls(server, auth.hkey, [("/sync/abort", b"{}")]) == [200]
    assert fingerprint(server) == before


def test_note_types_decks_and_presets_anki_cannot_read_are_refused(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    """What Anki's own reader of the JSON refuses (a template without its front, a deck whose
    name is a number, a preset without a name) never reaches the collection, where every
    review of the note type or deck would fail."""
    col, auth = uploaded_client(server, anki_col)
    before = fingerprint(server)
    start = ("/sync/start", b'{"minUsn": 0, "lnewer": true}')
    model = col.models.by_name("Basic")
    assert model is not None
    no_front = json.loads(json.dumps(model))
    no_front["tmpls"][0]["qfmt"] = None
    bad_type = {**json.loads(json.dumps(model)), "type": "cloze"}
    deck = {**col.decks.get(1), "name": 5}
    preset = {**col.decks.config_dict_for_deck_id(1)}
    del preset["name"]
    for models, decks, presets in (
        ([no_front], [], []),
        ([bad_type], [], []),
        ([], [deck], []),
        ([], [], [preset]),
    ):
        body = {"changes": {"models": models, "decks": [decks, presets], "tags": []}}
        statuses = _calls(
            server, auth.hkey, [start, ("/sync/applyChanges", json.dumps(body).encode())]
        )
        assert statuses == [200, 400], (models, decks, presets, statuses)
        assert _calls(server, auth.hkey, [("/sync/abort", b"{}")]) == [200]
    assert fingerprint(server) == before
