"""Putting a whole collection file in place for a user, the two ways the storage engine allows.

- A user with no head yet gets the file as their first snapshot (seq 0), stored under userdb's
  own key for it and made current with ``move_head_snapshot`` — what ``StorageEngine`` does for
  a brand-new user, with the operator's file instead of an empty collection.
- A user who has data gets it through the engine: the current state is flushed to a snapshot
  first (so it stays among the kept snapshots), then ``StorageEngine.replace_collection``
  stores the file as a new snapshot behind a fenced journal marker, so instances serving the
  user meanwhile rebuild from it: nothing is lost or stale.
"""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from javumbo.collection import Collection
from javumbo.collection.clock import Clock, SystemClock
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, JournalStore, MetaStore
from javumbo.userdb import ReplaceResult, StorageEngine, names
from javumbo.userdb.snapshots import prepare_snapshot


class TargetNotEmptyError(Exception):
    """The user already has journal entries or a snapshot: a first snapshot would hide them."""


@dataclass(frozen=True)
class InstalledSnapshot:
    key: str
    etag: str
    raw_bytes: int
    stored_bytes: int


def install_first_snapshot(
    blobs: BlobStore, meta: JournalStore, user_id: str, collection: Path, workdir: Path
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


def replace_collection(engine: StorageEngine, user_id: str, collection: Path) -> ReplaceResult:
    """Replace the user's collection with the (checked) file, through the storage engine
    (``StorageEngine.replace_collection``), after flushing the state it replaces so that state
    stays among the kept snapshots."""
    engine.flush(user_id)
    return engine.replace_collection(user_id, collection)


@contextmanager
def operator_databases(
    settings: Settings,
    blobs: BlobStore,
    meta: MetaStore,
    *,
    clock: Clock | None = None,
    cache_dir: Path | None = None,
) -> Iterator[StorageEngine]:
    """A short-lived storage engine for a command (its own instance id and scratch cache)."""
    with tempfile.TemporaryDirectory(prefix="javumbo-ops-") as scratch:
        engine = StorageEngine(
            settings,
            blobs,
            meta,
            instance_id=f"ops-{socket.gethostname()}-{uuid.uuid4().hex[:8]}",
            cache_dir=cache_dir or Path(scratch) / "cache",
            clock=clock or SystemClock(),
        )
        try:
            yield engine
        finally:
            engine.close()
