"""A tiny instance of the storage engine in its own process, for the fault tests.

It serves JSON-line commands on stdin, answering one JSON line each on stdout, against shared
stores (``--backend local``: a blob folder + ``meta.sqlite3`` in ``--data``, the embedded
deployment; ``--backend aws``: S3 + DynamoDB at ``AWS_ENDPOINT_URL``).

``JAVUMBO_TEST_CRASH=<point>[:<n>]`` makes the process SIGKILL itself the n-th time (default 1st)
it passes a point: ``after_append`` (journal entry stored, answer not sent),
``after_snapshot_put`` (snapshot uploaded, head not moved), ``after_delta_put`` (a page-level
delta uploaded, head not moved) or ``after_replacement_put`` (a bulk write's collection
uploaded, its marker not appended).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from javumbo.collection import Collection, SystemClock
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.userdb import AlreadyApplied, JournalLimits, StorageEngine

CARD_ID = 1


class CrashPoint:
    def __init__(self, spec: str | None) -> None:
        name, _, nth = (spec or "").partition(":")
        self.name = name
        self.remaining = int(nth or 1)

    def passed(self, name: str) -> None:
        if name != self.name:
            return
        self.remaining -= 1
        if self.remaining == 0:
            os.kill(os.getpid(), signal.SIGKILL)


class CrashingMeta:
    def __init__(self, inner: MetaStore, crash: CrashPoint) -> None:
        self._inner = inner
        self._crash = crash

    def append_journal(self, *args: Any, **kwargs: Any) -> int:
        seq = self._inner.append_journal(*args, **kwargs)
        self._crash.passed("after_append")
        return seq

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class CrashingBlobs:
    def __init__(self, inner: BlobStore, crash: CrashPoint) -> None:
        self._inner = inner
        self._crash = crash

    def put_if_absent(self, key: str, data: Any) -> str:
        etag = self._inner.put_if_absent(key, data)
        if "/snapshots/" in key and not key.endswith("/000000000000.anki2.zst"):
            self._crash.passed("after_snapshot_put")
        if "/deltas/" in key:
            self._crash.passed("after_delta_put")
        if "/replaced/" in key:
            self._crash.passed("after_replacement_put")
        return etag

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def open_backend(backend: str, data: Path) -> tuple[BlobStore, MetaStore]:
    if backend == "local":
        from javumbo.stores.local import LocalBlobStore
        from javumbo.stores.sqlite_meta import SqliteMetaStore

        return LocalBlobStore(data / "blobs"), SqliteMetaStore(data / "meta.sqlite3")
    from javumbo.stores.factory import open_stores

    return open_stores(Settings.from_env())


def answer(col: Collection, n: int) -> int:
    """One review: a revlog row with a client-chosen id, and the card's reps counter bumped
    (so a double-applied answer shows as reps > rows)."""
    with col.transaction() as db:
        db.execute(
            "insert or ignore into cards values (?, 1, 1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0,"
            " 0, 0, '')",
            (CARD_ID,),
        )
        db.execute("update cards set reps = reps + 1, mod = ? where id = ?", (n, CARD_ID))
        db.execute("insert into revlog values (?, ?, -1, 3, 1, 0, 2500, 1000, 1)", (n, CARD_ID))
    return n


def state(col: Collection) -> dict[str, Any]:
    revlog = [r[0] for r in col.db.execute("select id from revlog order by id")]
    row = col.db.execute("select reps from cards where id = ?", (CARD_ID,)).fetchone()
    return {"revlog": revlog, "reps": row[0] if row else 0}


def serve(engine: StorageEngine, command: dict[str, Any]) -> dict[str, Any]:
    op, user = command["op"], command.get("user", "u1")
    if op == "answer":
        n = int(command["n"])
        key = command.get("key")
        if key is None:
            result: Any = engine.write(user, lambda col: answer(col, n))
        else:
            result = engine.write(user, lambda col: answer(col, n), idempotency_key=key)
        if isinstance(result, AlreadyApplied):
            return {"ok": True, "already": True, "seq": result.seq, "result": result.result}
        return {"ok": True, "already": False, "result": result, "seq": engine.applied_seq(user)}
    if op == "bulk":  # revlog rows start..start+count-1, the bulk way
        first, count = int(command["start"]), int(command["count"])

        def many(col: Collection) -> None:
            with col.transaction() as db:
                db.executemany(
                    "insert into revlog values (?, ?, -1, 3, 1, 0, 2500, 1000, 1)",
                    [(n, CARD_ID) for n in range(first, first + count)],
                )

        _, replaced = engine.bulk_write(user, many)
        return {"ok": True, "seq": replaced.seq}
    if op == "flush":
        flushed = engine.flush(user)
        return {"ok": True, "status": flushed.status, "seq": flushed.snapshot_seq}
    if op == "compact":
        compacted = engine.compact(user)
        return {
            "ok": True,
            "status": compacted.status,
            "seq": compacted.snapshot_seq,
            "key": compacted.snapshot_key,
        }
    if op == "state":
        with engine.read(user) as col:
            return {"ok": True, **state(col)}
    if op == "counters":
        return {"ok": True, "counters": engine.counters}
    return {"ok": False, "error": "UnknownCommand", "message": op}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="local", choices=("local", "aws"))
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--lease-ttl", type=float, default=JournalLimits.flush_lease_ttl)
    args = parser.parse_args()
    crash = CrashPoint(os.environ.get("JAVUMBO_TEST_CRASH"))
    blobs, meta = open_backend(args.backend, args.data)
    engine = StorageEngine(
        Settings(),
        CrashingBlobs(blobs, crash),  # type: ignore[arg-type]
        CrashingMeta(meta, crash),  # type: ignore[arg-type]
        instance_id=args.instance,
        cache_dir=args.cache,
        clock=SystemClock(),
        limits=JournalLimits(max_entries=10_000, flush_lease_ttl=args.lease_ttl),
    )
    print(json.dumps({"ok": True, "ready": args.instance}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = serve(engine, json.loads(line))
        except Exception as exc:
            reply = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(reply), flush=True)
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
