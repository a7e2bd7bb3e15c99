"""``StorageEngine``: serve each user's collection from a local copy that is never ahead of the
durable journal, and fold the journal into immutable snapshots now and then.

The invariants, and why they hold:

* **Nothing acknowledged is only local.** Every transaction on a served collection runs a
  before-commit hook that appends its row changes to the journal with
  ``append_journal(expected_seq=applied_seq)``. If the append fails for any reason the
  transaction rolls back, so a local commit always has a journal entry. If the commit itself
  fails after a successful append, the copy is marked broken and rebuilt from the stores.
* **The append is the fence.** It succeeds only if no one appended since our copy was current,
  so a stale or frozen instance cannot write. On a lost race we replay what we missed and run
  the operation once more (the callable must therefore be re-runnable: it sees a rolled-back
  collection), then give up with ``ConflictError``.
* **Every request starts current, or is fenced.** A read starts with one ``get_head``; if
  ``head.seq`` moved we apply the missing entries, checking they are contiguous. If they were
  trimmed (someone flushed past our copy) we rebuild from the head's snapshot. A write on a warm
  copy that was current at its last head read skips that read: its append is the fence, so if
  the copy was behind the append is refused and the write runs again on a caught-up copy. What
  the append cannot fence is checked against the head before it is answered: a write that
  failed (it may have failed on rows changed elsewhere) or journaled nothing (its answer may
  come from stale rows). A copy found behind reads the head before its writes until a head read
  finds nothing new (a user whose requests go to several instances).
* **Snapshots are immutable and keyed by the seq they contain.** Upload with ``put_if_absent``
  (an existing object under that key holds the same logical state: replay is deterministic), then
  ``move_head_snapshot`` conditional on the snapshot we started from, then trim the journal and
  prune old snapshots. A crash between upload and head move leaves an orphan object that the next
  flush of that seq adopts or that pruning deletes; the journal still has every entry. Two
  flushes racing: a lease keeps them apart in the common case, and the conditional head move is
  the real fence (the loser reports ``superseded``).
* **Too large for one entry.** A journal entry must stay well under DynamoDB's 400 KB item
  limit. A bigger change is written as a blob under a fresh key (``users/<id>/spill/<seq>-<rnd>``)
  and the journal gets a small pointer entry, appended with the same fence as any other entry;
  only then does the transaction commit, and a snapshot is flushed right after so the pointer is
  short-lived. Why not a "snapshot follows" marker: between appending such a marker and moving
  the head, the state it names would exist only in the writer's memory; if the writer died, other
  instances could neither replay the marker nor safely skip it (the writer may still move the head
  to a snapshot containing it). With a pointer, the state behind every entry is durable before
  the entry exists; a crash before the append leaves only an orphan blob (deleted by the next
  flush that covers its seq), a crash after it leaves a complete journal.
* **Replacing the whole collection** (``replace_collection``: a full sync upload, a ``.colpkg``
  restore). Capturing every row as a change would journal the whole file row by row, spill it,
  and then snapshot it again; instead the new file is uploaded once, in snapshot format, under a
  fresh key (``users/<id>/replaced/<base seq>-<rnd>.anki2[.zst]``), and then a small *marker*
  entry naming it is appended with the same fence as any write. The marker is the
  linearisation point, like a spill pointer: the state it names is durable before it exists.
  Everything acknowledged before the marker is replaced (that is the operation's meaning; pass
  ``expected_seq`` to make it conditional on nothing having been appended since the caller
  looked); everything after the marker applies on top of the new collection. A writer on
  another instance that raced it loses its append, catches up (a copy that meets a marker is
  rebuilt from the marker's blob, never replayed row by row), re-runs its operation on the new
  collection and succeeds, or gets ``ConflictError``: its write is in the result or it was
  refused, never acknowledged and lost. After the append the replacer moves the head to the
  blob (conditional on the snapshot it saw, like a flush) and trims the journal; if that fails
  or the replacer dies first, loaders meet the marker in the journal and start from its blob, so
  nothing depends on the head move. The replacer holds the flush lease from before its upload
  until after the head move, and only holders of that lease delete replacement blobs (those
  whose base seq is below a snapshot they installed), so a blob is never deleted between its
  upload and its marker's append unless the lease expired meanwhile (a frozen replacer), which
  the replacer checks right before appending.
* **Idempotency.** A write with a key journals the key in the same atomic append as its entry,
  and the append refuses a key already used (``DuplicateIdempotencyKeyError``, checked before
  the head's seq, so a retry is recognised even by a stale copy). A retry therefore runs its
  callable, loses the append, rolls back, and returns ``AlreadyApplied(seq, result)``
  (``result`` is the callable's JSON-able return value recorded in the entry, or None once the
  entry is trimmed): no lookup is needed before a write, so a warm write costs the append
  alone. A retry whose callable fails (the first run's effects make it invalid: a
  deleted note is not there to delete) looks the key up before answering with the failure.
  Callables that are expensive or reach outside the collection (an import, a sync commit) ask
  for the lookup first instead (``check_key_first``), at one more metastore read.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
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
    BlobExistsError,
    BlobNotFoundError,
    BlobStore,
    ConditionFailedError,
    DuplicateIdempotencyKeyError,
    Head,
    JournalEntry,
    MetaStore,
    SessionRecord,
    StoreError,
)
from javumbo.userdb import names
from javumbo.userdb.cache import InstanceCache
from javumbo.userdb.changes import (
    Change,
    ChangeCapture,
    decode_entry,
    encode_change,
    encode_replace_marker,
    encode_spill_pointer,
)
from javumbo.userdb.counters import EngineCounters
from javumbo.userdb.errors import ConflictError, InconsistentStoreError
from javumbo.userdb.media import UserMedia
from javumbo.userdb.sessions import SessionManager
from javumbo.userdb.snapshots import (
    PreparedSnapshot,
    compress_if_it_pays,
    prepare_snapshot,
    remove_collection_files,
    restore_snapshot,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
_LOAD_ATTEMPTS = 8
_LOAD_BACKOFF = 0.01  # seconds before the second attempt, doubled for each one after it
_MAX_RESULT_BYTES = 4096
_REPLACE_APPEND_ATTEMPTS = 5
_REPLACE_LEASE_WAIT = 30.0


@dataclass(frozen=True)
class JournalLimits:
    """When the journal is folded into a snapshot, and how big one entry may be."""

    max_entries: int = 200
    max_bytes: int = 2_000_000
    max_entry_bytes: int = 350_000
    flush_lease_ttl: float = 120.0


@dataclass(frozen=True)
class AlreadyApplied(Generic[T]):
    """A write whose idempotency key was already used: it was not applied again."""

    seq: int
    result: Any = None


@dataclass(frozen=True)
class FlushResult:
    user_id: str
    status: str  # "flushed" | "clean" | "busy" (another flush holds the lease) | "superseded"
    snapshot_key: str | None
    snapshot_seq: int
    raw_bytes: int = 0
    uploaded_bytes: int = 0


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


@dataclass
class _WriteContext:
    idempotency_key: str | None
    result: Any = None
    appended: bool = False


@dataclass
class _Copy:
    """This instance's working copy of one user's collection."""

    user_id: str
    col: Collection
    capture: ChangeCapture
    applied_seq: int
    snapshot_key: str | None
    snapshot_seq: int
    journal_bytes: int = 0
    broken: bool = False
    appended_uncommitted: bool = False
    flush_wanted: bool = False
    saw_spill: bool = False
    replaced_before: bool = False
    write: _WriteContext | None = None
    measured_seq: int = -1
    # The head had not moved the last time it was read: the next write may skip reading it.
    head_was_current: bool = True


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
        self.settings = settings
        self.blobs = blobs
        self.meta = meta
        self.instance_id = instance_id
        self.clock = clock
        self.limits = limits or JournalLimits()
        self.cache = InstanceCache(Path(cache_dir), settings.cache_max_bytes)
        self._counters = EngineCounters()
        self._copies: dict[str, _Copy] = {}
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

    # ------------------------------------------------------------------ public API

    @contextmanager
    def read(self, user_id: str) -> Iterator[Collection]:
        """The user's collection, current with the journal, for the duration of the block.

        Meant for reads; a write made here is journaled all the same (the hook is always on)."""
        with self._user_lock(user_id):
            copy = self._current(user_id)
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

        With an ``idempotency_key``, ``check_key_first`` looks the key up before running
        ``fn`` (one more metastore read; for an ``fn`` that is expensive or reaches outside the
        collection). Without it, ``fn`` runs and the journal append, which refuses a used key
        atomically, recognises a retry; the transaction then rolls back (see the module
        docstring)."""
        with self._user_lock(user_id):
            unchecked = self._warm_copy(user_id)
            fresh_attempts = 0
            while True:
                if unchecked is not None:
                    copy = unchecked
                else:
                    copy = self._current(user_id)
                    fresh_attempts += 1
                if idempotency_key is not None and check_key_first:
                    done = self._already_applied(copy, idempotency_key)
                    if done is not None:
                        return done
                try:
                    result, appended = self._run_write(copy, fn, idempotency_key)
                except DuplicateIdempotencyKeyError as exc:
                    return self._applied_at(copy, exc.key, exc.seq)
                except ConditionFailedError as exc:
                    self._counters.add("conflicts")
                    if unchecked is not None:  # behind: catch up and run it again
                        self._stale(copy)
                        unchecked = None
                        continue
                    if fresh_attempts == 2:
                        raise ConflictError(
                            f"another instance keeps writing to {user_id}'s collection"
                        ) from exc
                    continue
                except Exception as exc:
                    stale_rows_possible = unchecked is not None and not isinstance(exc, StoreError)
                    if stale_rows_possible and self._moved_since(copy):
                        self._stale(copy)  # it may have failed on rows changed elsewhere
                        unchecked = None
                        continue
                    if idempotency_key is None or check_key_first or isinstance(exc, StoreError):
                        raise
                    done = self._already_applied_after_failure(copy, idempotency_key, exc)
                    if done is None:
                        raise
                    return done
                finally:
                    copy.appended_uncommitted = False
                if unchecked is not None and not appended and self._moved_since(copy):
                    # nothing journaled, so nothing fenced: the answer may come from stale rows
                    self._stale(copy)
                    unchecked = None
                    continue
                self._after_write(copy)
                return result

    def _warm_copy(self, user_id: str) -> _Copy | None:
        """The copy a write may run on without reading the head first, or None.

        A write's journal append is conditional on the copy's ``applied_seq``, so it fails if
        anyone appended since: running on a copy that may be behind is safe, and saves the
        head read when this instance serves the user's writes in a row (Lambda reuses a warm
        instance). Not when the head had moved at the last read (requests spread over
        instances): a lost append would then cost more than the read it saves."""
        copy = self._copies.get(user_id)
        if copy is None or copy.broken or not copy.head_was_current:
            return None
        self._counters.add("cache_hits")
        return copy

    def _moved_since(self, copy: _Copy) -> bool:
        return self._get_head(copy.user_id).seq != copy.applied_seq

    def _stale(self, copy: _Copy) -> None:
        """An unchecked write found its copy behind: read the head first from now on (this
        is what the caller's next attempt, and next write, then does)."""
        self._counters.add("stale_writes")
        copy.head_was_current = False

    def flush(self, user_id: str) -> FlushResult:
        """Fold the journal into a new snapshot (no upload if the head snapshot is current)."""
        with self._user_lock(user_id):
            copy = self._current(user_id)
            return self._flush_copy(copy)

    def replace_collection(
        self, user_id: str, path: Path, *, expected_seq: int | None = None
    ) -> ReplaceResult:
        """Make the schema-11 collection file at ``path`` the user's whole collection.

        The caller has checked the contents (this only refuses a file that is not a schema-11
        collection, with ``InvalidCollectionError``); the file is read, never kept. With
        ``expected_seq`` the replacement happens only if the journal is still at that seq, else
        ``ConflictError``; without it, it is ordered after whatever was appended meanwhile.
        See the module docstring for why this is safe against writers on other instances."""
        names.check_segment(user_id, "user id")
        prepared = _prepare_replacement(Path(path), self.cache.user_dir(user_id), self.clock)
        lease = f"flush:{user_id}"
        try:
            self._wait_for_lease(lease)
            try:
                with self._user_lock(user_id):
                    return self._install_replacement(user_id, prepared, expected_seq, lease)
            finally:
                try:
                    self._counters.add("meta_writes")
                    self.meta.release_lease(lease, self.instance_id)
                except Exception:  # it expires by itself
                    log.warning("releasing %s failed", lease, exc_info=True)
        finally:
            prepared.path.unlink(missing_ok=True)

    def media(self, user_id: str) -> UserMedia:
        return UserMedia(self.blobs, user_id)

    @property
    def counters(self) -> dict[str, int]:
        return self._counters.snapshot(self.blobs, self.meta)

    def applied_seq(self, user_id: str) -> int | None:
        """The journal seq this instance's copy has applied (None when it holds no copy)."""
        copy = self._copies.get(user_id)
        return copy.applied_seq if copy is not None else None

    def close(self) -> None:
        """Best-effort flush of every copy ahead of its snapshot, then close them all.

        Durability never depends on this (everything is journaled); it only saves the next
        loader some replay."""
        for user_id in list(self._copies):
            with self._user_lock(user_id):
                copy = self._copies.get(user_id)
                if copy is None:
                    continue
                if not copy.broken and copy.applied_seq > copy.snapshot_seq:
                    try:
                        self._flush_copy(copy)
                    except Exception:
                        log.warning("flush of %s at shutdown failed", user_id, exc_info=True)
                self._drop_copy(copy)

    # ------------------------------------------------------------------ locks and heads

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

    def _get_head(self, user_id: str) -> Head:
        self._counters.add("meta_reads")
        return self.meta.get_head(user_id)

    def _read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        self._counters.add("meta_reads")
        return self.meta.read_journal(user_id, after_seq)

    # ------------------------------------------------------------------ keeping current

    def _current(self, user_id: str) -> _Copy:
        head = self._get_head(user_id)
        copy = self._copies.get(user_id)
        if copy is not None and copy.broken:
            self._drop_copy(copy)
            copy = None
        if copy is not None and self._catch_up(copy, head):
            self._counters.add("cache_hits")
            return copy
        if copy is not None:
            self._drop_copy(copy)
        return self._load(user_id, head)

    def _catch_up(self, copy: _Copy, head: Head) -> bool:
        """Apply entries the copy misses; False if it cannot be caught up from the journal."""
        copy.head_was_current = head.seq == copy.applied_seq
        if head.seq < copy.applied_seq:
            return False  # the metastore lost entries we applied: rebuild from what it has
        if head.seq > copy.applied_seq:
            entries = self._read_journal(copy.user_id, copy.applied_seq)
            if not _contiguous(entries, copy.applied_seq, head.seq):
                return False
            if _last_replacement(entries) is not None:
                return False  # the collection was replaced: start from the new one
            self._apply_entries(copy, entries, head.snapshot_seq)
        if head.snapshot_key is not None and head.snapshot_seq > copy.snapshot_seq:
            copy.snapshot_key, copy.snapshot_seq = head.snapshot_key, head.snapshot_seq
        return True

    def _apply_entries(self, copy: _Copy, entries: list[JournalEntry], snapshot_seq: int) -> None:
        if not entries:
            return
        changes: list[Change] = []
        for entry in entries:
            decoded = decode_entry(entry.payload)
            if decoded.replace_key is not None:
                raise InconsistentStoreError("a replacement marker reached row replay")
            if decoded.spill_key is not None:
                copy.saw_spill = True
                decoded = decode_entry(self.blobs.get(decoded.spill_key).data)
            if decoded.change is not None:
                changes.append(decoded.change)
        copy.appended_uncommitted = False
        copy.capture.replay(changes)
        copy.applied_seq = entries[-1].seq
        if copy.snapshot_seq < snapshot_seq:
            copy.journal_bytes = 0
        copy.journal_bytes += sum(len(e.payload) for e in entries if e.seq > snapshot_seq)
        self._counters.add("replays", len(entries))

    def _load(self, user_id: str, head: Head) -> _Copy:
        """Build a live copy from the head's snapshot plus the journal after it."""
        missing: str | None = None
        races = 0
        for _ in range(_LOAD_ATTEMPTS):
            if races:
                # Flushes on other instances trimmed the journal or pruned the snapshot we
                # were reading: let a burst of them settle before reading the head again.
                time.sleep(random.uniform(0.5, 1.0) * _LOAD_BACKOFF * 2 ** (races - 1))
            if head.snapshot_key is None:
                self._create_first_snapshot(user_id)
                head = self._get_head(user_id)
                continue
            entries = self._read_journal(user_id, head.snapshot_seq)
            latest = max(head.seq, entries[-1].seq if entries else head.snapshot_seq)
            if not _contiguous(entries, head.snapshot_seq, latest):
                races += 1
                head = self._get_head(user_id)  # trimmed by a flush meanwhile
                continue
            base = head
            marker = _last_replacement(entries)
            if marker is not None:  # replaced after the head's snapshot: start from the new one
                base = marker
                entries = [e for e in entries if e.seq > marker.snapshot_seq]
            try:
                stored = self._fetch_snapshot(user_id, base)
            except BlobNotFoundError:
                races += 1
                missing = base.snapshot_key
                head = self._get_head(user_id)  # pruned by a newer flush?
                continue
            copy = self._open_copy(user_id, base, stored)
            # A flush compares against the snapshot the head names, not the marker's blob.
            copy.snapshot_key, copy.snapshot_seq = head.snapshot_key, head.snapshot_seq
            try:
                self._apply_entries(copy, entries, head.snapshot_seq)
            except BaseException:
                self._drop_copy(copy)
                raise
            self._counters.add("loads")
            self.cache.record(user_id)
            return copy
        if missing is not None and missing == head.snapshot_key:
            raise InconsistentStoreError(f"the head's snapshot {missing} is not in the blob store")
        raise ConflictError(f"{user_id}'s collection kept moving while it was being loaded")

    def _fetch_snapshot(self, user_id: str, head: Head) -> Path:
        assert head.snapshot_key is not None
        path = self.cache.pristine_path(user_id, head.snapshot_key)
        if path.exists():
            self._counters.add("cache_hits")
            return path
        self._counters.add("cache_misses")
        info = self.blobs.get_to_file(head.snapshot_key, path)
        if head.snapshot_etag and _etag(info.etag) != _etag(head.snapshot_etag):
            path.unlink(missing_ok=True)
            raise InconsistentStoreError(
                f"snapshot {head.snapshot_key} has ETag {info.etag}, the head says"
                f" {head.snapshot_etag}"
            )
        self.cache.drop_other_pristine(user_id, path)
        return path

    def _open_copy(self, user_id: str, head: Head, stored: Path) -> _Copy:
        assert head.snapshot_key is not None
        live = self.cache.live_path(user_id)
        restore_snapshot(stored, live, compressed=names.is_compressed_snapshot(head.snapshot_key))
        col = Collection.open(live, self.clock)
        copy = _Copy(
            user_id=user_id,
            col=col,
            capture=ChangeCapture(col),
            applied_seq=head.snapshot_seq,
            snapshot_key=head.snapshot_key,
            snapshot_seq=head.snapshot_seq,
        )
        col.add_before_commit_hook(lambda _col: self._journal_commit(copy))
        col.add_after_reload_hook(lambda _col: self._note_reload(copy))
        self._copies[user_id] = copy
        return copy

    def _drop_copy(self, copy: _Copy) -> None:
        if self._copies.get(copy.user_id) is copy:
            del self._copies[copy.user_id]
        try:
            copy.col.close()
        except Exception:
            log.warning("closing %s's copy failed", copy.user_id, exc_info=True)
        remove_collection_files(self.cache.live_path(copy.user_id))

    def _create_first_snapshot(self, user_id: str) -> None:
        """A new user: a fresh collection becomes snapshot 0. Racing creators converge on the
        first object stored under that key (create-only put)."""
        workdir = self.cache.user_dir(user_id)
        fresh = workdir / f".new-{uuid.uuid4().hex}.anki2"
        try:
            Collection.create(fresh, self.clock).close()
            prepared = compress_if_it_pays(fresh)
            key = names.snapshot_key(user_id, 0, compressed=prepared.compressed)
            try:
                etag = self._upload_snapshot(user_id, key, prepared)
            finally:
                prepared.path.unlink(missing_ok=True)
        finally:
            remove_collection_files(fresh)
        if etag is None:
            return
        try:
            self._counters.add("meta_writes")
            self.meta.move_head_snapshot(user_id, None, key, 0, etag)
        except ConditionFailedError:
            pass  # another instance created the user first: load theirs

    def _upload_snapshot(self, user_id: str, key: str, prepared: PreparedSnapshot) -> str | None:
        """Upload create-only; keep the file as this instance's pristine copy. Returns the ETag
        of the object now under ``key`` (ours or an identical earlier one)."""
        try:
            with prepared.path.open("rb") as fh:
                etag = self.blobs.put_if_absent(key, fh)
        except BlobExistsError:
            prepared.path.unlink(missing_ok=True)
            info = self.blobs.head(key)
            return info.etag if info is not None else None
        os.replace(prepared.path, self.cache.pristine_path(user_id, key))
        return etag

    # ------------------------------------------------------------------ writes

    def _run_write(
        self, copy: _Copy, fn: Callable[[Collection], T], idempotency_key: str | None
    ) -> tuple[T, bool]:
        """``fn``'s result, and whether its transaction was journaled."""
        context = copy.write = _WriteContext(idempotency_key)
        try:
            with copy.col.transaction():
                result = fn(copy.col)
                if idempotency_key is not None:
                    context.result = _small_json(result)
            return result, context.appended
        finally:
            copy.write = None

    def _journal_commit(self, copy: _Copy) -> None:
        """Before-commit hook: journal the transaction or make it roll back."""
        if copy.capture.replaying:
            return
        copy.appended_uncommitted = False
        change = copy.capture.collect()
        context = copy.write
        key = context.idempotency_key if context is not None else None
        if change.is_empty and key is None:
            return
        result = context.result if context is not None else None
        payload = encode_change(change, result)
        if len(payload) > self.limits.max_entry_bytes:
            payload = self._spill(copy, payload, result)
        self._counters.add("meta_writes")
        seq = self.meta.append_journal(
            copy.user_id,
            copy.applied_seq,
            payload,
            key,
            self.clock.now(),
            idempotency_result=_result_bytes(result) if key is not None else None,
        )
        self._counters.add("journal_appends")
        self._counters.add("journal_bytes", len(payload))
        copy.applied_seq = seq
        copy.journal_bytes += len(payload)
        copy.appended_uncommitted = True
        if context is not None:
            context.appended = True
        copy.capture.committed()

    def _spill(self, copy: _Copy, payload: bytes, result: Any) -> bytes:
        key = names.spill_key(copy.user_id, copy.applied_seq + 1, uuid.uuid4().hex)
        self.blobs.put(key, payload)
        self._counters.add("spills")
        copy.flush_wanted = True
        copy.saw_spill = True
        return encode_spill_pointer(key, result)

    def _note_reload(self, copy: _Copy) -> None:
        """A reload while an append is uncommitted means the commit failed after the journal
        took the entry: the copy is now behind its own applied_seq."""
        if copy.appended_uncommitted:
            copy.broken = True
            copy.appended_uncommitted = False

    def _already_applied(self, copy: _Copy, key: str) -> AlreadyApplied[Any] | None:
        self._counters.add("meta_reads")
        seq = self.meta.find_idempotency_key(copy.user_id, key)
        if seq is None:
            return None
        return self._applied_at(copy, key, seq)

    def _already_applied_after_failure(
        self, copy: _Copy, key: str, failure: Exception
    ) -> AlreadyApplied[Any] | None:
        """``fn`` failed before any append: if its key was used, the failure comes from the
        first run's effects (a retried delete finds nothing to delete) and the retry is
        answered as applied. If the lookup itself fails, the original failure stands."""
        try:
            return self._already_applied(copy, key)
        except StoreError:
            log.warning("looking up %s's idempotency key after %r failed", copy.user_id, failure)
            return None

    def _applied_at(self, copy: _Copy, key: str, seq: int | None) -> AlreadyApplied[Any]:
        """The answer to a retry of the write journaled at ``seq`` with ``key``."""
        if seq is None:  # the adapter could not say where: ask once more
            self._counters.add("meta_reads")
            seq = self.meta.find_idempotency_key(copy.user_id, key)
            if seq is None:
                raise InconsistentStoreError(f"idempotency key {key!r} is used and unknown")
        self._counters.add("meta_reads")
        kept = self.meta.get_idempotency_result(copy.user_id, key)
        if kept is not None:  # kept with the key: still there after the entry was trimmed
            return AlreadyApplied(seq, json.loads(kept))
        result = None
        for entry in self._read_journal(copy.user_id, seq - 1):  # keys used before results
            if entry.seq == seq:  # were kept with them
                result = decode_entry(entry.payload).result
            break
        return AlreadyApplied(seq, result)

    def _after_write(self, copy: _Copy) -> None:
        over = (
            copy.applied_seq - copy.snapshot_seq >= self.limits.max_entries
            or copy.journal_bytes >= self.limits.max_bytes
        )
        if copy.flush_wanted or over:
            copy.flush_wanted = False
            try:
                self._flush_copy(copy)
            except Exception:  # the write is journaled: a failed flush loses nothing
                log.warning("flush of %s after a write failed", copy.user_id, exc_info=True)
        self._after_use(copy)

    def _after_use(self, copy: _Copy) -> None:
        if copy.measured_seq == copy.applied_seq:
            self.cache.touch(copy.user_id)
        else:
            self.cache.record(copy.user_id)
            copy.measured_seq = copy.applied_seq
        self._evict_if_needed(protect=copy.user_id)

    # ------------------------------------------------------------------ flush

    def _flush_copy(self, copy: _Copy) -> FlushResult:
        user_id = copy.user_id
        if copy.snapshot_key is not None and copy.snapshot_seq >= copy.applied_seq:
            return FlushResult(user_id, "clean", copy.snapshot_key, copy.snapshot_seq)
        lease = f"flush:{user_id}"
        self._counters.add("meta_writes")
        if not self.meta.acquire_lease(
            lease, self.instance_id, self.limits.flush_lease_ttl, self.clock.now()
        ):
            return FlushResult(user_id, "busy", copy.snapshot_key, copy.snapshot_seq)
        try:
            copy.measured_seq = -1  # the snapshot lands in the folder: measure it again
            return self._write_snapshot(copy)
        finally:
            try:
                self._counters.add("meta_writes")
                self.meta.release_lease(lease, self.instance_id)
            except Exception:  # it expires by itself
                log.warning("releasing %s failed", lease, exc_info=True)

    def _write_snapshot(self, copy: _Copy) -> FlushResult:
        user_id, seq, previous = copy.user_id, copy.applied_seq, copy.snapshot_key
        if previous is not None and previous.startswith(names.replaced_prefix(user_id)):
            copy.replaced_before = True
        prepared = prepare_snapshot(copy.col, self.cache.user_dir(user_id))
        key = names.snapshot_key(user_id, seq, compressed=prepared.compressed)
        try:
            etag = self._upload_snapshot(user_id, key, prepared)
        finally:
            prepared.path.unlink(missing_ok=True)
        if etag is None:
            raise InconsistentStoreError(f"snapshot {key} vanished right after it was taken")
        try:
            self._counters.add("meta_writes")
            self.meta.move_head_snapshot(user_id, previous, key, seq, etag)
        except ConditionFailedError:
            return FlushResult(user_id, "superseded", previous, copy.snapshot_seq)
        copy.snapshot_key, copy.snapshot_seq, copy.journal_bytes = key, seq, 0
        self._counters.add("flushes")
        self._counters.add("flush_bytes_raw", prepared.raw_bytes)
        self._counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        pristine = self.cache.pristine_path(user_id, key)
        if pristine.exists():
            self.cache.drop_other_pristine(user_id, pristine)
        try:
            self._collect_garbage(copy, seq)
        except Exception:  # housekeeping: the next flush covers what this one left
            log.warning("cleaning up after %s's flush failed", user_id, exc_info=True)
        return FlushResult(user_id, "flushed", key, seq, prepared.raw_bytes, prepared.stored_bytes)

    def _collect_garbage(self, copy: _Copy, seq: int) -> None:
        """Trim the journal the new snapshot covers, its spilled blobs, and old snapshots."""
        self._counters.add("meta_writes")
        self.meta.trim_journal(copy.user_id, seq)
        if copy.saw_spill:
            self._delete_spills(copy.user_id, seq)
            copy.saw_spill = False
        self._prune_snapshots(copy.user_id, seq)
        if copy.replaced_before:
            self._delete_replacements(copy.user_id, seq, keep=None)
            copy.replaced_before = False

    def _delete_replacements(self, user_id: str, below_seq: int, keep: str | None) -> None:
        """Replacement blobs no marker or head can need any more (only under the flush lease)."""
        for info in list(self.blobs.list(names.replaced_prefix(user_id))):
            base = names.replaced_base_seq_of(info.key)
            if info.key != keep and base is not None and base < below_seq:
                self.blobs.delete(info.key)

    def _delete_spills(self, user_id: str, up_to_seq: int) -> None:
        for info in list(self.blobs.list(names.spill_prefix(user_id))):
            spilled_at = names.spill_seq_of(info.key)
            if spilled_at is not None and spilled_at <= up_to_seq:
                self.blobs.delete(info.key)

    def _prune_snapshots(self, user_id: str, head_seq: int) -> None:
        """Keep the newest ``snapshots_kept`` snapshots up to the head; newer ones belong to a
        flush in flight elsewhere and are left alone."""
        keep = max(1, self.settings.snapshots_kept)
        found = []
        for info in self.blobs.list(names.snapshots_prefix(user_id)):
            seq = names.snapshot_seq_of(info.key)
            if seq is not None and seq <= head_seq:
                found.append((seq, info.key))
        found.sort(reverse=True)
        for _seq, key in found[keep:]:
            self.blobs.delete(key)

    # ------------------------------------------------------------------ replacement

    def _wait_for_lease(self, lease: str) -> None:
        deadline = time.monotonic() + _REPLACE_LEASE_WAIT
        while True:
            self._counters.add("meta_writes")
            if self.meta.acquire_lease(
                lease, self.instance_id, self.limits.flush_lease_ttl, self.clock.now()
            ):
                return
            if time.monotonic() > deadline:
                raise ConflictError(f"{lease} stays taken; try the replacement again")
            threading.Event().wait(0.05)

    def _install_replacement(
        self, user_id: str, prepared: PreparedSnapshot, expected_seq: int | None, lease: str
    ) -> ReplaceResult:
        head = self._get_head(user_id)
        if expected_seq is not None and head.seq != expected_seq:
            raise ConflictError(f"{user_id}'s collection moved on from seq {expected_seq}")
        key = names.replaced_key(
            user_id, head.seq, uuid.uuid4().hex, compressed=prepared.compressed
        )
        with prepared.path.open("rb") as fh:
            etag = self.blobs.put_if_absent(key, fh)
        try:
            seq, head = self._append_marker(user_id, head, key, etag, expected_seq, lease)
        except BaseException:
            self.blobs.delete(key)
            raise
        self._counters.add("replacements")
        self._counters.add("flush_bytes_raw", prepared.raw_bytes)
        self._counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        old = self._copies.get(user_id)
        if old is not None:
            self._drop_copy(old)
        pristine = self.cache.pristine_path(user_id, key)
        os.replace(prepared.path, pristine)
        self.cache.drop_other_pristine(user_id, pristine)
        copy = self._open_copy(user_id, Head(user_id, seq, key, seq, etag), pristine)
        moved = self._move_head_to_replacement(user_id, head.snapshot_key, key, seq, etag)
        if moved:
            try:
                self._counters.add("meta_writes")
                self.meta.trim_journal(user_id, seq)
                self._delete_spills(user_id, seq)
                self._delete_replacements(user_id, seq, keep=key)
            except Exception:  # housekeeping: a later flush covers it
                log.warning("cleaning up after %s's replacement failed", user_id, exc_info=True)
        else:
            current = self._get_head(user_id)
            copy.snapshot_key, copy.snapshot_seq = current.snapshot_key, current.snapshot_seq
        self.cache.record(user_id)
        return ReplaceResult(user_id, seq, key, moved, prepared.raw_bytes, prepared.stored_bytes)

    def _append_marker(
        self,
        user_id: str,
        head: Head,
        key: str,
        etag: str,
        expected_seq: int | None,
        lease: str,
    ) -> tuple[int, Head]:
        """Append the marker after whatever is there (or only at ``expected_seq``)."""
        payload = encode_replace_marker(key, etag)
        for attempt in range(_REPLACE_APPEND_ATTEMPTS):
            self._counters.add("meta_writes")
            still_ours = self.meta.acquire_lease(
                lease, self.instance_id, self.limits.flush_lease_ttl, self.clock.now()
            )
            if not still_ours or self.blobs.head(key) is None:
                raise ConflictError(f"{lease} was lost during the replacement; try again")
            if attempt:  # read right before appending: a busy writer leaves only short gaps
                head = self._get_head(user_id)
            try:
                self._counters.add("meta_writes")
                seq = self.meta.append_journal(user_id, head.seq, payload, None, self.clock.now())
            except ConditionFailedError:
                self._counters.add("conflicts")
                if expected_seq is not None:
                    raise ConflictError(
                        f"{user_id}'s collection moved on from seq {expected_seq}"
                    ) from None
                continue
            self._counters.add("journal_appends")
            self._counters.add("journal_bytes", len(payload))
            return seq, head
        raise ConflictError(f"another instance keeps writing to {user_id}'s collection")

    def _move_head_to_replacement(
        self, user_id: str, expected_key: str | None, key: str, seq: int, etag: str
    ) -> bool:
        for _ in range(3):
            try:
                self._counters.add("meta_writes")
                self.meta.move_head_snapshot(user_id, expected_key, key, seq, etag)
                return True
            except ConditionFailedError:
                head = self._get_head(user_id)
                if head.snapshot_seq >= seq:
                    return False  # a newer snapshot already covers the replacement
                expected_key = head.snapshot_key
        return False

    def _flush_for_session(self, session: SessionRecord) -> None:
        user = self.meta.get_user(session.username)
        self.flush(user.user_id if user is not None else session.username)

    # ------------------------------------------------------------------ cache bounds

    def _evict_if_needed(self, protect: str) -> None:
        if self.cache.total_bytes <= self.cache.max_bytes:
            return
        for user_id in self.cache.eviction_candidates(protect):
            with self._locks_guard:
                lock = self._locks.setdefault(user_id, threading.RLock())
            if not lock.acquire(blocking=False):
                continue  # being served by another thread
            try:
                if self._in_use.get(user_id, 0):
                    continue  # being served by this thread, further up the stack
                copy = self._copies.get(user_id)
                if copy is not None:
                    self._drop_copy(copy)
                self.cache.remove_user(user_id)
                self._counters.add("evictions")
            finally:
                lock.release()


