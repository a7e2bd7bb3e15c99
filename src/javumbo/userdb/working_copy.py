"""This instance's working copy of a user's collection, and keeping it current: loading it from
the head's snapshot plus the journal after it, and catching up with entries other instances
appended (see ``docs/storage-engine.md``)."""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from javumbo.collection import Collection
from javumbo.stores.ports import (
    BlobExistsError,
    BlobNotFoundError,
    ConditionFailedError,
    Head,
    JournalEntry,
)
from javumbo.userdb import names
from javumbo.userdb.changes import Change, ChangeCapture, decode_entry
from javumbo.userdb.deltas import materialize, read_header
from javumbo.userdb.errors import ConflictError, InconsistentStoreError
from javumbo.userdb.parts import EngineParts
from javumbo.userdb.snapshots import (
    PreparedSnapshot,
    compress_if_it_pays,
    remove_collection_files,
)

log = logging.getLogger(__name__)

_LOAD_ATTEMPTS = 8
_LOAD_BACKOFF = 0.01  # seconds before the second attempt, doubled for each one after it
_BULK_REPLAY = 50  # entries replayed at once after which the WAL is folded back and truncated


@dataclass
class WriteContext:
    """The write in progress on a copy: what its before-commit hook journals with it."""

    idempotency_key: str | None
    result: Any = None
    appended: bool = False


@dataclass
class WorkingCopy:
    """This instance's working copy of one user's collection."""

    user_id: str
    col: Collection
    capture: ChangeCapture
    applied_seq: int
    snapshot_key: str | None
    snapshot_seq: int
    snapshot_etag: str | None = None
    journal_bytes: int = 0
    snapshot_bytes: int = 0  # stored size of the snapshot the copy started from
    broken: bool = False
    appended_uncommitted: bool = False
    flush_wanted: bool = False
    saw_spill: bool = False
    replaced_before: bool = False
    write: WriteContext | None = None
    measured_seq: int = -1
    # The head had not moved the last time it was read: the next write may skip reading it.
    head_was_current: bool = True


CopyHook = Callable[[WorkingCopy], None]


