"""Two storage strategies kept only so the benchmarks can measure them against the product's
engine. **Neither is safe**; the product cannot select them (``create_app(engine_class=...)``
is the testbed's seam, see ``serve_strategy.py``):

* ``PerRequestDatabases`` downloads the user's collection on every request, and every write
  uploads a new copy (made current with a conditional head update, an optimistic lock).
  Nothing is lost, but each answer costs a GET and a PUT.
* ``SessionCacheDatabases`` downloads the collection when a session starts (or on a cache miss),
  keeps writes in this instance's copy, and uploads once at flush or session end. Without a
  journal, writes not yet flushed exist only on this instance: if it dies, or another
  instance's upload wins, they are gone.

Both are subclasses of ``StorageEngine`` so that every caller typed against it accepts them;
every public method the API, sync and ops call is overridden, so none of the journal's
machinery runs. They store whole copies under ``users/<id>/baseline/`` and point the head at
them (``snapshot_seq`` stays at ``head.seq``), so a reader using ``StorageEngine`` (the load
test's integrity check) sees what they stored. A head with unfolded journal entries is refused:
those entries would be silently dropped.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, overload

from javumbo.collection import Collection
from javumbo.collection.clock import Clock
from javumbo.settings import Settings
from javumbo.stores.ports import (
    BlobNotFoundError,
    BlobStore,
    ConditionFailedError,
    Head,
    MetaStore,
)
from javumbo.userdb import AlreadyApplied, FlushResult, ReplaceResult, StorageEngine, names
from javumbo.userdb.errors import ConflictError, InconsistentStoreError
from javumbo.userdb.snapshots import (
    PreparedSnapshot,
    prepare_snapshot,
    remove_collection_files,
    restore_snapshot,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
_LOAD_ATTEMPTS = 4


def baseline_prefix(user_id: str) -> str:
    return names.user_prefix(user_id) + "baseline/"


def baseline_key(user_id: str, *, compressed: bool) -> str:
    """A fresh key for one whole uploaded copy (never reused, so a lost race cannot clobber)."""
    return f"{baseline_prefix(user_id)}{uuid.uuid4().hex}.anki2{'.zst' if compressed else ''}"


@dataclass
class _Held:
    """A collection opened from the copy the head named when it was downloaded."""

    col: Collection
    path: Path
    base_key: str
    base_seq: int
    dirty: bool = False


class _WholeCopyDatabases(StorageEngine):
    """Download and upload of whole copies, shared by both plans."""

    def _head_with_copy(self, user_id: str) -> Head:
        head = self.parts.get_head(user_id)
        if head.snapshot_key is None:
            self._loader.create_first_snapshot(user_id)
            head = self.parts.get_head(user_id)
        if head.snapshot_key is None:
            raise InconsistentStoreError(f"{user_id} has no collection after creating one")
        if head.seq > head.snapshot_seq:
            raise InconsistentStoreError(
                f"{user_id}'s journal has entries past its snapshot; flush them with the"
                " journal strategy before switching to a baseline strategy"
            )
        return head

    def _download(self, user_id: str) -> _Held:
        """Always a GET of the head's copy, opened in a file of its own."""
        for _ in range(_LOAD_ATTEMPTS):
            head = self._head_with_copy(user_id)
            assert head.snapshot_key is not None
            workdir = self.cache.user_dir(user_id)
            stored = workdir / f".get-{uuid.uuid4().hex}"
            try:
                self.parts.counters.add("cache_misses")
                self.blobs.get_to_file(head.snapshot_key, stored)
            except BlobNotFoundError:
                continue  # replaced by another instance's upload meanwhile
            live = workdir / f"{uuid.uuid4().hex}.anki2"
            try:
                compressed = names.is_compressed_snapshot(head.snapshot_key)
                restore_snapshot(stored, live, compressed=compressed)
            finally:
                stored.unlink(missing_ok=True)
            self.parts.counters.add("loads")
            col = Collection.open(live, self.clock)
            return _Held(col, live, head.snapshot_key, head.seq)
        raise ConflictError(f"{user_id}'s collection kept moving while it was being downloaded")

    def _upload(self, user_id: str, held: _Held) -> FlushResult:
        """Upload ``held`` as the user's collection if the head still names its base, else
        ``ConflictError`` (an optimistic lock: the other upload wins)."""
        prepared = prepare_snapshot(held.col, self.cache.user_dir(user_id))
        key, etag = self._store(user_id, prepared)
        self._move_head(user_id, held.base_key, key, held.base_seq, etag)
        previous, held.base_key, held.dirty = held.base_key, key, False
        self._delete_old_copy(previous)
        self.parts.counters.add("flushes")
        self.parts.counters.add("flush_bytes_raw", prepared.raw_bytes)
        self.parts.counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        return FlushResult(
            user_id, "flushed", key, held.base_seq, prepared.raw_bytes, prepared.stored_bytes
        )

    def _move_head(self, user_id: str, expected: str, key: str, seq: int, etag: str) -> None:
        try:
            self.parts.counters.add("meta_writes")
            self.meta.move_head_snapshot(user_id, expected, key, seq, etag)
        except ConditionFailedError as exc:
            self.parts.counters.add("conflicts")
            self.blobs.delete(key)
            raise ConflictError(f"another instance uploaded {user_id}'s collection") from exc

    def _delete_old_copy(self, key: str) -> None:
        """The copy just replaced (as an overwrite would); snapshot 0 is left alone."""
        if "/baseline/" not in key:
            return
        try:
            self.blobs.delete(key)
        except Exception:  # garbage only
            log.warning("deleting %s failed", key, exc_info=True)

    def _close_held(self, held: _Held) -> None:
        try:
            held.col.close()
        except Exception:
            log.warning("closing %s failed", held.path, exc_info=True)
        remove_collection_files(held.path)

    def replace_collection(
        self, user_id: str, path: Path, *, expected_seq: int | None = None
    ) -> ReplaceResult:
        """Upload the file at ``path`` as the user's whole collection."""
        with self._user_lock(user_id):
            self._forget(user_id)
            head = self._head_with_copy(user_id)
            assert head.snapshot_key is not None
            if expected_seq is not None and head.seq != expected_seq:
                raise ConflictError(f"{user_id}'s collection moved on from seq {expected_seq}")
            col = Collection.open(Path(path), self.clock)
            try:
                prepared = prepare_snapshot(col, self.cache.user_dir(user_id))
            finally:
                col.close()
            key, etag = self._store(user_id, prepared)
            self._move_head(user_id, head.snapshot_key, key, head.seq, etag)
            self._delete_old_copy(head.snapshot_key)
            self.parts.counters.add("replacements")
            return ReplaceResult(
                user_id, head.seq, key, True, prepared.raw_bytes, prepared.stored_bytes
            )

    def _store(self, user_id: str, prepared: PreparedSnapshot) -> tuple[str, str]:
        """Upload a prepared copy under a fresh key; its key and ETag."""
        key = baseline_key(user_id, compressed=prepared.compressed)
        try:
            with prepared.path.open("rb") as fh:
                etag = self.blobs.put_if_absent(key, fh)
        finally:
            prepared.path.unlink(missing_ok=True)
        return key, etag

    def _forget(self, user_id: str) -> None:
        """Drop whatever this instance holds for the user (nothing for per-request)."""

    def applied_seq(self, user_id: str) -> int | None:
        return None

    def settle(self, user_id: str) -> FlushResult:
        """Without a journal, ending a session means uploading the whole copy."""
        return self.flush(user_id)


