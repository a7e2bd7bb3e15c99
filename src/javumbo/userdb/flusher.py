"""Folding the journal into a new immutable snapshot, under the user's flush lease: upload, move
the head (the fence), then trim the journal, delete spills and replacements it covers and prune
old snapshots. See ``docs/storage-engine.md``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from javumbo.stores.ports import ConditionFailedError
from javumbo.userdb import names
from javumbo.userdb.errors import InconsistentStoreError
from javumbo.userdb.parts import EngineParts
from javumbo.userdb.snapshots import prepare_snapshot
from javumbo.userdb.working_copy import WorkingCopy, truncate_wal, upload_snapshot

log = logging.getLogger(__name__)

_LEASE_POLL = 0.05  # seconds between attempts while waiting for a lease


@dataclass(frozen=True)
class FlushResult:
    user_id: str
    # "flushed" | "clean" | "busy" (another flush holds the lease) | "superseded" |
    # "durable" (not compacted: the journal is below its bound and already durable)
    status: str
    snapshot_key: str | None
    snapshot_seq: int
    raw_bytes: int = 0
    uploaded_bytes: int = 0


class FlushLease:
    """The lease that keeps a user's flushes and replacements apart (``flush:<user id>``).

    A lease alone does not fence a frozen holder (the conditional head move does); it keeps
    two instances from doing the same upload at once, and guards replacement blobs."""

    def __init__(self, parts: EngineParts, user_id: str) -> None:
        self.parts = parts
        self.name = f"flush:{user_id}"

    def acquire(self) -> bool:
        """Take or renew the lease; False while another instance holds it."""
        parts = self.parts
        parts.counters.add("meta_writes")
        return parts.meta.acquire_lease(
            self.name, parts.instance_id, parts.limits.flush_lease_ttl, parts.clock.now()
        )

    def release(self) -> None:
        try:
            self.parts.counters.add("meta_writes")
            self.parts.meta.release_lease(self.name, self.parts.instance_id)
        except Exception:  # it expires by itself
            log.warning("releasing %s failed", self.name, exc_info=True)


@contextmanager
def flush_lease(
    parts: EngineParts, user_id: str, *, wait: float = 0.0
) -> Iterator[FlushLease | None]:
    """The user's flush lease for the block, waiting up to ``wait`` seconds for it; None if
    another instance kept it that long."""
    lease = FlushLease(parts, user_id)
    deadline = time.monotonic() + wait
    while not lease.acquire():
        if time.monotonic() >= deadline:
            yield None
            return
        threading.Event().wait(_LEASE_POLL)
    try:
        yield lease
    finally:
        lease.release()


class Flusher:
    def __init__(self, parts: EngineParts) -> None:
        self.parts = parts

    def is_due(self, copy: WorkingCopy) -> bool:
        """The journal after the copy's snapshot passed its bound (see ``JournalLimits``)."""
        limits = self.parts.limits
        return (
            copy.applied_seq - copy.snapshot_seq >= limits.max_entries
            or copy.journal_bytes >= limits.byte_bound(copy.snapshot_bytes)
        )

    def compact_if_due(self, copy: WorkingCopy) -> FlushResult:
        """A snapshot if the journal passed its bound, else nothing to do: every entry is
        already durable (status ``durable``; ``clean`` when the snapshot holds them all)."""
        clean = copy.snapshot_key is not None and copy.snapshot_seq >= copy.applied_seq
        if clean or copy.snapshot_key is None or copy.broken or self.is_due(copy):
            return self.flush(copy)
        return FlushResult(copy.user_id, "durable", copy.snapshot_key, copy.snapshot_seq)

    def flush(self, copy: WorkingCopy) -> FlushResult:
        """Fold the journal the copy has applied into a snapshot (nothing if it is current)."""
        user_id = copy.user_id
        if copy.snapshot_key is not None and copy.snapshot_seq >= copy.applied_seq:
            return FlushResult(user_id, "clean", copy.snapshot_key, copy.snapshot_seq)
        with flush_lease(self.parts, user_id) as lease:
            if lease is None:
                return FlushResult(user_id, "busy", copy.snapshot_key, copy.snapshot_seq)
            copy.measured_seq = -1  # the snapshot lands in the folder: measure it again
            return self._write_snapshot(copy)

    def _write_snapshot(self, copy: WorkingCopy) -> FlushResult:
        parts = self.parts
        user_id, seq, previous = copy.user_id, copy.applied_seq, copy.snapshot_key
        if previous is not None and previous.startswith(names.replaced_prefix(user_id)):
            copy.replaced_before = True
        prepared = prepare_snapshot(copy.col, parts.cache.user_dir(user_id))
        truncate_wal(copy.col)
        key = names.snapshot_key(user_id, seq, compressed=prepared.compressed)
        try:
            etag = upload_snapshot(parts, user_id, key, prepared)
        finally:
            prepared.path.unlink(missing_ok=True)
        if etag is None:
            raise InconsistentStoreError(f"snapshot {key} vanished right after it was taken")
        try:
            parts.counters.add("meta_writes")
            parts.meta.move_head_snapshot(user_id, previous, key, seq, etag)
        except ConditionFailedError:
            return FlushResult(user_id, "superseded", previous, copy.snapshot_seq)
        copy.snapshot_key, copy.snapshot_seq, copy.journal_bytes = key, seq, 0
        copy.snapshot_bytes = prepared.stored_bytes
        parts.counters.add("flushes")
        parts.counters.add("flush_bytes_raw", prepared.raw_bytes)
        parts.counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        pristine = parts.cache.pristine_path(user_id, key)
        if pristine.exists():
            parts.cache.drop_other_pristine(user_id, pristine)
        try:
            self._collect_garbage(copy, seq)
        except Exception:  # housekeeping: the next flush covers what this one left
            log.warning("cleaning up after %s's flush failed", user_id, exc_info=True)
        return FlushResult(user_id, "flushed", key, seq, prepared.raw_bytes, prepared.stored_bytes)

    def _collect_garbage(self, copy: WorkingCopy, seq: int) -> None:
        """Trim the journal the new snapshot covers, its spilled blobs, and old snapshots."""
        self.parts.counters.add("meta_writes")
        self.parts.meta.trim_journal(copy.user_id, seq)
        if copy.saw_spill:
            self.delete_spills(copy.user_id, seq)
            copy.saw_spill = False
        self._prune_snapshots(copy.user_id, seq)
        if copy.replaced_before:
            self.delete_replacements(copy.user_id, seq, keep=None)
            copy.replaced_before = False

    def delete_replacements(self, user_id: str, below_seq: int, keep: str | None) -> None:
        """Replacement blobs no marker or head can need any more (only under the flush lease)."""
        blobs = self.parts.blobs
        for info in list(blobs.list(names.replaced_prefix(user_id))):
            base = names.replaced_base_seq_of(info.key)
            if info.key != keep and base is not None and base < below_seq:
                blobs.delete(info.key)

    def delete_spills(self, user_id: str, up_to_seq: int) -> None:
        blobs = self.parts.blobs
        for info in list(blobs.list(names.spill_prefix(user_id))):
            spilled_at = names.spill_seq_of(info.key)
            if spilled_at is not None and spilled_at <= up_to_seq:
                blobs.delete(info.key)

    def _prune_snapshots(self, user_id: str, head_seq: int) -> None:
        """Keep the newest ``snapshots_kept`` snapshots up to the head; newer ones belong to a
        flush in flight elsewhere and are left alone."""
        blobs = self.parts.blobs
        keep = max(1, self.parts.settings.snapshots_kept)
        found = []
        for info in blobs.list(names.snapshots_prefix(user_id)):
            seq = names.snapshot_seq_of(info.key)
            if seq is not None and seq <= head_seq:
                found.append((seq, info.key))
        found.sort(reverse=True)
        for _seq, key in found[keep:]:
            blobs.delete(key)
