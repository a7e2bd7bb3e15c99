"""Sync cost beside Anki's own server (``python -m bench sync``).

Both servers run on 127.0.0.1 in the same run: Javumbo's sync endpoints (the real app's
blueprint over the embedded stores, served by waitress in a thread, as ``javumbo serve`` does)
and Anki's bundled server (``python -m anki.syncserver``, a subprocess). Anki's own client (the
``anki`` package) drives both with the same calls: full upload and full download of a
10,000-card collection, a no-op sync, pushing 100 changed cards and pulling them into a second
client. Medians of a few runs; the last column is Javumbo's time over Anki's (below 1.0 =
faster).

Last run (2 shared cores, load average ~1.5; embedded stores, fsync on every blob PUT).
"before" is this benchmark over the code of cf9f6d0, run right before "after" (eca56a9), two
alternating pairs, medians of 5 calls each:

    javumbo ms (ratio to Anki's server in the same run)
    operation                    before, run 1 / run 2      after, run 1 / run 2
    full upload (10k cards)      170 (2.11)  164 (1.98)     188 (1.72)  201 (2.20)
    full download (10k cards)     56 (1.36)   61 (1.38)      65 (1.41)   68 (1.44)
    no-op sync                   1.6 (4.08)  1.8 (4.16)     1.9 (4.51)  2.1 (4.03)
    push 100 changed cards        22 (3.50)   27 (4.45)      20 (2.82)   27 (4.43)
    pull 100 changed cards        16 (2.45)   18 (2.99)      16 (2.26)   24 (4.00)

On local stores the wall-clock difference is within the noise (earlier pairs under a load
average of 6-10 swung by 2x either way): the no-op sync there LISTed an empty folder, which
costs nothing locally. The gain is in store operations, which on S3 are 10-30 ms each (and a
LIST grows with the user's media files); they are exact (printed under the timings):

    operation (per call)        blob GET  PUT  HEAD  LIST  DELETE   meta read  write
    no-op sync, before                 0    0     0     1       0           2      0
    no-op sync, after                  1    0     1     0       0           2      0
    push 100 cards, before             7    5     0     1       4          18      1
    push 100 cards, after              6    3     1     0       2          18      1
    pull 100 cards, before             5    1     0     1       2          18      1
    pull 100 cards, after              6    1     1     0       2          18      1

What changed: ``/sync/meta`` no longer LISTs the media store (a HEAD of the media change marker,
plus the media log's GET, which "before" skipped only because this benchmark has no media log);
the client's small parts ride in the pending state (one PUT per call instead of two, and two
fewer DELETEs at the end); its cards and notes are merged in batches. What is left is mostly HTTP
and Flask per call (Anki's server is Rust) and the engine's metastore reads (the host key's user
and the head, on every call; another engineer is reducing those). The full upload keeps the
``replace_collection`` path (was ~12x when every row was journaled).
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


StoreOps = Callable[[], dict[str, int]]
OPS = ("blob_get", "blob_put", "blob_head", "blob_list", "blob_delete", "meta_read", "meta_write")


@contextmanager
def javumbo_server(work: Path) -> Iterator[tuple[str, StoreOps]]:
    """The whole app, as ``javumbo serve`` runs it (waitress; request logs and metrics on),
    over the embedded stores, whose operations are counted."""
    import logging

    import waitress
    from argon2 import PasswordHasher

    from javumbo.api.app import app_services, create_app
    from javumbo.api.observability import REQUEST_LOGGER
    from javumbo.settings import Settings
    from javumbo.stores.factory import open_stores
    from javumbo.stores.ports import UserRecord

    # One JSON line per call, written as `javumbo serve` writes it, but to nowhere.
    request_log = logging.getLogger(REQUEST_LOGGER)
    request_log.handlers[:] = [logging.StreamHandler(open(os.devnull, "w"))]  # noqa: SIM115
    request_log.setLevel(logging.INFO)
    request_log.propagate = False
    settings = Settings(data_dir=work)
    blobs, meta = open_stores(settings)
    app = create_app(settings, stores=(blobs, meta))
    meta.create_user(
        UserRecord(USER, uuid.uuid4().hex, PasswordHasher().hash(PASSWORD), time.time())
    )
    http = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=http.run, daemon=True)
    thread.start()

    def store_ops() -> dict[str, int]:
        stores = (blobs.counters.snapshot(), meta.counters.snapshot())
        return {name: sum(int(c.get(name, 0)) for c in stores) for name in OPS}

    try:
        yield f"http://127.0.0.1:{http.effective_port}/", store_ops
    finally:
        http.close()
        thread.join(10)
        app_services(app).close()


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


def measure(
    url: str, source: Path, work: Path, store_ops: StoreOps | None = None
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Median seconds of each operation against the server at ``url``, and (when the server's
    store counters are given) the mean store operations of each."""
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
    ops: dict[str, list[dict[str, int]]] = {}

    def record(name: str, fn: Callable[[], Any]) -> None:
        before = store_ops() if store_ops else {}
        results.setdefault(name, []).append(_timed(fn))
        after = store_ops() if store_ops else {}
        ops.setdefault(name, []).append({k: after[k] - before[k] for k in after})

    for _ in range(REPEATS):
        record("full upload (10k cards)", lambda: full(col_a, auth_a, True))
        record("full download (10k cards)", lambda: full(col_b, auth_b, False))
    col_a.sync_collection(auth_a, False)
    for _ in range(REPEATS):
        record("no-op sync", lambda: col_a.sync_collection(auth_a, False))
    for round_ in range(REPEATS):
        ids = col_b.db.list(f"select id from cards order by id limit {CHANGED_CARDS}")
        marks = ",".join(str(i) for i in ids)
        stamp = int(time.time()) + round_ + 1
        col_b.db.execute(
            f"update cards set due = due + 1, mod = ?, usn = -1 where id in ({marks})", stamp
        )
        col_b.db.execute("update col set mod = ?", int(time.time() * 1000) + round_)
        record("push 100 changed cards", lambda: col_b.sync_collection(auth_b, False))
        record("pull 100 changed cards", lambda: col_a.sync_collection(auth_a, False))
    pulled = col_a.db.scalar(f"select sum(due) from cards where id in ({marks})")
    pushed = col_b.db.scalar(f"select sum(due) from cards where id in ({marks})")
    if pulled != pushed:
        raise RuntimeError("the pull did not bring the pushed cards")
    col_a.close()
    col_b.close()
    medians = {name: statistics.median(times) for name, times in results.items()}
    mean_ops = {
        name: {k: statistics.mean(run[k] for run in runs) for k in runs[0]}
        for name, runs in ops.items()
    }
    return medians, mean_ops


