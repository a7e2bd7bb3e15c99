"""Putting a whole collection file in place for a user, the two ways the storage engine allows.

- A user with no head yet gets the file as their first snapshot (seq 0), stored under userdb's
  own key for it and made current with ``move_head_snapshot`` — what ``UserDatabases`` does for
  a brand-new user, with the operator's file instead of an empty collection.
- A user who has data gets it through the engine: the current state is flushed to a snapshot
  first (so it stays among the kept snapshots), the file's rows replace the collection's in one
  journaled write, and a flush makes that a new snapshot with the head moved. Instances serving
  the user meanwhile see the journal entry like any other write, so nothing is lost or stale.
"""

from __future__ import annotations

import socket
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from javumbo.collection import Collection
from javumbo.collection.clock import Clock, SystemClock
from javumbo.collection.schema import COLUMNS
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.userdb import FlushResult, UserDatabases, names
from javumbo.userdb.snapshots import prepare_snapshot

ROW_TABLES = ("notes", "cards", "revlog", "graves")
SqlRow = tuple[object, ...]


class TargetNotEmptyError(Exception):
    """The user already has journal entries or a snapshot: a first snapshot would hide them."""


@dataclass(frozen=True)
class InstalledSnapshot:
    key: str
    etag: str
    raw_bytes: int
    stored_bytes: int


def install_first_snapshot(
    blobs: BlobStore, meta: MetaStore, user_id: str, collection: Path, workdir: Path
) -> InstalledSnapshot:
    """Make ``collection`` the user's snapshot 0 and point the head at it.

    Only for a user no one serves yet (no user record points at ``user_id``): an earlier,
    interrupted install of the same user is overwritten, anything else is refused."""
    head = meta.get_head(user_id)
    if head.seq > 0:
        raise TargetNotEmptyError(f"user id {user_id} already has journal entries")
    col = Collection.open(collection)
    try:
        prepared = prepare_snapshot(col, workdir)
    finally:
        col.close()
    try:
        key = names.snapshot_key(user_id, 0, compressed=prepared.compressed)
        if head.snapshot_key not in (None, key):
            raise TargetNotEmptyError(f"user id {user_id} already has snapshot {head.snapshot_key}")
        with prepared.path.open("rb") as fh:
            etag = blobs.put(key, fh)
    finally:
        prepared.path.unlink(missing_ok=True)
    meta.move_head_snapshot(user_id, head.snapshot_key, key, 0, etag)
    return InstalledSnapshot(key, etag, prepared.raw_bytes, prepared.stored_bytes)


@dataclass(frozen=True)
class CollectionRows:
    col: SqlRow
    tables: dict[str, list[tuple[int, SqlRow]]]


def read_collection_rows(path: Path) -> CollectionRows:
    """Every row of a (checked) collection file, with rowids (``graves`` has no other key)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        col_columns = [c for c in COLUMNS["col"] if c != "id"]
        col = db.execute(f"select {', '.join(col_columns)} from col where id = 1").fetchone()
        tables = {}
        for table in ROW_TABLES:
            columns = ", ".join(COLUMNS[table])
            rows = db.execute(f"select rowid, {columns} from {table} order by rowid").fetchall()
            tables[table] = [(int(row[0]), tuple(row[1:])) for row in rows]
    finally:
        db.close()
    return CollectionRows(tuple(col), tables)


def replace_collection(dbs: UserDatabases, user_id: str, collection: Path) -> FlushResult:
    """Replace the user's collection with the file's content through the storage engine; the
    result is the flush that made it a snapshot."""
    rows = read_collection_rows(collection)
    dbs.flush(user_id)  # the state being replaced becomes a snapshot that pruning keeps

    def overwrite(col: Collection) -> None:
        db = col.db
        for table in ROW_TABLES:
            columns = COLUMNS[table]
            marks = ", ".join("?" * (len(columns) + 1))
            db.execute(f"delete from {table}")
            db.executemany(
                f"insert into {table} (rowid, {', '.join(columns)}) values ({marks})",
                [(rowid, *values) for rowid, values in rows.tables[table]],
            )
        col_columns = [c for c in COLUMNS["col"] if c != "id"]
        assignments = ", ".join(f"{name} = ?" for name in col_columns)
        db.execute(f"update col set {assignments} where id = 1", rows.col)

    dbs.write(user_id, overwrite)
    with dbs.read(user_id) as col:
        col.reload()  # outside the write: the journaled change already holds the col row
    return dbs.flush(user_id)


@contextmanager
def operator_databases(
    settings: Settings,
    blobs: BlobStore,
    meta: MetaStore,
    *,
    clock: Clock | None = None,
    cache_dir: Path | None = None,
) -> Iterator[UserDatabases]:
    """A short-lived storage engine for a command (its own instance id and scratch cache)."""
    with tempfile.TemporaryDirectory(prefix="javumbo-ops-") as scratch:
        dbs = UserDatabases(
            settings,
            blobs,
            meta,
            instance_id=f"ops-{socket.gethostname()}-{uuid.uuid4().hex[:8]}",
            cache_dir=cache_dir or Path(scratch) / "cache",
            clock=clock or SystemClock(),
        )
        try:
            yield dbs
        finally:
            dbs.close()