class PerRequestDatabases(_WholeCopyDatabases):
    """Per request: a GET on every request and a PUT on every write."""

    @contextmanager
    def read(self, user_id: str) -> Iterator[Collection]:
        with self._user_lock(user_id):
            held = self._download(user_id)
            try:
                yield held.col
            finally:
                self._close_held(held)

    @overload
    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: None = None,
        check_key_first: bool = True,
    ) -> T: ...

    @overload
    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: str,
        check_key_first: bool = True,
    ) -> T | AlreadyApplied[T]: ...

    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: str | None = None,
        check_key_first: bool = True,
    ) -> T | AlreadyApplied[T]:
        """Download, run ``fn``, upload; a lost race re-runs once on the newer copy. The
        idempotency key is ignored: this strategy has nowhere to record it."""
        with self._user_lock(user_id):
            for attempt in (1, 2):
                held = self._download(user_id)
                try:
                    with held.col.transaction():
                        result = fn(held.col)
                    self._upload(user_id, held)
                    return result
                except ConflictError:
                    if attempt == 2:
                        raise
                finally:
                    self._close_held(held)
        raise AssertionError("unreachable")

    def flush(self, user_id: str) -> FlushResult:
        """Nothing is ever held: every write was uploaded before it was acknowledged."""
        return FlushResult(user_id, "clean", None, 0)

    def close(self) -> None:
        """Nothing to flush or close."""


