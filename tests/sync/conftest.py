"""A Javumbo sync server on 127.0.0.1 (a real HTTP server in a thread, over a real data folder)
and Anki's own client (the ``anki`` package) to drive it."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import zstandard
from anki.collection import Collection as AnkiCollection
from anki.sync import SyncAuth, SyncOutput
from argon2 import PasswordHasher
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from javumbo.api.rate_limit import LoginThrottle, ThrottlePolicy
from javumbo.collection.clock import Clock, SystemClock
from javumbo.settings import Settings
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import BlobStore, MetaStore, UserRecord
from javumbo.sync import SyncLimits, SyncServer, register_sync
from javumbo.userdb import StorageEngine
from tests.anki_repairs import repair_anki_last_review_times
from tests.conftest import ANKI_FIXTURES

PASSWORD = "correct horse battery"
Required = SyncOutput.ChangesRequired


@dataclass
class Deps:
    blobs: BlobStore
    meta: MetaStore
    engine: StorageEngine
    clock: Clock
    login_throttle: LoginThrottle


@dataclass
class RunningServer:
    url: str
    deps: Deps
    sync: SyncServer
    data_dir: Path

    def add_user(self, username: str, password: str = PASSWORD) -> UserRecord:
        record = UserRecord(
            username=username,
            user_id=uuid.uuid4().hex,
            password_hash=PasswordHasher().hash(password),
            created_at=time.time(),
        )
        self.deps.meta.create_user(record)
        return record


def start_server(
    data_dir: Path,
    limits: SyncLimits | None = None,
    *,
    settings: Settings | None = None,
    instance_id: str = "sync-test",
    throttle: ThrottlePolicy | None = None,
) -> tuple[RunningServer, Any]:
    """One instance: its own engine (cache under ``data_dir``) over the stores ``settings``
    name (by default the embedded ones in ``data_dir``), its own Flask app and HTTP server."""
    settings = settings or Settings(data_dir=data_dir)
    blobs, meta = open_stores(settings)
    engine = StorageEngine(
        settings,
        blobs,
        meta,
        instance_id=instance_id,
        cache_dir=data_dir / "cache",
        clock=SystemClock(),
    )
    clock = SystemClock()
    deps = Deps(blobs, meta, engine, clock, LoginThrottle(clock, throttle))
    app = Flask("sync-test")
    server = register_sync(app, deps, limits)
    http: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    running = RunningServer(f"http://127.0.0.1:{http.server_port}/", deps, server, data_dir)

    def stop() -> None:
        http.shutdown()
        thread.join(10)
        engine.close()

    return running, stop


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running, stop = start_server(tmp_path / "server")
    yield running
    stop()


@pytest.fixture
def anki_col(tmp_path: Path) -> Iterator[Callable[[str], AnkiCollection]]:
    """Factory of empty Anki collections (closed at the end of the test)."""
    opened: list[AnkiCollection] = []

    def make(name: str) -> AnkiCollection:
        folder = tmp_path / "clients" / name
        folder.mkdir(parents=True)
        col = AnkiCollection(str(folder / "collection.anki2"))
        opened.append(col)
        return col

    yield make
    for col in opened:
        with contextlib.suppress(Exception):
            col.close()


def build_sample(col: AnkiCollection) -> dict[str, Any]:
    sys.path.insert(0, str(ANKI_FIXTURES))
    try:
        import make_fixtures
    finally:
        sys.path.remove(str(ANKI_FIXTURES))
    stats: dict[str, Any] = make_fixtures.build_sample(col)
    repair_anki_last_review_times(col)
    return stats


def full_sync(col: AnkiCollection, auth: SyncAuth, *, upload: bool, media_usn: int) -> None:
    col.close_for_full_sync()
    col.full_upload_or_download(auth=auth, server_usn=media_usn, upload=upload)
    col.reopen(after_full_sync=True)


def sync_media(col: AnkiCollection, auth: SyncAuth, timeout: float = 30.0) -> None:
    col.sync_media(auth)
    deadline = time.monotonic() + timeout
    while col.media_sync_status().active:
        if time.monotonic() > deadline:
            raise AssertionError("media sync did not finish")
        time.sleep(0.02)


def counts(col: AnkiCollection) -> tuple[int, int, int]:
    return (col.note_count(), col.card_count(), col.db.scalar("select count() from revlog"))


def uploaded_client(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection], username: str = "alice"
) -> tuple[AnkiCollection, SyncAuth]:
    """A client with the sample collection, fully uploaded (collection and media)."""
    server.add_user(username)
    col = anki_col(f"{username}-a")
    build_sample(col)
    auth = col.sync_login(username, PASSWORD, server.url)
    out = col.sync_collection(auth, False)
    assert out.required == Required.FULL_UPLOAD
    full_sync(col, auth, upload=True, media_usn=out.server_media_usn)
    sync_media(col, auth)
    return col, auth


def downloaded_client(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection], name: str, username: str
) -> tuple[AnkiCollection, SyncAuth]:
    col = anki_col(name)
    auth = col.sync_login(username, PASSWORD, server.url)
    out = col.sync_collection(auth, False)
    assert out.required == Required.FULL_DOWNLOAD
    full_sync(col, auth, upload=False, media_usn=out.server_media_usn)
    sync_media(col, auth)
    return col, auth


def sync_post(
    server: RunningServer,
    path: str,
    body: bytes,
    *,
    key: str = "",
    version: int | None = 11,
    session: str = "s1",
    compress: bool = True,
    sync_header: str | None = None,
) -> tuple[int, bytes, dict[str, str]]:
    """One raw sync call: ``body`` zstd-compressed unless ``compress`` is False, the
    ``anki-sync`` header built from ``version``/``key``/``session`` unless given whole."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/octet-stream"}
    if sync_header is not None:
        headers["anki-sync"] = sync_header
    elif version is not None:
        headers["anki-sync"] = json.dumps({"v": version, "k": key, "c": "test", "s": session})
    payload = zstandard.ZstdCompressor().compress(body) if compress else body
    conn.request("POST", path, body=payload, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    out_headers = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    if resp.status == 200:
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return resp.status, data, out_headers


def login_key(server: RunningServer, username: str = "alice") -> str:
    status, data, headers = sync_post(
        server, "/sync/hostKey", json.dumps({"u": username, "p": PASSWORD}).encode()
    )
    assert status == 200
    assert headers["anki-original-size"] == str(len(data))
    key: str = json.loads(data)["key"]
    return key


def fingerprint(server: RunningServer, username: str = "alice") -> str:
    user = server.deps.meta.get_user(username)
    assert user is not None
    with server.deps.engine.read(user.user_id) as col:
        dump = [
            list(col.db.execute(f"select * from {table} order by rowid"))
            for table in ("col", "notes", "cards", "revlog", "graves")
        ]
    return hashlib.sha1(repr(dump).encode()).hexdigest()
