"""Sync cost beside Anki's own server (``python -m bench sync``).

Both servers run on 127.0.0.1 in the same run: Javumbo's sync endpoints (the real app's
blueprint over the embedded stores, served by werkzeug in a thread) and Anki's bundled server
(``python -m anki.syncserver``, a subprocess). Anki's own client (the ``anki`` package) drives
both with the same calls: full upload and full download of a 10,000-card collection, a no-op
sync, pushing 100 changed cards and pulling them into a second client. Medians of a few runs;
the last column is Javumbo's time over Anki's (below 1.0 = faster).

Last run (2 shared cores, other work running; embedded stores, fsync on every blob PUT):

    operation                     javumbo ms   anki ms  ratio
    full upload (10k cards)            201.2      94.5   2.13   (was ~12: every row journaled,
    full download (10k cards)           75.6      59.9   1.26    spilled, then snapshotted; now
    no-op sync                           1.6       0.4   4.23    one replace_collection)
    push 100 changed cards              26.5       9.9   2.67
    pull 100 changed cards              19.1       6.2   3.07   (was ~12)

The pending sync state now lives in the blob store (any instance serves any call): a pull costs
one state PUT (``start``) and a few GETs; the rest is the journaled commit (one metastore write)
and HTTP/Flask overhead per call.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USER, PASSWORD = "bench", "bench password"
REPEATS = 5
CHANGED_CARDS = 100
FIXTURES = Path(
    os.environ.get("JAVUMBO_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")
) / ("fixtures/anki")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class _Deps:
    blobs: Any
    meta: Any
    dbs: Any
    clock: Any


@contextmanager
def javumbo_server(work: Path) -> Iterator[str]:
    import logging

    from argon2 import PasswordHasher
    from flask import Flask
    from werkzeug.serving import make_server

    from javumbo.collection.clock import SystemClock
    from javumbo.settings import Settings
    from javumbo.stores.factory import open_stores
    from javumbo.stores.ports import UserRecord
    from javumbo.sync import SyncLimits, register_sync
    from javumbo.userdb import UserDatabases

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    settings = Settings(data_dir=work)
    blobs, meta = open_stores(settings)
    dbs = UserDatabases(
        settings, blobs, meta, instance_id="bench", cache_dir=work / "cache", clock=SystemClock()
    )
    meta.create_user(
        UserRecord(USER, uuid.uuid4().hex, PasswordHasher().hash(PASSWORD), time.time())
    )
    app = Flask("bench-sync")
    register_sync(app, _Deps(blobs, meta, dbs, SystemClock()), SyncLimits(workdir=work / "w"))
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}/"
    finally:
        http.shutdown()
        thread.join(10)
        dbs.close()


@contextmanager
def anki_server(work: Path) -> Iterator[str]:
    port = _free_port()
    env = dict(
        os.environ,
        SYNC_USER1=f"{USER}:{PASSWORD}",
        SYNC_BASE=str(work),
        SYNC_HOST="127.0.0.1",
        SYNC_PORT=str(port),
        RUST_LOG="error",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "anki.syncserver"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(url: str, source: Path, work: Path) -> dict[str, float]:
    """Median seconds of each operation against the server at ``url``."""
    import shutil

    from anki.collection import Collection as AnkiCollection

    (work / "a").mkdir(parents=True)
    (work / "b").mkdir(parents=True)
    shutil.copy(source, work / "a" / "collection.anki2")
    col_a = AnkiCollection(str(work / "a" / "collection.anki2"))
    col_b = AnkiCollection(str(work / "b" / "collection.anki2"))
    auth_a = col_a.sync_login(USER, PASSWORD, url)
    auth_b = col_b.sync_login(USER, PASSWORD, url)

    def full(col: Any, auth: Any, upload: bool) -> None:
        col.close_for_full_sync()
        col.full_upload_or_download(auth=auth, server_usn=None, upload=upload)
        col.reopen(after_full_sync=True)

    results: dict[str, list[float]] = {}
    for _ in range(REPEATS):
        results.setdefault("full upload (10k cards)", []).append(
            _timed(lambda: full(col_a, auth_a, True))
        )
        results.setdefault("full download (10k cards)", []).append(
            _timed(lambda: full(col_b, auth_b, False))
        )
    col_a.sync_collection(auth_a, False)
    for _ in range(REPEATS):
        results.setdefault("no-op sync", []).append(
            _timed(lambda: col_a.sync_collection(auth_a, False))
        )
    for round_ in range(REPEATS):
        ids = col_b.db.list(f"select id from cards order by id limit {CHANGED_CARDS}")
        marks = ",".join(str(i) for i in ids)
        stamp = int(time.time()) + round_ + 1
        col_b.db.execute(
            f"update cards set due = due + 1, mod = ?, usn = -1 where id in ({marks})", stamp
        )
        col_b.db.execute("update col set mod = ?", int(time.time() * 1000) + round_)
        results.setdefault("push 100 changed cards", []).append(
            _timed(lambda: col_b.sync_collection(auth_b, False))
        )
        results.setdefault("pull 100 changed cards", []).append(
            _timed(lambda: col_a.sync_collection(auth_a, False))
        )
    pulled = col_a.db.scalar(f"select sum(due) from cards where id in ({marks})")
    pushed = col_b.db.scalar(f"select sum(due) from cards where id in ({marks})")
    if pulled != pushed:
        raise RuntimeError("the pull did not bring the pushed cards")
    col_a.close()
    col_b.close()
    return {name: statistics.median(times) for name, times in results.items()}


def build_source(path: Path) -> None:
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_fixtures
        from anki.collection import Collection as AnkiCollection

        col = AnkiCollection(str(path))
        make_fixtures.build_synthetic(col)
        col.close()
    finally:
        sys.path.remove(str(FIXTURES))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        source = root / "source" / "collection.anki2"
        source.parent.mkdir()
        build_source(source)
        with anki_server(root / "anki-server") as url:
            anki = measure(url, source, root / "anki-clients")
        with javumbo_server(root / "javumbo-server") as url:
            ours = measure(url, source, root / "javumbo-clients")
    print(f"{'operation':28} {'javumbo ms':>11} {'anki ms':>9} {'ratio':>6}")
    for name, seconds in ours.items():
        ratio = seconds / anki[name] if anki[name] else float("inf")
        print(f"{name:28} {seconds * 1000:11.1f} {anki[name] * 1000:9.1f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