def request_floor(url: str, requests: int = 300) -> float:
    """Median seconds for the server to refuse a sync call with a malformed header: what one
    HTTP request costs on that server before any sync work (a new connection each time, as
    Anki's server closes one after an error)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    times = []
    for _ in range(requests):
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        start = time.perf_counter()
        conn.request("POST", "/sync/meta", body=b"x", headers={"anki-sync": "{}"})
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        conn.close()
        if response.status != 400:
            raise RuntimeError(f"{url} answered a malformed call with {response.status}")
    return statistics.median(times)


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
            anki, _ = measure(url, source, root / "anki-clients")
            anki["one refused request (floor)"] = request_floor(url)
        with javumbo_server(root / "javumbo-server") as (url, store_ops):
            ours, ops = measure(url, source, root / "javumbo-clients", store_ops)
            ours["one refused request (floor)"] = request_floor(url)
    print(f"{'operation':28} {'javumbo ms':>11} {'anki ms':>9} {'ratio':>6}")
    for name, seconds in ours.items():
        ratio = seconds / anki[name] if anki[name] else float("inf")
        print(f"{name:28} {seconds * 1000:11.1f} {anki[name] * 1000:9.1f} {ratio:6.2f}")
    print(
        "\nA normal sync is 7 calls (meta, start, applyChanges, chunk, applyChunk, sanityCheck2,"
        " finish);\nthe floor row is what the HTTP stack alone costs per call on each server."
    )
    print(
        f"\nstore operations per call (javumbo)\n{'operation':28} "
        + " ".join(f"{k:>11}" for k in OPS)
    )
    for name, counts in ops.items():
        print(f"{name:28} " + " ".join(f"{counts[k]:11.1f}" for k in OPS))


if __name__ == "__main__":
    main()
