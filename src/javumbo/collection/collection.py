"""The ``Collection``: one user's Anki schema-11 SQLite file, opened through a connection we own.

Every write goes through ``transaction()``, which lets the storage engine (``javumbo.userdb``)
capture each transaction's row changes and journal them before the commit is acknowledged.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

from javumbo.collection import schema
from javumbo.collection.clock import Clock, SchedTiming, SystemClock, day_start, sched_timing_today
from javumbo.collection.errors import InvalidCollectionError

SQLITE_MAGIC = b"SQLite format 3\x00"
JSON_COLUMNS = ("conf", "models", "decks", "dconf", "tags")

CommitHook = Callable[["Collection"], None]
_COL_FIELDS = ("crt", "mod", "scm", "ver", "usn", "ls", *JSON_COLUMNS)


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check_collection_file(path: str | os.PathLike[str]) -> None:
    """Raise ``InvalidCollectionError`` unless ``path`` holds a schema-11 collection.

    Reads the file through a read-only connection so that a bad file is never modified.
    """
    p = Path(path)
    if not p.is_file():
        raise InvalidCollectionError(f"no collection file at {p}")
    with p.open("rb") as fh:
        head = fh.read(16)
    if len(head) == 0:
        raise InvalidCollectionError(f"{p.name} is empty, not an Anki collection")
    if head != SQLITE_MAGIC:
        raise InvalidCollectionError(f"{p.name} is not an SQLite database")
    try:
        ro = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InvalidCollectionError(f"{p.name} cannot be opened: {exc}") from exc
    try:
        _check_open_connection(ro, p.name)
    finally:
        ro.close()


def _check_open_connection(db: sqlite3.Connection, name: str) -> None:
    try:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.DatabaseError as exc:
        raise InvalidCollectionError(f"{name} is not a readable SQLite database: {exc}") from exc
    if "col" not in tables:
        raise InvalidCollectionError(f"{name} is an SQLite file but not an Anki collection")
    try:
        rows = db.execute("select ver, conf, models, decks, dconf, tags from col").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InvalidCollectionError(f"{name} has a damaged col table: {exc}") from exc
    if len(rows) != 1:
        raise InvalidCollectionError(f"{name} has {len(rows)} rows in col; expected exactly one")
    ver = rows[0][0]
    if ver != schema.SCHEMA_VERSION:
        raise InvalidCollectionError(
            f"{name} uses Anki schema version {ver}; only schema 11 files can be opened directly"
            " (import newer files as a package instead)"
        )
    missing = [t for t in schema.TABLES if t not in tables]
    if missing:
        raise InvalidCollectionError(f"{name} lacks the table(s) {', '.join(missing)}")
    for column, value in zip(JSON_COLUMNS, rows[0][1:], strict=True):
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError) as exc:
            raise InvalidCollectionError(f"{name}: col.{column} is not valid JSON") from exc
        if not isinstance(parsed, dict):
            raise InvalidCollectionError(f"{name}: col.{column} is not a JSON object")


def _connect(path: Path, *, disposable: bool = False) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves (see Collection.transaction).
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    # A disposable copy (rebuilt from elsewhere if lost) needs no fsync, from its first write
    # on: switching to WAL rewrites the header, which would otherwise be synced.
    db.execute(f"pragma synchronous = {'off' if disposable else 'normal'}")
    db.execute("pragma journal_mode = wal")
    db.execute("pragma foreign_keys = off")
    db.execute("pragma trusted_schema = off")  # the schema may come from an uploaded file
    return db


class Collection:
    """An open collection. Not thread-safe by itself: callers hold ``lock`` across operations."""

    def __init__(self, db: sqlite3.Connection, path: Path, clock: Clock | None = None) -> None:
        self.db = db
        self.path = path
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self._depth = 0
        self._before_commit: list[CommitHook] = []
        self._after_reload: list[CommitHook] = []
        self._on_commit: list[Callable[[], None]] = []
        self._last_id: dict[str, int] = {}
        self._col: dict[str, Any] = {}
        self.reload()

    # ----------------------------------------------------------------- open / create / close

    @classmethod
    def create(cls, path: str | os.PathLike[str], clock: Clock | None = None) -> Collection:
        """Create a new, empty collection the way Anki does (Default deck and preset, stock
        note types, v3 scheduler config), and the folders leading to it."""
        p = Path(path)
        if p.exists() and p.stat().st_size > 0:
            raise InvalidCollectionError(f"{p} already exists; refusing to overwrite it")
        clock = clock or SystemClock()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            db = _connect(p)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise InvalidCollectionError(f"cannot create {p}: {reason}") from exc
        now = clock.now()
        now_ms = int(now * 1000)
        crt = day_start(int(now), 0, 4)
        conf = schema.default_conf()
        models: dict[str, Any] = {}
        for offset, notetype in enumerate(schema.stock_notetypes()):
            notetype["id"] = now_ms + offset
            notetype["mod"] = int(now)
            models[str(notetype["id"])] = notetype
        conf["curModel"] = now_ms
        decks = {"1": schema.default_deck()}
        dconf = {"1": schema.default_deck_config()}
        db.executescript(schema.DDL)
        db.execute("begin")
        db.execute(
            "insert into col values (1, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, '{}')",
            (
                crt,
                now_ms,
                now_ms,
                schema.SCHEMA_VERSION,
                json.dumps(conf),
                json.dumps(models),
                json.dumps(decks),
                json.dumps(dconf),
            ),
        )
        db.execute("commit")
        return cls(db, p, clock)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], clock: Clock | None = None, *, disposable: bool = False
    ) -> Collection:
        """Open an existing schema-11 collection, refusing (unchanged) anything else.

        ``disposable``: a copy whose durability lies elsewhere (the storage engine's working
        copy, journaled before every commit): no fsyncs."""
        p = Path(path)
        check_collection_file(p)
        try:
            db = _connect(p, disposable=disposable)
        except sqlite3.Error as exc:
            raise InvalidCollectionError(f"{p.name} cannot be opened: {exc}") from exc
        return cls(db, p, clock)

    def close(self) -> None:
        """Checkpoint the WAL and leave a self-contained file (journal mode DELETE)."""
        if self._depth:
            raise RuntimeError("close() inside a transaction")
        self.db.execute("pragma wal_checkpoint(truncate)")
        self.db.execute("pragma journal_mode = delete")
        self.db.close()

    def to_bytes(self) -> bytes:
        """The whole collection as one self-contained file image, consistent with committed
        data (SQLite's serialize reads through the WAL): a copy without a temporary file."""
        with self.lock:
            if self._depth:
                raise RuntimeError("to_bytes() inside a transaction")
            image = bytearray(self.db.serialize())
        # Header bytes 18-19 say WAL (2); a lone file travels as a rollback-journal one (1),
        # which is all ``pragma journal_mode = delete`` changes in the header.
        image[18:20] = b"\x01\x01"
        return bytes(image)

    def backup_to(self, dest: str | os.PathLike[str]) -> None:
        """Write a consistent, self-contained copy (no ``-wal``) with SQLite's backup API."""
        target = sqlite3.connect(str(dest))
        try:
            self.db.backup(target)
            target.execute("pragma journal_mode = delete")
        finally:
            target.close()

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block as one SQLite transaction; nested calls join the outer one.

        Before-commit hooks run inside the transaction: if one raises (a lost journal append),
        everything is rolled back and the caller sees the error, so nothing unjournaled commits.
        """
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db
                finally:
                    self._depth -= 1
                return
            self.db.execute("begin immediate")
            self._depth = 1
            try:
                yield self.db
                for hook in self._before_commit:
                    hook(self)
                self.db.execute("commit")
            except BaseException:
                self._on_commit.clear()
                self.db.execute("rollback")
                self.reload()
                raise
            finally:
                self._depth = 0
            callbacks, self._on_commit = self._on_commit, []
            for callback in callbacks:
                callback()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the current transaction has committed (never if it rolls
        back), or now outside one: for caches that follow a change only once it is kept."""
        if self._depth:
            self._on_commit.append(callback)
        else:
            callback()

    def add_before_commit_hook(self, hook: CommitHook) -> None:
        self._before_commit.append(hook)

    def remove_before_commit_hook(self, hook: CommitHook) -> None:
        self._before_commit.remove(hook)

    def add_after_reload_hook(self, hook: CommitHook) -> None:
        """Called after the cached ``col`` row is re-read (e.g. after a journal replay)."""
        self._after_reload.append(hook)

    # ----------------------------------------------------------------- the col row

    def reload(self) -> None:
        """Re-read the ``col`` row; needed after rows were written behind our back (replay)."""
        row = self.db.execute(
            "select crt, mod, scm, ver, usn, ls, conf, models, decks, dconf, tags from col"
        ).fetchone()
        if row is None:
            raise InvalidCollectionError("the col row is missing")
        crt, mod, scm, ver, usn, ls, *blobs = row
        self._col = {"crt": crt, "mod": mod, "scm": scm, "ver": ver, "usn": usn, "ls": ls}
        for name, blob in zip(JSON_COLUMNS, blobs, strict=True):
            self._col[name] = json.loads(blob)
        self._last_id.clear()
        for hook in self._after_reload:
            hook(self)

    @property
    def crt(self) -> int:
        return int(self._col["crt"])

    @property
    def mod(self) -> int:
        return int(self._col["mod"])

    @property
    def scm(self) -> int:
        return int(self._col["scm"])

    @property
    def conf(self) -> dict[str, Any]:
        """Collection config. Mutate a copy and pass it to ``save_json('conf', ...)``."""
        value: dict[str, Any] = self._col["conf"]
        return value

    @overload
    def conf_int(self, key: str, default: int) -> int: ...
    @overload
    def conf_int(self, key: str, default: None) -> int | None: ...
    def conf_int(self, key: str, default: int | None) -> int | None:
        """A whole number of the config, or ``default`` when the key is missing or holds
        anything else (a string, a float, a number past 32 bits), as Anki reads its config: a
        value a sync client wrote wrong must not stop the collection."""
        value = self.conf.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**32:
            return default
        return value

    @property
    def models(self) -> dict[str, Any]:
        value: dict[str, Any] = self._col["models"]
        return value

    @property
    def decks(self) -> dict[str, Any]:
        value: dict[str, Any] = self._col["decks"]
        return value

    @property
    def dconf(self) -> dict[str, Any]:
        value: dict[str, Any] = self._col["dconf"]
        return value

    @property
    def tags(self) -> dict[str, Any]:
        value: dict[str, Any] = self._col["tags"]
        return value

    def save_json(self, column: str, value: dict[str, Any], *, schema_change: bool = False) -> None:
        """Write one of the JSON columns of ``col`` (and bump ``col.mod``)."""
        if column not in JSON_COLUMNS:
            raise ValueError(f"not a JSON column of col: {column}")
        with self.transaction() as db:
            now_ms = self.now_ms()
            if schema_change:
                db.execute(
                    f"update col set {column} = ?, mod = ?, scm = ?",
                    (json.dumps(value), now_ms, now_ms),
                )
                self._col["scm"] = now_ms
            else:
                db.execute(
                    f"update col set {column} = ?, mod = ?",
                    (json.dumps(value), now_ms),
                )
            self._col[column] = value
            self._col["mod"] = now_ms

    def update_col(self, values: dict[str, Any]) -> None:
        """Write several fields of the ``col`` row at once and keep the cached row in step (a
        bulk writer such as a sync merge would otherwise have to ``reload`` every JSON column)."""
        unknown = set(values) - set(_COL_FIELDS)
        if unknown:
            raise ValueError(f"not columns of col: {sorted(unknown)}")
        names = list(values)
        stored = [_json_text(values[n]) if n in JSON_COLUMNS else values[n] for n in names]
        with self.transaction() as db:
            db.execute(f"update col set {', '.join(f'{n} = ?' for n in names)}", stored)
            self._col.update(values)

    def touch(self) -> None:
        """Mark the collection modified now (``col.mod``), as Anki does on every change."""
        with self.transaction() as db:
            now_ms = self.now_ms()
            db.execute("update col set mod = ?", (now_ms,))
            self._col["mod"] = now_ms

    # ----------------------------------------------------------------- time and ids

    def now(self) -> float:
        return self.clock.now()

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def now_secs(self) -> int:
        return int(self.clock.now())

    def new_id(self, table: str) -> int:
        """A fresh epoch-ms id for ``table``, unique even when many are made in one ms."""
        last = self._last_id.get(table)
        if last is None:
            row = self.db.execute(f"select max(id) from {table}").fetchone()
            last = int(row[0] or 0)
        new = max(self.now_ms(), last + 1)
        self._last_id[table] = new
        return new

    def sched_timing(self) -> SchedTiming:
        """Today's day number (days since ``crt``) and when the next day starts."""
        rollover = self.conf_int("rollover", 4)
        created_offset = self.conf_int("creationOffset", None)
        now = self.now_secs()
        if created_offset is None:
            days = max((now - self.crt) // 86400, 0)
            return SchedTiming(days_elapsed=days, next_day_at=self.crt + (days + 1) * 86400)
        local_offset = self.conf_int("localOffset", created_offset)
        return sched_timing_today(self.crt, created_offset, now, local_offset, rollover)

    def today(self) -> int:
        return self.sched_timing().days_elapsed

    def day_cutoff(self) -> int:
        return self.sched_timing().next_day_at
