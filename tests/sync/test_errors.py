"""Wrong credentials, revoked keys, other protocol versions and hostile bodies: a clear 4xx
(the error Anki's client shows), never a 500, and no change to the collection."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection as AnkiCollection
from anki.errors import SyncError

from javumbo.api.rate_limit import ThrottlePolicy
from javumbo.sync import SyncLimits
from javumbo.userdb.media import MediaLimits
from tests.sync.conftest import (
    PASSWORD,
    Required,
    RunningServer,
    fingerprint,
    login_key,
    start_server,
    sync_post,
    uploaded_client,
)


def test_wrong_password_is_refused_with_ankis_message(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    server.add_user("alice")
    col = anki_col("client")
    with pytest.raises(SyncError, match="Email or password was incorrect"):
        col.sync_login("alice", "not the password", server.url)
    with pytest.raises(SyncError, match="Email or password was incorrect"):
        col.sync_login("nobody", PASSWORD, server.url)
    status, _data, _ = sync_post(server, "/sync/hostKey", b'{"u":"alice","p":"nope"}')
    assert status == 403
    # the key is not the password and not stored in the clear
    key = col.sync_login("alice", PASSWORD, server.url).hkey
    user = server.deps.meta.get_user("alice")
    assert user is not None
    assert PASSWORD not in key
    assert key.split(".")[1] not in json.dumps(user.attributes)


def test_failed_logins_are_rate_limited(tmp_path: Path) -> None:
    server, stop = start_server(
        tmp_path / "srv",
        SyncLimits(),
        throttle=ThrottlePolicy(pair_limit=3, window=60),
    )
    try:
        server.add_user("alice")
        for _ in range(3):
            assert sync_post(server, "/sync/hostKey", b'{"u":"alice","p":"x"}')[0] == 403
        body = json.dumps({"u": "alice", "p": PASSWORD}).encode()
        assert sync_post(server, "/sync/hostKey", body)[0] == 429
        # another user is not affected
        server.add_user("bob")
        assert (
            sync_post(server, "/sync/hostKey", json.dumps({"u": "bob", "p": PASSWORD}).encode())[0]
            == 200
        )
    finally:
        stop()


def test_revoked_host_key_is_refused(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col, auth = uploaded_client(server, anki_col)
    before = fingerprint(server)
    assert server.sync.host_keys.revoke("alice", auth.hkey) == 1
    with pytest.raises(SyncError) as caught:
        col.sync_collection(auth, False)
    assert "403" in str(caught.value) or "password" in str(caught.value).lower()
    assert sync_post(server, "/sync/meta", b'{"v":11,"cv":"x"}', key=auth.hkey)[0] == 403
    assert fingerprint(server) == before
    # logging in again gives a working key
    fresh = col.sync_login("alice", PASSWORD, server.url)
    assert col.sync_collection(fresh, False).required == Required.NO_CHANGES


def test_other_protocol_versions_get_a_clear_status(server: RunningServer) -> None:
    server.add_user("alice")
    key = login_key(server)
    meta = b'{"v":11,"cv":"x"}'
    assert sync_post(server, "/sync/meta", meta, key=key, version=None)[0] == 501
    assert sync_post(server, "/sync/meta", meta, key=key, version=10)[0] == 501
    assert sync_post(server, "/sync/meta", meta, key=key, version=99)[0] == 400
    assert sync_post(server, "/sync/meta", b'{"v":99,"cv":"x"}', key=key)[0] == 501
    status, data, _ = sync_post(server, "/sync/meta", meta, key=key)
    assert status == 200
    assert json.loads(data)["empty"] is True


HOSTILE: list[tuple[str, bytes, bool]] = [
    ("/sync/meta", b"not zstd at all", False),
    ("/sync/meta", b"not json", True),
    ("/sync/meta", b"[1,2,3]", True),
    ("/sync/meta", b'{"v":"eleven"}', True),
    ("/sync/start", b'{"minUsn":"x","lnewer":false}', True),
    ("/sync/start", b'{"minUsn":0,"lnewer":"yes"}', True),
    ("/sync/applyGraves", b'{"chunk":{"cards":[1]}}', True),  # no sync started
    ("/sync/sanityCheck2", b'{"client":[]}', True),
    ("/sync/nosuchmethod", b"{}", True),
    ("/msync/mediaChanges", b'{"lastUsn":"x"}', True),
    ("/msync/downloadFiles", b'{"files":[1,2]}', True),
    ("/msync/downloadFiles", b'{"files":["nope.png"]}', True),
    ("/msync/uploadChanges", b"PK\x03\x04 broken zip", True),
    ("/msync/mediaSanity", b'{"local":null}', True),
    ("/msync/nosuchmethod", b"{}", True),
]


@pytest.mark.parametrize(("path", "body", "compress"), HOSTILE)
def test_hostile_bodies_get_4xx(
    server: RunningServer, path: str, body: bytes, compress: bool
) -> None:
    server.add_user("alice")
    key = login_key(server)
    before = fingerprint(server)
    status, _data, _ = sync_post(server, path, body, key=key, compress=compress)
    assert 400 <= status < 500, status
    assert fingerprint(server) == before


def _sync_calls(server: RunningServer, key: str, calls: list[tuple[str, Any]]) -> list[int]:
    statuses = []
    for path, body in calls:
        status, _data, _ = sync_post(server, path, json.dumps(body).encode(), key=key)
        statuses.append(status)
    return statuses


def test_bad_rows_in_a_sync_are_refused_and_change_nothing(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    _col, auth = uploaded_client(server, anki_col)
    before = fingerprint(server)
    start = ("/sync/start", {"minUsn": 0, "lnewer": True, "graves": None})
    statuses = _sync_calls(
        server,
        auth.hkey,
        [
            start,
            ("/sync/applyChunk", {"chunk": {"cards": [[1, 2, 3]]}}),
            ("/sync/applyChunk", {"chunk": {"notes": [["x"] * 11]}}),
            ("/sync/applyChanges", {"changes": {"models": [{"name": "no id"}]}}),
            ("/sync/applyChanges", {"changes": {"decks": "nope"}}),
        ],
    )
    assert statuses == [200, 400, 400, 400, 400]
    # a note whose note type the server does not have: refused at the check, nothing applied
    note = [1, "guid", 999, 1, 1, "", "a\x1fb", "", "", 0, ""]
    statuses = _sync_calls(
        server,
        auth.hkey,
        [
            start,
            ("/sync/applyGraves", {"chunk": {"cards": [], "notes": [], "decks": []}}),
            ("/sync/applyChunk", {"chunk": {"done": True, "notes": [note]}}),
            ("/sync/sanityCheck2", {"client": [[0, 0, 0], 28, 19, 24, 0, 6, 5, 1]}),
        ],
    )
    assert statuses == [200, 200, 200, 400]
    assert fingerprint(server) == before


def test_abort_and_failed_sanity_check_leave_the_collection_as_it_was(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col, auth = uploaded_client(server, anki_col)
    before = fingerprint(server)
    card = col.db.first("select * from cards limit 1")
    card[5] = 1  # usn
    card[4] += 100  # newer mod
    card[17] = "{}"
    start = ("/sync/start", {"minUsn": 1, "lnewer": True, "graves": None})
    changed = ("/sync/applyChunk", {"chunk": {"done": True, "cards": [card]}})
    graves = ("/sync/applyGraves", {"chunk": {"cards": [], "notes": [card[1]], "decks": []}})
    assert (
        _sync_calls(server, auth.hkey, [start, changed, graves, ("/sync/abort", {})]) == [200] * 4
    )
    assert fingerprint(server) == before
    status, data, _ = sync_post(
        server,
        "/sync/start",
        json.dumps({"minUsn": 1, "lnewer": True}).encode(),
        key=auth.hkey,
    )
    assert status == 200
    _sync_calls(server, auth.hkey, [changed])
    status, data, _ = sync_post(
        server,
        "/sync/sanityCheck2",
        json.dumps({"client": [[0, 0, 0], 1, 1, 1, 0, 1, 1, 1]}).encode(),
        key=auth.hkey,
    )
    assert status == 200
    assert json.loads(data)["status"] == "bad"
    assert fingerprint(server) == before
    # the session is gone: finishing now is refused
    assert sync_post(server, "/sync/finish", b"{}", key=auth.hkey)[0] == 409


def test_corrupt_or_oversized_upload_is_refused_with_a_message(tmp_path: Path) -> None:
    server, stop = start_server(tmp_path / "srv", SyncLimits(max_collection_bytes=200_000))
    try:
        server.add_user("alice")
        key = login_key(server)
        before = fingerprint(server)
        status, data, _ = sync_post(
            server, "/sync/upload", b"SQLite format 3\x00" + b"\0" * 5000, key=key
        )
        assert status == 200
        assert data.decode().startswith("Your upload was corrupt")
        status, data, _ = sync_post(server, "/sync/upload", b"x" * 150_000, key=key)
        assert data.decode().startswith("Your upload was corrupt")
        status, data, _ = sync_post(server, "/sync/upload", b"x" * 200_000, key=key)
        assert b"this server accepts at most" in data
        status, _data, _ = sync_post(server, "/sync/upload", b"\0" * 2_000_000, key=key)
        assert status == 413  # a zstd bomb is cut off while decompressing
        assert fingerprint(server) == before
    finally:
        stop()


def test_media_quota_is_shown_to_the_client(
    tmp_path: Path, anki_col: Callable[[str], AnkiCollection]
) -> None:
    server, stop = start_server(tmp_path / "srv", SyncLimits(media=MediaLimits(quota_bytes=100)))
    try:
        server.add_user("alice")
        key = login_key(server)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("0", b"x" * 500)
            zf.writestr("_meta", json.dumps([["big.png", "0"]]))
        status, data, _ = sync_post(server, "/msync/uploadChanges", archive.getvalue(), key=key)
        assert status == 200
        assert "media allowance" in json.loads(data)["err"]
        user = server.deps.meta.get_user("alice")
        assert user is not None
        assert server.deps.engine.media(user.user_id).list() == []
    finally:
        stop()