class CopyLoader:
    """Holds this instance's working copies and keeps each current with the journal.

    ``journal_commit`` and ``note_reload`` are installed on every copy's collection (the journal
    writer's before-commit and after-reload hooks)."""

    def __init__(
        self, parts: EngineParts, *, journal_commit: CopyHook, note_reload: CopyHook
    ) -> None:
        self.parts = parts
        self.copies: dict[str, WorkingCopy] = {}
        self._journal_commit = journal_commit
        self._note_reload = note_reload

    def warm_copy(self, user_id: str) -> WorkingCopy | None:
        """The copy a write may run on without reading the head first, or None.

        A write's journal append is conditional on the copy's ``applied_seq``, so it fails if
        anyone appended since: running on a copy that may be behind is safe, and saves the
        head read when this instance serves the user's writes in a row (Lambda reuses a warm
        instance). Not when the head had moved at the last read (requests spread over
        instances): a lost append would then cost more than the read it saves."""
        copy = self.copies.get(user_id)
        if copy is None or copy.broken or not copy.head_was_current:
            return None
        self.parts.counters.add("cache_hits")
        return copy

    def moved_since(self, copy: WorkingCopy) -> bool:
        return self.parts.get_head(copy.user_id).seq != copy.applied_seq

    def mark_stale(self, copy: WorkingCopy) -> None:
        """A write run without a head read found its copy behind: read the head first from now
        on (what the caller's next attempt, and next write, then does)."""
        self.parts.counters.add("stale_writes")
        copy.head_was_current = False

    def current(self, user_id: str) -> WorkingCopy:
        """The user's copy, caught up with the head (loaded or rebuilt when it cannot be)."""
        head = self.parts.get_head(user_id)
        copy = self.copies.get(user_id)
        if copy is not None and copy.broken:
            self.drop(copy)
            copy = None
        if copy is not None and self._catch_up(copy, head):
            self.parts.counters.add("cache_hits")
            return copy
        if copy is not None:
            self.drop(copy)
        return self._load(user_id, head)

    def _catch_up(self, copy: WorkingCopy, head: Head) -> bool:
        """Apply entries the copy misses; False if it cannot be caught up from the journal."""
        copy.head_was_current = head.seq == copy.applied_seq
        if head.seq < copy.applied_seq:
            return False  # the metastore lost entries we applied: rebuild from what it has
        if head.seq > copy.applied_seq:
            entries = self.parts.read_journal(copy.user_id, copy.applied_seq)
            if not contiguous(entries, copy.applied_seq, head.seq):
                return False
            if last_replacement(entries) is not None:
                return False  # the collection was replaced: start from the new one
            self._apply_entries(copy, entries, head.snapshot_seq)
        if head.snapshot_key is not None and head.snapshot_seq > copy.snapshot_seq:
            copy.snapshot_key, copy.snapshot_seq = head.snapshot_key, head.snapshot_seq
            copy.snapshot_etag = head.snapshot_etag
        return True

    def _apply_entries(
        self, copy: WorkingCopy, entries: list[JournalEntry], snapshot_seq: int
    ) -> None:
        if not entries:
            return
        changes: list[Change] = []
        for entry in entries:
            decoded = decode_entry(entry.payload)
            if decoded.replace_key is not None:
                raise InconsistentStoreError("a replacement marker reached row replay")
            if decoded.spill_key is not None:
                copy.saw_spill = True
                decoded = decode_entry(self.parts.blobs.get(decoded.spill_key).data)
            if decoded.change is not None:
                changes.append(decoded.change)
        copy.appended_uncommitted = False
        copy.capture.replay(changes)
        if len(entries) >= _BULK_REPLAY:
            truncate_wal(copy.col)
        copy.applied_seq = entries[-1].seq
        if copy.snapshot_seq < snapshot_seq:
            copy.journal_bytes = 0
        copy.journal_bytes += sum(len(e.payload) for e in entries if e.seq > snapshot_seq)
        self.parts.counters.add("replays", len(entries))

    def _load(self, user_id: str, head: Head) -> WorkingCopy:
        """Build a live copy from the head's snapshot plus the journal after it."""
        parts = self.parts
        missing: str | None = None
        races = 0
        for _ in range(_LOAD_ATTEMPTS):
            if races:
                # Flushes on other instances trimmed the journal or pruned the snapshot we
                # were reading: let a burst of them settle before reading the head again.
                time.sleep(random.uniform(0.5, 1.0) * _LOAD_BACKOFF * 2 ** (races - 1))
            if head.snapshot_key is None:
                self.create_first_snapshot(user_id)
                head = parts.get_head(user_id)
                continue
            entries = parts.read_journal(user_id, head.snapshot_seq)
            latest = max(head.seq, entries[-1].seq if entries else head.snapshot_seq)
            if not contiguous(entries, head.snapshot_seq, latest):
                races += 1
                head = parts.get_head(user_id)  # trimmed by a flush meanwhile
                continue
            base = head
            marker = last_replacement(entries)
            if marker is not None:  # replaced after the head's snapshot: start from the new one
                base = marker
                entries = [e for e in entries if e.seq > marker.snapshot_seq]
            try:
                chain = self._fetch_chain(user_id, base)
            except BlobNotFoundError:
                races += 1
                missing = base.snapshot_key
                head = parts.get_head(user_id)  # pruned by a newer flush?
                continue
            copy = self.open(user_id, base, chain)
            # A flush compares against the snapshot the head names, not the marker's blob.
            copy.snapshot_key, copy.snapshot_seq = head.snapshot_key, head.snapshot_seq
            copy.snapshot_etag = head.snapshot_etag
            try:
                self._apply_entries(copy, entries, head.snapshot_seq)
            except BaseException:
                self.drop(copy)
                raise
            parts.counters.add("loads")
            parts.cache.record(user_id)
            return copy
        if missing is not None and missing == head.snapshot_key:
            raise InconsistentStoreError(f"the head's snapshot {missing} is not in the blob store")
        raise ConflictError(f"{user_id}'s collection kept moving while it was being loaded")

    def _fetch_chain(self, user_id: str, head: Head) -> list[tuple[str, Path]]:
        """The stored files of what the head names, base first: a snapshot alone, or a base
        and the page-level deltas on it (each checked against the ETag its child records)."""
        assert head.snapshot_key is not None
        tip = self._fetch_blob(user_id, head.snapshot_key, head.snapshot_etag)
        chain = [(head.snapshot_key, tip)]
        if names.is_delta(head.snapshot_key):
            header = read_header(tip)
            parents = [
                (link.key, self._fetch_blob(user_id, link.key, link.etag))
                for link in header.parents
            ]
            chain = parents + chain
        self.parts.cache.drop_other_pristine(user_id, *(path for _key, path in chain))
        return chain

    def _fetch_blob(self, user_id: str, key: str, etag: str | None) -> Path:
        cache, counters = self.parts.cache, self.parts.counters
        path = cache.pristine_path(user_id, key)
        if path.exists():
            counters.add("cache_hits")
            return path
        counters.add("cache_misses")
        info = self.parts.blobs.get_to_file(key, path)
        if etag and _etag(info.etag) != _etag(etag):
            path.unlink(missing_ok=True)
            raise InconsistentStoreError(f"{key} has ETag {info.etag}, its reference says {etag}")
        return path

    def open(
        self,
        user_id: str,
        head: Head,
        chain: list[tuple[str, Path]],
        *,
        restored: Path | None = None,
    ) -> WorkingCopy:
        """A working copy restored from the stored files ``head`` names (a snapshot, or a base
        and its deltas, base first), with the journal writer's hooks installed; it replaces any
        copy this instance held. ``restored``: a file already holding exactly what the chain
        stands for (the uncompressed bytes of a snapshot just stored), moved into place."""
        assert head.snapshot_key is not None
        live = self.parts.cache.live_path(user_id)
        (base_key, base), deltas = chain[0], [path for _key, path in chain[1:]]
        if restored is not None and not deltas:
            remove_collection_files(live)
            os.replace(restored, live)
        else:
            materialize(base, names.is_compressed_snapshot(base_key), deltas, live)
        col = Collection.open(live, self.parts.clock, disposable=True)
        copy = WorkingCopy(
            user_id=user_id,
            col=col,
            capture=ChangeCapture(col),
            applied_seq=head.snapshot_seq,
            snapshot_key=head.snapshot_key,
            snapshot_seq=head.snapshot_seq,
            snapshot_etag=head.snapshot_etag,
            snapshot_bytes=base.stat().st_size,
        )
        col.add_before_commit_hook(lambda _col: self._journal_commit(copy))
        col.add_after_reload_hook(lambda _col: self._note_reload(copy))
        self.copies[user_id] = copy
        return copy

    def drop(self, copy: WorkingCopy) -> None:
        """Close the copy and remove its files (the next request loads it again)."""
        if self.copies.get(copy.user_id) is copy:
            del self.copies[copy.user_id]
        try:
            copy.col.close()
        except Exception:
            log.warning("closing %s's copy failed", copy.user_id, exc_info=True)
        remove_collection_files(self.parts.cache.live_path(copy.user_id))

    def create_first_snapshot(self, user_id: str) -> None:
        """A new user: a fresh collection becomes snapshot 0. Racing creators converge on the
        first object stored under that key (create-only put)."""
        parts = self.parts
        workdir = parts.cache.user_dir(user_id)
        fresh = workdir / f".new-{uuid.uuid4().hex}.anki2"
        try:
            Collection.create(fresh, parts.clock).close()
            prepared = compress_if_it_pays(fresh)
            key = names.snapshot_key(user_id, 0, compressed=prepared.compressed)
            try:
                etag = upload_snapshot(parts, user_id, key, prepared)
            finally:
                prepared.path.unlink(missing_ok=True)
        finally:
            remove_collection_files(fresh)
        if etag is None:
            return
        try:
            parts.counters.add("meta_writes")
            parts.meta.move_head_snapshot(user_id, None, key, 0, etag)
        except ConditionFailedError:
            pass  # another instance created the user first: load theirs