class SessionCacheDatabases(_WholeCopyDatabases):
    """Session cache: one download per session, writes local, one upload at flush.

    Each request reads the head (one metastore read, a session check); if
    another instance uploaded since this copy was downloaded, a clean copy is downloaded again
    and a dirty one is discarded with its writes (the optimistic lock would refuse its
    upload anyway)."""

    def __init__(
        self,
        settings: Settings,
        blobs: BlobStore,
        meta: MetaStore,
        *,
        instance_id: str,
        cache_dir: Path,
        clock: Clock,
    ) -> None:
        super().__init__(
            settings, blobs, meta, instance_id=instance_id, cache_dir=cache_dir, clock=clock
        )
        self._held: dict[str, _Held] = {}
        self._held_guard = threading.Lock()

    def _current_copy(self, user_id: str) -> _Held:
        head = self.parts.get_head(user_id)
        held = self._held.get(user_id)
        if held is not None and head.snapshot_key == held.base_key:
            self.parts.counters.add("cache_hits")
            return held
        if held is not None:
            if held.dirty:
                self.parts.counters.add("conflicts")
                log.warning("discarding %s's unflushed writes: another upload won", user_id)
            self._forget(user_id)
        held = self._download(user_id)
        with self._held_guard:
            self._held[user_id] = held
        return held

    def _forget(self, user_id: str) -> None:
        with self._held_guard:
            held = self._held.pop(user_id, None)
        if held is not None:
            self._close_held(held)

    @contextmanager
    def read(self, user_id: str) -> Iterator[Collection]:
        with self._user_lock(user_id):
            yield self._current_copy(user_id).col

    @overload
    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: None = None,
        check_key_first: bool = True,
    ) -> T: ...

    @overload
    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: str,
        check_key_first: bool = True,
    ) -> T | AlreadyApplied[T]: ...

    def write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        idempotency_key: str | None = None,
        check_key_first: bool = True,
    ) -> T | AlreadyApplied[T]:
        """Run ``fn`` on this instance's copy only; nothing leaves the instance until a flush.
        The idempotency key is ignored (no journal to record it in)."""
        with self._user_lock(user_id):
            held = self._current_copy(user_id)
            with held.col.transaction():
                result = fn(held.col)
            held.dirty = True
            return result

    def flush(self, user_id: str) -> FlushResult:
        """Upload this instance's copy if it has unflushed writes."""
        with self._user_lock(user_id):
            held = self._held.get(user_id)
            if held is None or not held.dirty:
                key = held.base_key if held is not None else None
                return FlushResult(user_id, "clean", key, held.base_seq if held else 0)
            try:
                return self._upload(user_id, held)
            except ConflictError:
                self._forget(user_id)  # its writes are lost: the other upload won
                raise

    def unflushed_users(self) -> list[str]:
        """Users whose writes exist only on this instance (what a crash would lose)."""
        with self._held_guard:
            return sorted(u for u, held in self._held.items() if held.dirty)

    def close(self) -> None:
        """Best-effort upload of every dirty copy (at shutdown), then close."""
        for user_id in list(self._held):
            with self._user_lock(user_id):
                try:
                    self.flush(user_id)
                except Exception:
                    log.warning("flush of %s at shutdown failed", user_id, exc_info=True)
                self._forget(user_id)


STRATEGIES: dict[str, type[StorageEngine]] = {
    "journal": StorageEngine,
    "per-request": PerRequestDatabases,
    "session-cache": SessionCacheDatabases,
}


def engine_class(name: str) -> type[StorageEngine]:
    """The engine a strategy name stands for (``ValueError`` for an unknown name)."""
    found = STRATEGIES.get(name)
    if found is None:
        raise ValueError(f"storage strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")
    return found
