"""Media sync is held to the one per-user media allowance that imports and web uploads share:
declared sizes are checked against it before any entry is read, the largest file allowed and
the package compression-ratio rule apply, and a refusal stores nothing."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.settings import Settings
from tests.sync.conftest import RunningServer, login_key, start_server, sync_post

KIB = 1024


@pytest.fixture
def small_allowance(tmp_path: Path) -> Iterator[RunningServer]:
    folder = tmp_path / "srv"
    settings = Settings(
        data_dir=folder, media_quota_bytes=1000 * KIB, media_max_file_bytes=400 * KIB
    )
    server, stop = start_server(folder, settings=settings)
    yield server
    stop()


def _zip(files: dict[str, bytes], *, deflate: bool = False) -> bytes:
    out = io.BytesIO()
    compression = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        meta = []
        for index, (name, data) in enumerate(files.items()):
            archive.writestr(str(index), data)
            meta.append([name, str(index)])
        archive.writestr("_meta", json.dumps(meta))
    return out.getvalue()


def _upload(server: RunningServer, key: str, body: bytes) -> tuple[int, dict[str, Any]]:
    status, data, _ = sync_post(server, "/msync/uploadChanges", body, key=key)
    return status, json.loads(data) if status == 200 else {}


def _stored(server: RunningServer) -> list[str]:
    user = server.deps.meta.get_user("alice")
    assert user is not None
    return server.deps.engine.media(user.user_id).list()


def _corrupt_second_entry(body: bytes) -> bytes:
    """Flip a byte inside the second entry's data: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        info = archive.getinfo("1")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    return body[:start] + bytes([body[start] ^ 0xFF]) + body[start + 1 :]


def test_declared_sizes_are_checked_against_the_allowance_before_any_entry_is_read(
    small_allowance: RunningServer,
) -> None:
    server = small_allowance
    server.add_user("alice")
    key = login_key(server)
    body = _zip({"a.jpg": os.urandom(390 * KIB), "b.jpg": os.urandom(390 * KIB)})
    three = _zip(
        {"a.jpg": os.urandom(390 * KIB), "b.jpg": os.urandom(390 * KIB), "c.jpg": b"x" * 300 * KIB}
    )
    # The second entry is damaged: reading it would fail, but the sizes are refused first.
    status, answer = _upload(server, key, _corrupt_second_entry(three))
    assert status == 200
    assert "media allowance" in answer["err"]
    assert _stored(server) == []
    # within the allowance it goes through
    status, answer = _upload(server, key, body)
    assert status == 200 and answer["err"] == ""
    assert _stored(server) == ["a.jpg", "b.jpg"]


def test_web_media_and_synced_media_share_one_allowance(small_allowance: RunningServer) -> None:
    server = small_allowance
    user = server.add_user("alice")
    server.deps.engine.media(user.user_id).put("web.png", os.urandom(800 * KIB))
    key = login_key(server)
    assert sync_post(server, "/msync/begin", b"{}", key=key)[0] == 200
    status, answer = _upload(server, key, _zip({"sync.png": os.urandom(300 * KIB)}))
    assert status == 200
    assert "media allowance" in answer["err"]
    assert _stored(server) == ["web.png"]
    # deleting the web file in the same upload makes room
    status, answer = _upload(server, key, _with_deletion())
    assert status == 200 and answer["err"] == "", answer
    assert _stored(server) == ["sync.png"]


def _with_deletion() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("0", os.urandom(300 * KIB))
        archive.writestr("_meta", json.dumps([["web.png", None], ["sync.png", "0"]]))
    return out.getvalue()


def test_the_largest_file_allowed_comes_from_the_settings(small_allowance: RunningServer) -> None:
    server = small_allowance
    server.add_user("alice")
    key = login_key(server)
    status, answer = _upload(server, key, _zip({"big.png": os.urandom(450 * KIB)}))
    assert status == 200
    assert "larger than the largest allowed" in answer["err"]
    assert _stored(server) == []


def test_entries_compressed_beyond_the_package_ratio_are_refused(
    small_allowance: RunningServer,
) -> None:
    server = small_allowance
    server.add_user("alice")
    key = login_key(server)
    bomb = _zip({"zeros.png": b"\0" * (300 * KIB)}, deflate=True)
    # small entries are free (the ratio applies above 1 MiB): this one is stored
    assert _upload(server, key, bomb)[1]["err"] == ""
    server_two, stop = start_server(server.data_dir.parent / "srv2")
    try:
        server_two.add_user("alice")
        key_two = login_key(server_two)
        big_bomb = _zip({"zeros.png": b"\0" * (8 * 1024 * KIB)}, deflate=True)
        status, data, _ = sync_post(server_two, "/msync/uploadChanges", big_bomb, key=key_two)
        assert status == 400
        assert b"compressed more than 200 to 1" in data
        assert _stored(server_two) == []
    finally:
        stop()


def test_uploads_wait_in_a_private_folder_under_the_data_folder(
    small_allowance: RunningServer,
) -> None:
    server = small_allowance
    server.add_user("alice")
    key = login_key(server)
    assert _upload(server, key, _zip({"a.png": b"png"}))[0] == 200
    workdir = server.sync.workdir
    assert workdir.is_relative_to(server.data_dir)
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    assert list(workdir.iterdir()) == []
