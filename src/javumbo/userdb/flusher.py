"""Folding the journal into a new immutable snapshot, under the user's flush lease: upload, move
the head (the fence), then trim the journal, delete spills and replacements it covers and prune
old snapshots. See ``docs/storage-engine.md``."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from javumbo.stores.ports import ConditionFailedError
from javumbo.userdb import names
from javumbo.userdb.deltas import (
    ChainLink,
    DeltaHeader,
    materialize,
    page_size_of,
    read_header,
    write_delta,
)
from javumbo.userdb.errors import InconsistentStoreError
from javumbo.userdb.parts import EngineParts
from javumbo.userdb.snapshots import compress_if_it_pays, remove_collection_files
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
            return self.flush(copy, full=False)
        return FlushResult(copy.user_id, "durable", copy.snapshot_key, copy.snapshot_seq)

    def flush(self, copy: WorkingCopy, *, full: bool = True) -> FlushResult:
        """Fold the journal the copy has applied into the stores (nothing if it is current).

        ``full``: a self-contained snapshot (backups, migrations read the head's object alone);
        otherwise the pages changed since the head's snapshot, as a delta on its chain, when
        that pays (see ``deltas.py``)."""
        user_id = copy.user_id
        current = copy.snapshot_key is not None and copy.snapshot_seq >= copy.applied_seq
        if current and not (full and names.is_delta(copy.snapshot_key)):
            return FlushResult(user_id, "clean", copy.snapshot_key, copy.snapshot_seq)
        with flush_lease(self.parts, user_id) as lease:
            if lease is None:
                return FlushResult(user_id, "busy", copy.snapshot_key, copy.snapshot_seq)
            copy.measured_seq = -1  # the snapshot lands in the folder: measure it again
            return self._write_snapshot(copy, full)

    def _write_snapshot(self, copy: WorkingCopy, full: bool) -> FlushResult:
        parts = self.parts
        user_id, seq, previous = copy.user_id, copy.applied_seq, copy.snapshot_key
        if previous is not None and previous.startswith(names.replaced_prefix(user_id)):
            copy.replaced_before = True
        workdir = parts.cache.user_dir(user_id)
        raw = workdir / f".snap-{uuid.uuid4().hex}.anki2"
        try:
            copy.col.backup_to(raw)
            truncate_wal(copy.col)
            written = None if full else self._write_delta(copy, raw)
            if written is not None:
                return written
            prepared = compress_if_it_pays(raw)  # raw becomes (or is) the prepared file
        except BaseException:
            raw.unlink(missing_ok=True)
            raise
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
        copy.snapshot_etag, copy.snapshot_bytes = etag, prepared.stored_bytes
        parts.counters.add("flushes")
        parts.counters.add("flush_bytes_raw", prepared.raw_bytes)
        parts.counters.add("flush_bytes_uploaded", prepared.stored_bytes)
        pristine = parts.cache.pristine_path(user_id, key)
        if pristine.exists():
            parts.cache.drop_other_pristine(user_id, pristine)
        try:
            self._collect_garbage(copy, seq, {key})
        except Exception:  # housekeeping: the next flush covers what this one left
            log.warning("cleaning up after %s's flush failed", user_id, exc_info=True)
        return FlushResult(user_id, "flushed", key, seq, prepared.raw_bytes, prepared.stored_bytes)

    def _write_delta(self, copy: WorkingCopy, raw: Path) -> FlushResult | None:
        """Install the pages of ``raw`` that differ from the head's snapshot (the chain this
        instance holds) as a delta on its chain; None when a new base is due instead (no chain
        here, the chain too long or past ``delta_fraction`` of its base)."""
        parts, limits = self.parts, self.parts.limits
        user_id, seq, parent = copy.user_id, copy.applied_seq, copy.snapshot_key
        if parent is None or not copy.snapshot_etag or copy.replaced_before:
            return None
        if not names.is_delta(parent) and names.snapshot_seq_of(parent) is None:
            return None  # a replacement blob: start a chain from a base of our own
        cache = parts.cache
        tip = cache.pristine_path(user_id, parent)
        if not tip.exists():
            return None
        link = ChainLink(parent, copy.snapshot_etag)
        if names.is_delta(parent):
            above = read_header(tip)
            links = [*above.parents, link]
            base_bytes, parents_bytes = above.base_bytes, above.parents_bytes + tip.stat().st_size
        else:
            links, base_bytes, parents_bytes = [link], tip.stat().st_size, 0
        paths = [cache.pristine_path(user_id, each.key) for each in links]
        if len(links) > limits.max_deltas or not all(path.exists() for path in paths):
            return None
        workdir = cache.user_dir(user_id)
        before = workdir / f".parent-{uuid.uuid4().hex}.anki2"
        out = workdir / f".delta-{uuid.uuid4().hex}.delta"
        try:
            materialize(paths[0], names.is_compressed_snapshot(links[0].key), paths[1:], before)
            page_size = page_size_of(raw)
            if page_size_of(before) != page_size:
                return None
            header = DeltaHeader(
                base=links[0],
                deltas=tuple(links[1:]),
                page_size=page_size,
                page_count=raw.stat().st_size // page_size,
                base_bytes=base_bytes,
                parents_bytes=parents_bytes,
            )
            changed, stored = write_delta(before, raw, header, out)
            if parents_bytes + stored > limits.delta_fraction * base_bytes:
                return None  # the chain is rewritten as a new base
            key = names.delta_key(user_id, seq, uuid.uuid4().hex)
            with out.open("rb") as fh:
                etag = parts.blobs.put_if_absent(key, fh)
            try:
                parts.counters.add("meta_writes")
                parts.meta.move_head_snapshot(user_id, parent, key, seq, etag)
            except ConditionFailedError:
                parts.blobs.delete(key)  # a fresh key: nothing else can name it
                return FlushResult(user_id, "superseded", parent, copy.snapshot_seq)
            pristine = cache.pristine_path(user_id, key)
            os.replace(out, pristine)
        finally:
            remove_collection_files(before)
            out.unlink(missing_ok=True)
        copy.snapshot_key, copy.snapshot_seq, copy.snapshot_etag = key, seq, etag
        copy.journal_bytes = 0
        cache.drop_other_pristine(user_id, *paths, pristine)
        parts.counters.add("flushes")
        parts.counters.add("deltas")
        parts.counters.add("flush_bytes_raw", changed * page_size)
        parts.counters.add("flush_bytes_uploaded", stored)
        try:
            self._collect_garbage(copy, seq, {each.key for each in links} | {key})
        except Exception:  # housekeeping: the next flush covers what this one left
            log.warning("cleaning up after %s's flush failed", user_id, exc_info=True)
        return FlushResult(user_id, "flushed", key, seq, changed * page_size, stored)

    def _collect_garbage(self, copy: WorkingCopy, seq: int, chain: set[str]) -> None:
        """Trim the journal the new snapshot covers, its spilled blobs, and old snapshots and
        deltas (never the head's ``chain``)."""
        self.parts.counters.add("meta_writes")
        self.parts.meta.trim_journal(copy.user_id, seq)
        if copy.saw_spill:
            self.delete_spills(copy.user_id, seq)
            copy.saw_spill = False
        self._prune_snapshots(copy.user_id, seq, chain)
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

    def _prune_snapshots(self, user_id: str, head_seq: int, chain: set[str]) -> None:
        """Keep the newest ``snapshots_kept`` base snapshots up to the head and the head's
        ``chain``; delete the deltas up to the head that are not on it. Newer objects belong to
        a compaction in flight elsewhere (which can only install on top of the head: its head
        move is conditional on the head's snapshot) and are left alone."""
        blobs = self.parts.blobs
        keep = max(1, self.parts.settings.snapshots_kept)
        found = []
        for info in blobs.list(names.snapshots_prefix(user_id)):
            seq = names.snapshot_seq_of(info.key)
            if seq is not None and seq <= head_seq:
                found.append((seq, info.key))
        found.sort(reverse=True)
        for _seq, key in found[keep:]:
            if key not in chain:
                blobs.delete(key)
        for info in list(blobs.list(names.deltas_prefix(user_id))):
            seq = names.delta_seq_of(info.key)
            if seq is not None and seq <= head_seq and info.key not in chain:
                blobs.delete(info.key)
