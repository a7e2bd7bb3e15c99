"""Replacing a user's whole collection (a full sync upload, a ``.colpkg`` restore): the new
file is uploaded once under a fresh key, then a small marker entry naming it is appended with
the same fence as any write. See ``docs/storage-engine.md`` for why that is safe."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from javumbo.collection import Collection
from javumbo.collection.clock import Clock
from javumbo.collection.collection import check_collection_file
from javumbo.stores.ports import ConditionFailedError, DuplicateIdempotencyKeyError, Head
from javumbo.userdb import names
from javumbo.userdb.changes import encode_replace_marker
from javumbo.userdb.errors import ConflictError
from javumbo.userdb.flusher import Flusher, FlushLease, flush_lease
from javumbo.userdb.parts import EngineParts
from javumbo.userdb.snapshots import PreparedSnapshot, compress_beside, prepare_snapshot
from javumbo.userdb.working_copy import CopyLoader

log = logging.getLogger(__name__)

_APPEND_ATTEMPTS = 5
_LEASE_WAIT = 30.0


@dataclass(frozen=True)
class ReplaceResult:
    """A collection replaced by ``replace_collection``: the marker's seq and where the new
    collection is stored (``head_moved`` is False when the head still points at an older
    snapshot and loaders start from the marker)."""

    user_id: str
    seq: int
    snapshot_key: str
    head_moved: bool
    raw_bytes: int
    uploaded_bytes: int


class Replacer:
    def __init__(self, parts: EngineParts, loader: CopyLoader, flusher: Flusher) -> None:
        self.parts = parts
        self.loader = loader
        self.flusher = flusher

    def replace(
        self,
        user_id: str,
        path: Path,
        expected_seq: int | None,
        user_lock: Callable[[], AbstractContextManager[None]],
        idempotency: tuple[str, bytes | None] | None = None,
        *,
        owned: bool = False,
    ) -> ReplaceResult:
        """Make the collection file at ``path`` the user's whole collection (see
        ``StorageEngine.replace_collection``); ``user_lock`` is taken once the lease is held.
        ``idempotency`` (key, small result) goes with the marker, as a journaled write's.

        ``owned``: ``path`` is a closed, self-contained file of this instance's cache folder
        that no one else uses (a bulk write's copy). It is compressed as it is, without a
        backup copy first, and becomes the new working copy itself (moved, not restored from
        the snapshot: the same bytes), so a large import passes over its file twice less."""
        parts = self.parts
        workdir = parts.cache.user_dir(user_id)
        restored: Path | None = None
        if owned and _self_contained(path):
            prepared = compress_beside(path)
            restored = path if prepared.compressed else None
        else:
            prepared = _prepare_replacement(path, workdir, parts.clock)
        try:
            with flush_lease(parts, user_id, wait=_LEASE_WAIT) as lease:
                if lease is None:
                    raise ConflictError(f"flush:{user_id} stays taken; try the replacement again")
                with user_lock():
                    return self._install(
                        user_id, prepared, expected_seq, lease, idempotency, restored
                    )
        finally:
            prepared.path.unlink(missing_ok=True)

    def _install(
        self,
        user_id: str,
        prepared: PreparedSnapshot,
        expected_seq: int | None,
        lease: FlushLease,
        idempotency: tuple[str, bytes | None] | None,
        restored: Path | None = None,
    ) -> ReplaceResult:
        """Upload, append the marker, install the new working copy (``restored``, the
        uncompressed file, when given), move the head, clean up."""
        parts = self.parts
        head = parts.get_head(user_id)
        if expected_seq is not None and head.seq != expected_seq:
            raise ConflictError(f"{user_id}'s collection moved on from seq {expected_seq}")
        key = names.replaced_key(
            user_id, head.seq, uuid.uuid4().hex, compressed=prepared.compressed
        )
        with prepared.path.open("rb") as fh:
            etag = parts.blobs.put_if_absent(key, fh)
        try:
            seq, head = self._append_marker(
                user_id, head, key, etag, expected_seq, lease, idempotency
            )
        except BaseException:
            parts.blobs.delete(key)
            raise
        parts.counters.add("replacements")
        parts.counters.add("flush_bytes_raw", prepared.raw_bytes)
        parts.counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        old = self.loader.copies.get(user_id)
        if old is not None:
            self.loader.drop(old)
        pristine = parts.cache.pristine_path(user_id, key)
        os.replace(prepared.path, pristine)
        parts.cache.drop_other_pristine(user_id, pristine, *([restored] if restored else []))
        copy = self.loader.open(
            user_id, Head(user_id, seq, key, seq, etag), [(key, pristine)], restored=restored
        )
        moved = self._move_head(user_id, head.snapshot_key, key, seq, etag)
        if moved:
            try:
                parts.counters.add("meta_writes")
                parts.meta.trim_journal(user_id, seq)
                self.flusher.delete_spills(user_id, seq)
                self.flusher.delete_replacements(user_id, seq, keep=key)
            except Exception:  # housekeeping: a later flush covers it
                log.warning("cleaning up after %s's replacement failed", user_id, exc_info=True)
        else:
            current = parts.get_head(user_id)
            copy.snapshot_key, copy.snapshot_seq = current.snapshot_key, current.snapshot_seq
            copy.snapshot_etag = current.snapshot_etag
        parts.cache.record(user_id)
        return ReplaceResult(user_id, seq, key, moved, prepared.raw_bytes, prepared.stored_bytes)

    def _append_marker(
        self,
        user_id: str,
        head: Head,
        key: str,
        etag: str,
        expected_seq: int | None,
        lease: FlushLease,
        idempotency: tuple[str, bytes | None] | None,
    ) -> tuple[int, Head]:
        """Append the marker after whatever is there (or only at ``expected_seq``)."""
        parts = self.parts
        payload = encode_replace_marker(key, etag)
        idempotency_key, idempotency_result = idempotency or (None, None)
        for attempt in range(_APPEND_ATTEMPTS):
            if not lease.acquire() or parts.blobs.head(key) is None:
                raise ConflictError(f"{lease.name} was lost during the replacement; try again")
            if attempt:  # read right before appending: a busy writer leaves only short gaps
                head = parts.get_head(user_id)
            try:
                parts.counters.add("meta_writes")
                seq = parts.meta.append_journal(
                    user_id,
                    head.seq,
                    payload,
                    idempotency_key,
                    parts.clock.now(),
                    idempotency_result=idempotency_result,
                )
            except DuplicateIdempotencyKeyError:
                raise  # a retry of a replacement that went in: the caller answers it
            except ConditionFailedError:
                parts.counters.add("conflicts")
                if expected_seq is not None:
                    raise ConflictError(
                        f"{user_id}'s collection moved on from seq {expected_seq}"
                    ) from None
                continue
            parts.counters.add("journal_appends")
            parts.counters.add("journal_bytes", len(payload))
            return seq, head
        raise ConflictError(f"another instance keeps writing to {user_id}'s collection")

    def _move_head(
        self, user_id: str, expected_key: str | None, key: str, seq: int, etag: str
    ) -> bool:
        parts = self.parts
        for _ in range(3):
            try:
                parts.counters.add("meta_writes")
                parts.meta.move_head_snapshot(user_id, expected_key, key, seq, etag)
                return True
            except ConditionFailedError:
                head = parts.get_head(user_id)
                if head.snapshot_seq >= seq:
                    return False  # a newer snapshot already covers the replacement
                expected_key = head.snapshot_key
        return False


def _self_contained(path: Path) -> bool:
    """A schema-11 collection file with nothing in a ``-wal`` beside it (``InvalidCollectionError``
    if it is not a collection)."""
    check_collection_file(path)
    wal = path.with_name(path.name + "-wal")
    return not wal.exists() or wal.stat().st_size == 0


def _prepare_replacement(path: Path, workdir: Path, clock: Clock) -> PreparedSnapshot:
    """A consistent, possibly compressed copy of the collection at ``path``, in snapshot format
    (``InvalidCollectionError`` if it is not a schema-11 collection)."""
    col = Collection.open(path, clock)
    try:
        return prepare_snapshot(col, workdir)
    finally:
        col.close()