def upload_snapshot(
    parts: EngineParts, user_id: str, key: str, prepared: PreparedSnapshot
) -> str | None:
    """Upload create-only; keep the file as this instance's pristine copy. Returns the ETag
    of the object now under ``key`` (ours or an identical earlier one)."""
    try:
        with prepared.path.open("rb") as fh:
            etag = parts.blobs.put_if_absent(key, fh)
    except BlobExistsError:
        prepared.path.unlink(missing_ok=True)
        info = parts.blobs.head(key)
        return info.etag if info is not None else None
    os.replace(prepared.path, parts.cache.pristine_path(user_id, key))
    return etag


def truncate_wal(col: Collection) -> None:
    """Fold the WAL into the file and truncate it, after bulk work: the instance cache counts
    a ``-wal`` that otherwise keeps its largest size."""
    with col.lock:
        col.db.execute("pragma wal_checkpoint(truncate)")


def last_replacement(entries: list[JournalEntry]) -> Head | None:
    """The newest replacement marker among ``entries``, as a head naming its blob."""
    for entry in reversed(entries):
        decoded = decode_entry(entry.payload)
        if decoded.replace_key is not None and decoded.replace_etag is not None:
            return Head(
                entry.user_id, entry.seq, decoded.replace_key, entry.seq, decoded.replace_etag
            )
    return None


def contiguous(entries: list[JournalEntry], after: int, at_least: int) -> bool:
    """Entries are exactly after+1, after+2, ... and reach ``at_least``."""
    expected = after + 1
    for entry in entries:
        if entry.seq != expected:
            return False
        expected += 1
    return expected - 1 >= at_least


def _etag(value: str) -> str:
    return value.strip().strip('"')
