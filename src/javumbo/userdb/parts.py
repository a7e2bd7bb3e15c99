"""What every part of the storage engine shares: the stores, the clock, the instance cache, the
journal's limits and the engine's counters; and the two counted reads everything starts from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from javumbo.collection.clock import Clock
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, Head, JournalEntry, MetaStore
from javumbo.userdb.cache import InstanceCache
from javumbo.userdb.counters import EngineCounters


@dataclass(frozen=True)
class JournalLimits:
    """When the journal is compacted into a new snapshot, and how big one entry may be.

    The journal is the delta: a snapshot is written only when the journal after it passes a
    bound relative to the snapshot, so a cold load's replay stays within a small multiple of
    its download (1,000 review entries replay in ~120 ms on a 150k-note collection) and a
    review session costs what its answers cost. The bound is ``max_entries`` entries, or
    journal bytes past ``snapshot_fraction`` of the stored snapshot (at least ``min_bytes``,
    at most ``max_bytes``)."""

    max_entries: int = 1000
    max_bytes: int = 8_000_000
    min_bytes: int = 256_000
    snapshot_fraction: float = 0.25
    max_entry_bytes: int = 350_000
    flush_lease_ttl: float = 120.0
    # Page-level deltas on a base: at most this many, and their stored bytes at most this
    # fraction of the base's; past either the chain is rewritten as a new base.
    max_deltas: int = 32
    delta_fraction: float = 0.5

    def byte_bound(self, snapshot_bytes: int) -> int:
        """Journal bytes past which a snapshot of ``snapshot_bytes`` stored bytes is due."""
        return min(
            self.max_bytes, max(self.min_bytes, int(snapshot_bytes * self.snapshot_fraction))
        )


class EngineParts:
    def __init__(
        self,
        settings: Settings,
        blobs: BlobStore,
        meta: MetaStore,
        *,
        instance_id: str,
        cache_dir: Path,
        clock: Clock,
        limits: JournalLimits,
    ) -> None:
        self.settings = settings
        self.blobs = blobs
        self.meta = meta
        self.instance_id = instance_id
        self.clock = clock
        self.limits = limits
        self.cache = InstanceCache(Path(cache_dir), settings.cache_max_bytes)
        self.counters = EngineCounters()

    def get_head(self, user_id: str) -> Head:
        self.counters.add("meta_reads")
        return self.meta.get_head(user_id)

    def read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        self.counters.add("meta_reads")
        return self.meta.read_journal(user_id, after_seq)
