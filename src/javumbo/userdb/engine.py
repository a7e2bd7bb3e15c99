"""``StorageEngine``: serves each user's collection from a local working copy that is never
ahead of the durable journal, and folds the journal into immutable snapshots now and then.

How it works, and why no acknowledged write is lost, is in ``docs/storage-engine.md``. The
parts: ``working_copy`` (loading and catching up), ``journal_writer`` (the before-commit hook,
spills, idempotency answers), ``flusher`` (snapshots under the flush lease) and ``replacement``
(whole-collection replacement).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from javumbo.collection import Collection
from javumbo.collection.clock import Clock
from javumbo.settings import Settings
from javumbo.stores.ports import (
    BlobStore,
    ConditionFailedError,
    DuplicateIdempotencyKeyError,
    MetaStore,
    SessionRecord,
    StoreError,
)
from javumbo.userdb import names
from javumbo.userdb.cache import InstanceCache
from javumbo.userdb.errors import ConflictError
from javumbo.userdb.flusher import Flusher, FlushResult
from javumbo.userdb.journal_writer import AlreadyApplied, JournalWriter, small_result_bytes
from javumbo.userdb.media import MediaLimits, UserMedia
from javumbo.userdb.parts import EngineParts, JournalLimits
from javumbo.userdb.replacement import Replacer, ReplaceResult
from javumbo.userdb.sessions import SessionManager
from javumbo.userdb.snapshots import remove_collection_files
from javumbo.userdb.working_copy import CopyLoader, WorkingCopy

log = logging.getLogger(__name__)

T = TypeVar("T")
_CHECKED_ATTEMPTS = 2  # runs on a copy caught up with a head read before giving up


@dataclass(frozen=True)
class _Answer(Generic[T]):
    """What a write attempt answers (an attempt that answers nothing is run again)."""

    value: T | AlreadyApplied[T]


class StorageEngine:
    def __init__(
        self,
        settings: Settings,
        blobs: BlobStore,
        meta: MetaStore,
        *,
        instance_id: str,
        cache_dir: Path,
        clock: Clock,
        limits: JournalLimits | None = None,
    ) -> None:
        self.parts = EngineParts(
            settings,
            blobs,
            meta,
            instance_id=instance_id,
            cache_dir=cache_dir,
            clock=clock,
            limits=limits or JournalLimits(),
        )
        self.settings = settings
        self.blobs = blobs
        self.meta = meta
        self.instance_id = instance_id
        self.clock = clock
        self.limits = self.parts.limits
        self._writer = JournalWriter(self.parts)
        self._loader = CopyLoader(
            self.parts,
            journal_commit=self._writer.journal_commit,
            note_reload=self._writer.note_reload,
        )
        self._flusher = Flusher(self.parts)
        self._replacer = Replacer(self.parts, self._loader, self._flusher)
        self._locks: dict[str, threading.RLock] = {}
        self._in_use: dict[str, int] = {}
        self._locks_guard = threading.Lock()
        self.sessions = SessionManager(
            meta,
            instance_id=instance_id,
            ttl=settings.session_ttl,
            clock=clock,
            on_close=self._flush_for_session,
        )

    @property
    def cache(self) -> InstanceCache:
        return self.parts.cache

    # ------------------------------------------------------------------ reads and writes

    @contextmanager
    def read(self, user_id: str) -> Iterator[Collection]:
        """The user's collection, current with the journal, for the duration of the block.

        Meant for reads; a write made here is journaled all the same (the hook is always on)."""
        with self._user_lock(user_id):
            copy = self._loader.current(user_id)
            try:
                yield copy.col
            finally:
                copy.appended_uncommitted = False
                self._after_use(copy)

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
        """Run ``fn`` in one transaction and journal it before returning its result.

        ``fn`` must be re-runnable: a write that loses the race for the journal runs again on
        a caught-up copy (it sees a rolled-back collection). It runs first on the warm copy
        without reading the head (the journal append is the fence), then at most twice on a
        copy caught up with a head read, then gives up with ``ConflictError``.

        With an ``idempotency_key``, ``check_key_first`` looks the key up before running
        ``fn`` (one more metastore read; for an ``fn`` that is expensive or reaches outside the
        collection). Without it, ``fn`` runs and the journal append, which refuses a used key
        atomically, recognises a retry; the transaction then rolls back."""
        with self._user_lock(user_id):
            warm = self._loader.warm_copy(user_id)
            if warm is not None:
                answer = self._attempt(warm, fn, idempotency_key, check_key_first, warm=True)
                if answer is not None:
                    return answer.value
            for _ in range(_CHECKED_ATTEMPTS):
                copy = self._loader.current(user_id)
                answer = self._attempt(copy, fn, idempotency_key, check_key_first, warm=False)
                if answer is not None:
                    return answer.value
            raise ConflictError(f"another instance keeps writing to {user_id}'s collection")

    def _attempt(
        self,
        copy: WorkingCopy,
        fn: Callable[[Collection], T],
        key: str | None,
        check_key_first: bool,
        *,
        warm: bool,
    ) -> _Answer[T] | None:
        """One run of ``fn`` on ``copy``; None when it must run again on a caught-up copy.

        A ``warm`` copy was not checked against the head: what its append cannot fence is
        checked before answering (a failure may come from rows changed elsewhere; a write
        that journaled nothing may answer from stale rows)."""
        writer = self._writer
        if key is not None and check_key_first:
            done = writer.already_applied(copy, key)
            if done is not None:
                return _Answer(done)
        try:
            result, appended = writer.run(copy, fn, key)
        except DuplicateIdempotencyKeyError as exc:
            return _Answer(writer.applied_at(copy, exc.key, exc.seq))
        except ConditionFailedError:
            self.parts.counters.add("conflicts")
            if warm:
                self._loader.mark_stale(copy)
            return None
        except Exception as exc:
            store_failed = isinstance(exc, StoreError)
            if warm and not store_failed and self._loader.moved_since(copy):
                self._loader.mark_stale(copy)
                return None
            if key is None or check_key_first or store_failed:
                raise
            done = writer.already_applied_after_failure(copy, key, exc)
            if done is None:
                raise
            return _Answer(done)
        if warm and not appended and self._loader.moved_since(copy):
            self._loader.mark_stale(copy)
            return None
        self._after_write(copy)
        return _Answer(result)

    def _after_write(self, copy: WorkingCopy) -> None:
        if copy.flush_wanted or self._flusher.is_due(copy):
            copy.flush_wanted = False
            try:
                self._flusher.flush(copy, full=False)
            except Exception:  # the write is journaled: a failed flush loses nothing
                log.warning("flush of %s after a write failed", copy.user_id, exc_info=True)
        self._after_use(copy)

    def _after_use(self, copy: WorkingCopy) -> None:
        cache = self.parts.cache
        if copy.measured_seq == copy.applied_seq:
            cache.touch(copy.user_id)
        else:
            cache.record(copy.user_id)
            copy.measured_seq = copy.applied_seq
        self._evict_if_needed(protect=copy.user_id)

    # ------------------------------------------------------------------ flush and replace

    def flush(self, user_id: str) -> FlushResult:
        """Compact the journal into a new self-contained snapshot now (no upload if the head's
        snapshot is one and current): for backups, migrations and tests. Ending a session
        does not need this."""
        with self._user_lock(user_id):
            return self._flusher.flush(self._loader.current(user_id))

    def compact(self, user_id: str) -> FlushResult:
        """Compact the journal now the way ``settle`` does when it is due: the pages changed
        since the head's snapshot as a delta on its chain, or a new base when the chain is
        long (the head may then name a delta: use ``flush`` for a self-contained snapshot)."""
        with self._user_lock(user_id):
            return self._flusher.flush(self._loader.current(user_id), full=False)

    def settle(self, user_id: str) -> FlushResult:
        """What ending a session, a periodic flush and the sweeper need: every acknowledged
        write is already durable in the journal, so this only compacts when the journal passed
        its bound (status ``durable`` otherwise: no upload, a head read at most)."""
        with self._user_lock(user_id):
            copy = self._loader.copies.get(user_id)
            if copy is None or copy.broken:
                copy = self._loader.current(user_id)
            return self._flusher.compact_if_due(copy)

    def replace_collection(
        self, user_id: str, path: Path, *, expected_seq: int | None = None
    ) -> ReplaceResult:
        """Make the schema-11 collection file at ``path`` the user's whole collection.

        The caller has checked the contents (this only refuses a file that is not a schema-11
        collection, with ``InvalidCollectionError``); the file is read, never kept. With
        ``expected_seq`` the replacement happens only if the journal is still at that seq, else
        ``ConflictError``; without it, it is ordered after whatever was appended meanwhile.
        Writers on other instances either land on top of the new collection or are refused."""
        names.check_segment(user_id, "user id")
        return self._replacer.replace(
            user_id, Path(path), expected_seq, lambda: self._user_lock(user_id)
        )

    @overload
    def bulk_write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        attempts: int = 2,
        idempotency_key: None = None,
    ) -> tuple[T, ReplaceResult]: ...

    @overload
    def bulk_write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        attempts: int = 2,
        idempotency_key: str,
    ) -> tuple[T, ReplaceResult] | AlreadyApplied[T]: ...

    def bulk_write(
        self,
        user_id: str,
        fn: Callable[[Collection], T],
        *,
        attempts: int = 2,
        idempotency_key: str | None = None,
    ) -> tuple[T, ReplaceResult] | AlreadyApplied[T]:
        """A large write (an import) the bulk way: ``fn`` runs on a copy of the current
        collection made beside the live copy, outside the journal (no row capture), and the
        result goes in through the replace path: one upload and one small marker entry instead
        of every row journaled, spilled and then snapshotted again.

        The replacement is conditional on nothing having been appended since the copy was
        made; if a write landed meanwhile, ``fn`` runs again on the newer state (it must be
        re-runnable), then ``ConflictError``. ``fn`` manages its own transactions. With an
        ``idempotency_key`` the key is looked up first and recorded with the marker (with
        ``fn``'s result when it is small), so a retried bulk write answers ``AlreadyApplied``."""
        names.check_segment(user_id, "user id")
        if idempotency_key is not None:
            done = self.applied_answer(user_id, idempotency_key)
            if done is not None:
                return done
        for attempt in range(attempts):
            scratch = self.parts.cache.user_dir(user_id) / f".bulk-{uuid.uuid4().hex}.anki2"
            try:
                with self._user_lock(user_id):
                    copy = self._loader.current(user_id)
                    base_seq = copy.applied_seq
                    with copy.col.lock:
                        copy.col.backup_to(scratch)
                col = Collection.open(scratch, self.clock, disposable=True)
                try:
                    # The copy is thrown away if fn fails: its rollback journal can live in
                    # memory, and the rows are written once (a WAL would write them again at
                    # the checkpoint).
                    col.db.execute("pragma journal_mode = memory")
                    result = fn(col)
                finally:
                    col.close()
                idempotency = None
                if idempotency_key is not None:
                    idempotency = (idempotency_key, small_result_bytes(result))
                try:
                    replaced = self._replacer.replace(
                        user_id,
                        scratch,
                        base_seq,
                        lambda: self._user_lock(user_id),
                        idempotency,
                        owned=True,
                    )
                except DuplicateIdempotencyKeyError:
                    if idempotency_key is None:
                        raise
                    done = self.applied_answer(user_id, idempotency_key)
                    if done is None:
                        raise
                    return done
                except ConflictError:
                    if attempt + 1 == attempts:
                        raise
                    continue
                return result, replaced
            finally:
                remove_collection_files(scratch)
        raise ConflictError(f"{user_id}'s collection kept moving during a bulk write")

    def applied_answer(self, user_id: str, idempotency_key: str) -> AlreadyApplied[Any] | None:
        """The answer to a retry of a write made with this key (None: the key was never used)."""
        with self._user_lock(user_id):
            return self._writer.already_applied(self._loader.current(user_id), idempotency_key)

    def _flush_for_session(self, session: SessionRecord) -> None:
        user = self.meta.get_user(session.username)
        self.settle(user.user_id if user is not None else session.username)

    # ------------------------------------------------------------------ the rest

    def media(self, user_id: str) -> UserMedia:
        return UserMedia(self.blobs, user_id, limits=MediaLimits.from_settings(self.settings))

    def forget_user(self, user_id: str) -> None:
        """Close this instance's copy of the user's collection without flushing and remove the
        user's instance-cache folder (before the user's records are purged from the stores)."""
        with self._user_lock(user_id):
            copy = self._loader.copies.get(user_id)
            if copy is not None:
                self._loader.drop(copy)
            self.parts.cache.remove_user(user_id)

    @property
    def counters(self) -> dict[str, int]:
        return self.parts.counters.snapshot(self.blobs, self.meta)

    def applied_seq(self, user_id: str) -> int | None:
        """The journal seq this instance's copy has applied (None when it holds no copy)."""
        copy = self._loader.copies.get(user_id)
        return copy.applied_seq if copy is not None else None

    def close(self) -> None:
        """Compact the journal of every copy past its bound, then close them all.

        Durability never depends on this (everything is journaled)."""
        for user_id in list(self._loader.copies):
            with self._user_lock(user_id):
                copy = self._loader.copies.get(user_id)
                if copy is None:
                    continue
                if not copy.broken and self._flusher.is_due(copy):
                    try:
                        self._flusher.flush(copy, full=False)
                    except Exception:
                        log.warning("flush of %s at shutdown failed", user_id, exc_info=True)
                self._loader.drop(copy)

    @contextmanager
    def _user_lock(self, user_id: str) -> Iterator[None]:
        names.check_segment(user_id, "user id")
        with self._locks_guard:
            lock = self._locks.setdefault(user_id, threading.RLock())
        with lock:
            self._in_use[user_id] = self._in_use.get(user_id, 0) + 1
            try:
                yield
            finally:
                self._in_use[user_id] -= 1

    def _evict_if_needed(self, protect: str) -> None:
        cache = self.parts.cache
        if cache.total_bytes <= cache.max_bytes:
            return
        for user_id in cache.eviction_candidates(protect):
            with self._locks_guard:
                lock = self._locks.setdefault(user_id, threading.RLock())
            if not lock.acquire(blocking=False):
                continue  # being served by another thread
            try:
                if self._in_use.get(user_id, 0):
                    continue  # being served by this thread, further up the stack
                copy = self._loader.copies.get(user_id)
                if copy is not None:
                    self._loader.drop(copy)
                cache.remove_user(user_id)
                self.parts.counters.add("evictions")
            finally:
                lock.release()


__all__ = ["AlreadyApplied", "FlushResult", "JournalLimits", "ReplaceResult", "StorageEngine"]