def _last_replacement(entries: list[JournalEntry]) -> Head | None:
    """The newest replacement marker among ``entries``, as a head naming its blob."""
    for entry in reversed(entries):
        decoded = decode_entry(entry.payload)
        if decoded.replace_key is not None and decoded.replace_etag is not None:
            return Head(
                entry.user_id, entry.seq, decoded.replace_key, entry.seq, decoded.replace_etag
            )
    return None


def _prepare_replacement(path: Path, workdir: Path, clock: Clock) -> PreparedSnapshot:
    """A consistent, possibly compressed copy of the collection at ``path``, in snapshot format
    (``InvalidCollectionError`` if it is not a schema-11 collection)."""
    col = Collection.open(path, clock)
    try:
        return prepare_snapshot(col, workdir)
    finally:
        col.close()


def _contiguous(entries: list[JournalEntry], after: int, at_least: int) -> bool:
    """Entries are exactly after+1, after+2, ... and reach ``at_least``."""
    expected = after + 1
    for entry in entries:
        if entry.seq != expected:
            return False
        expected += 1
    return expected - 1 >= at_least


def _etag(value: str) -> str:
    return value.strip().strip('"')


def _result_bytes(result: Any) -> bytes | None:
    """The (already small) result as stored with its idempotency key."""
    if result is None:
        return None
    return json.dumps(result, separators=(",", ":")).encode("utf-8")


def _small_json(value: Any) -> Any:
    """``value`` if it is JSON-able and small (kept in the entry for idempotent retries)."""
    try:
        text = json.dumps(value, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return value if len(text) <= _MAX_RESULT_BYTES else None
