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
    """When the journal is folded into a snapshot, and how big one entry may be."""

    max_entries: int = 200
    max_bytes: int = 2_000_000
    max_entry_bytes: int = 350_000
    flush_lease_ttl: float = 120.0


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
