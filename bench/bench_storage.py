"""Storage engine costs against S3 + DynamoDB on a local moto server (``python -m bench storage``).

For collections of 1k, 10k and 100k cards it measures, in one run:

* blob GETs/PUTs of a 20-answer review session (cold cache, warm cache, read-only), against the
  baseline of downloading the collection and uploading it again on every request ("week-1");
* time per answer with journaling vs the same transaction without it (the difference is the
  journal append: one metastore write);
* load time cold (download + decompress) and warm (instance cache), flush time, and the bytes
  a snapshot uploads with zstd vs raw.

``--backend local`` runs the same against the embedded stores (blob folder + SQLite metastore).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from javumbo.collection import Collection, SystemClock
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.userdb import StorageEngine
from javumbo.userdb.names import snapshot_key
from javumbo.userdb.snapshots import prepare_snapshot
from javumbo_testbed.emulator import free_port

SIZES = (1_000, 10_000, 100_000)
ANSWERS = 20
DAY = 86_400


# ------------------------------------------------------------------ backends


@contextmanager
def moto_stores(bucket: str) -> Iterator[tuple[BlobStore, MetaStore, Settings]]:
    """A moto server on a free port (a big in-memory key buffer: with moto's default, objects
    spill to disk), and the real S3 and DynamoDB adapters pointed at it."""
    os.environ["MOTO_S3_DEFAULT_KEY_BUFFER_SIZE"] = str(128 * 1024 * 1024)
    from javumbo.stores.aws_setup import ensure_aws_resources
    from javumbo.stores.factory import open_stores
    from javumbo_testbed.moto_server import serve_in_thread

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    stop = serve_in_thread("127.0.0.1", port)  # one request at a time: moto is not safe
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    try:
        settings = Settings(
            backend="aws",
            jwt_secret_key="bench",
            s3_bucket=bucket,
            aws_endpoint_url=f"http://127.0.0.1:{port}",
        )
        ensure_aws_resources(settings)
        blobs, meta = open_stores(settings)
        yield blobs, meta, settings
    finally:
        stop()


@contextmanager
def local_stores(root: Path) -> Iterator[tuple[BlobStore, MetaStore, Settings]]:
    from javumbo.stores.local import LocalBlobStore
    from javumbo.stores.sqlite_meta import SqliteMetaStore

    yield LocalBlobStore(root / "blobs"), SqliteMetaStore(root / "meta.sqlite3"), Settings()


# ------------------------------------------------------------------ workload


def build_collection(path: Path, cards: int) -> None:
    """A collection with ``cards`` review cards (one note each) and some review history."""
    rng = random.Random(cards)
    col = Collection.create(path)
    mid = int(next(iter(col.models)))
    now = col.now_secs()
    today = col.today()
    base = col.now_ms() - cards * 10 - 1_000_000
    with col.transaction() as db:
        db.executemany(
            "insert into notes values (?, ?, ?, ?, -1, '', ?, ?, ?, 0, '')",
            (
                (
                    base + i,
                    f"g{i:08x}",
                    mid,
                    now,
                    f"word {i} {rng.random():.6f}\x1fmeaning of word {i} in a sentence",
                    f"word {i}",
                    rng.getrandbits(31),
                )
                for i in range(cards)
            ),
        )
        db.executemany(
            "insert into cards values (?, ?, 1, 0, ?, -1, 2, 2, ?, ?, 2500, ?, 0, 0, 0, 0, 0, '')",
            (
                (base + i, base + i, now, today + rng.randint(-5, 30), rng.randint(1, 90), 3)
                for i in range(cards)
            ),
        )
        db.executemany(
            "insert into revlog values (?, ?, -1, 3, ?, ?, 2500, ?, 1)",
            (
                (base - 10 * cards + i, base + i % cards, 5, 3, rng.randint(2000, 9000))
                for i in range(cards * 2)
            ),
        )
    col.close()


def due_card(col: Collection) -> int:
    row = col.db.execute(
        "select id from cards where queue = 2 and due <= ? order by due, id limit 1",
        (col.today() + 60,),
    ).fetchone()
    return int(row[0])


def answer_card(col: Collection, cid: int) -> int:
    """What answering a review card writes (the scheduler's shape): card, revlog row, col.mod."""
    with col.transaction() as db:
        ivl = db.execute("select ivl from cards where id = ?", (cid,)).fetchone()[0]
        new_ivl = max(ivl * 2, ivl + 1)
        db.execute(
            "update cards set ivl = ?, due = ?, reps = reps + 1, mod = ?, usn = -1 where id = ?",
            (new_ivl, col.today() + new_ivl, col.now_secs(), cid),
        )
        db.execute(
            "insert into revlog values (?, ?, -1, 3, ?, ?, 2500, 4200, 1)",
            (col.new_id("revlog"), cid, new_ivl, ivl),
        )
        db.execute("update col set mod = ?", (col.now_ms(),))
    return cid


def review_request(col: Collection) -> int:
    return answer_card(col, due_card(col))


# ------------------------------------------------------------------ measurements


@dataclass
class Row:
    cards: int
    values: dict[str, Any] = field(default_factory=dict)


def blob_counts(blobs: BlobStore) -> dict[str, int]:
    counters: Any = getattr(blobs, "counters", None)
    return dict(counters.snapshot()) if counters is not None else {}


def delta(after: dict[str, int], before: dict[str, int], name: str) -> int:
    return after.get(name, 0) - before.get(name, 0)


def seed_user(blobs: BlobStore, meta: MetaStore, user: str, source: Path, work: Path) -> int:
    """Store ``source`` as the user's snapshot 0 (what a migration or import would do)."""
    col = Collection.open(source)
    prepared = prepare_snapshot(col, work)
    col.close()
    key = snapshot_key(user, 0, compressed=prepared.compressed)
    with prepared.path.open("rb") as fh:
        etag = blobs.put_if_absent(key, fh)
    meta.move_head_snapshot(user, None, key, 0, etag)
    prepared.path.unlink()
    return prepared.raw_bytes


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def engine_session(
    engine: StorageEngine, user: str, *, writes: bool
) -> tuple[list[float], float, float]:
    """20 requests (each: read the next card, answer it), then session end (flush).
    Returns per-answer seconds, first-request seconds (load) and flush seconds."""
    per_answer: list[float] = []
    first = 0.0
    for i in range(ANSWERS):
        start = time.perf_counter()
        with engine.read(user) as col:
            due_card(col)
        if writes:
            engine.write(user, review_request)
        elapsed = time.perf_counter() - start
        if i == 0:
            first = elapsed
        per_answer.append(elapsed)
    flush = timed(lambda: engine.flush(user))
    return per_answer, first, flush


def baseline_session(blobs: BlobStore, user: str, work: Path) -> list[float]:
    """The baseline ("week-1"): every request downloads the collection, changes it, uploads it."""
    key = f"baseline/{user}.anki2"
    per_answer = []
    for _ in range(ANSWERS):
        start = time.perf_counter()
        local = work / "baseline.anki2"
        blobs.get_to_file(key, local)
        col = Collection.open(local)
        review_request(col)
        col.close()
        with local.open("rb") as fh:
            blobs.put(key, fh)
        local.unlink()
        per_answer.append(time.perf_counter() - start)
    return per_answer


def plain_answers(source: Path, work: Path) -> list[float]:
    """The same answers on a local collection without journaling (the floor)."""
    path = work / "plain.anki2"
    shutil.copyfile(source, path)
    col = Collection.open(path)
    times = [timed(lambda: review_request(col)) for _ in range(ANSWERS)]
    col.close()
    return times


def measure(size: int, blobs: BlobStore, meta: MetaStore, settings: Settings, work: Path) -> Row:
    row = Row(size)
    source = work / f"source-{size}.anki2"
    build_collection(source, size)
    user = f"bench{size}"
    row.values["raw MB"] = seed_user(blobs, meta, user, source, work) / 1e6

    def engine(name: str) -> StorageEngine:
        return StorageEngine(
            settings,
            blobs,
            meta,
            instance_id=name,
            cache_dir=work / f"cache-{size}-{name}",
            clock=SystemClock(),
        )

    # Cold: a fresh instance, nothing cached. The first request downloads the snapshot.
    cold = engine("cold")
    before = blob_counts(blobs)
    times, first, flush = engine_session(cold, user, writes=True)
    after = blob_counts(blobs)
    row.values["cold GET"] = delta(after, before, "blob_get")
    row.values["cold PUT"] = delta(after, before, "blob_put")
    row.values["load cold ms"] = first * 1000
    row.values["answer ms"] = statistics.median(times[1:]) * 1000
    row.values["flush ms"] = flush * 1000
    row.values["uploaded MB"] = delta(after, before, "blob_bytes_out") / 1e6
    cold.close()

    # Warm: a new instance on the same cache folder (the snapshot it flushed is on disk).
    warm = engine("cold")
    before = blob_counts(blobs)
    times, first, _ = engine_session(warm, user, writes=True)
    after = blob_counts(blobs)
    row.values["warm GET"] = delta(after, before, "blob_get")
    row.values["warm PUT"] = delta(after, before, "blob_put")
    row.values["load warm ms"] = first * 1000

    # Read-only session on the warm instance.
    before = blob_counts(blobs)
    engine_session(warm, user, writes=False)
    after = blob_counts(blobs)
    row.values["read-only PUT"] = delta(after, before, "blob_put")
    warm.close()

    row.values["no-journal ms"] = statistics.median(plain_answers(source, work)[1:]) * 1000

    with source.open("rb") as fh:
        blobs.put(f"baseline/{user}.anki2", fh)
    before = blob_counts(blobs)
    base_times = baseline_session(blobs, user, work)
    after = blob_counts(blobs)
    row.values["baseline GET"] = delta(after, before, "blob_get")
    row.values["baseline PUT"] = delta(after, before, "blob_put")
    row.values["baseline ms"] = statistics.median(base_times) * 1000
    row.values["baseline MB up"] = delta(after, before, "blob_bytes_out") / 1e6
    blobs.delete(f"baseline/{user}.anki2")
    source.unlink()
    return row


# ------------------------------------------------------------------ report


def print_report(rows: list[Row], backend: str) -> None:
    print(f"\nstorage engine, {ANSWERS}-answer session, backend: {backend}")
    columns = [
        ("cards", lambda r: f"{r.cards:,}"),
        ("raw MB", lambda r: f"{r.values['raw MB']:.1f}"),
        ("GET/PUT cold", lambda r: f"{r.values['cold GET']}/{r.values['cold PUT']}"),
        ("GET/PUT warm", lambda r: f"{r.values['warm GET']}/{r.values['warm PUT']}"),
        ("PUT read-only", lambda r: f"{r.values['read-only PUT']}"),
        (
            "GET/PUT week-1",
            lambda r: f"{r.values['baseline GET']}/{r.values['baseline PUT']}",
        ),
        (
            "PUT ratio",
            lambda r: f"{r.values['baseline PUT'] / max(r.values['cold PUT'], 1):.0f}x fewer",
        ),
        ("answer ms", lambda r: f"{r.values['answer ms']:.1f}"),
        ("no-journal ms", lambda r: f"{r.values['no-journal ms']:.2f}"),
        ("week-1 ms", lambda r: f"{r.values['baseline ms']:.0f}"),
        (
            "speedup",
            lambda r: f"{r.values['baseline ms'] / max(r.values['answer ms'], 1e-6):.0f}x",
        ),
        ("load cold ms", lambda r: f"{r.values['load cold ms']:.0f}"),
        ("load warm ms", lambda r: f"{r.values['load warm ms']:.0f}"),
        ("flush ms", lambda r: f"{r.values['flush ms']:.0f}"),
        (
            "up MB zstd/raw",
            lambda r: f"{r.values['uploaded MB']:.2f}/{r.values['raw MB']:.2f}",
        ),
        ("week-1 MB up", lambda r: f"{r.values['baseline MB up']:.0f}"),
    ]
    table = [[name for name, _ in columns]] + [[fmt(r) for _, fmt in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
    print(
        "\nanswer ms = one request (read head, read next card, journaled write) with the engine;"
        "\nno-journal ms = the same transaction on a local file; week-1 = download + open +"
        " answer + upload per request.\ncold/warm GET/PUT include the session-end flush."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench storage")
    parser.add_argument("--backend", choices=("moto", "local"), default="moto")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args = parser.parse_args(argv if argv is not None else [])
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        work = Path(tmp)
        stores = (
            moto_stores("javumbo-bench") if args.backend == "moto" else local_stores(work / "data")
        )
        with stores as (blobs, meta, settings):
            rows = []
            for size in sizes:
                print(f"measuring {size:,} cards...", flush=True)
                rows.append(measure(size, blobs, meta, settings, work))
        print_report(rows, args.backend)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
