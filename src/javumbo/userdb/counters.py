"""Per-instance counters of the storage engine, merged with the adapters' own operation counts
(blob GETs/PUTs and bytes, metastore reads/writes) into one flat dict for tests, the API's
metrics and the benchmarks."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

ENGINE_COUNTERS = (
    "cache_hits",  # a request served without downloading a snapshot
    "cache_misses",  # a snapshot had to be downloaded
    "loads",  # a live copy built from a snapshot (+ journal)
    "journal_appends",
    "journal_bytes",
    "replays",  # journal entries applied that another instance wrote
    "flushes",
    "deltas",  # compactions written as page-level deltas
    "flush_bytes_raw",
    "flush_bytes_uploaded",
    "conflicts",  # lost appends (retried on a copy caught up; at most twice after a head read)
    "stale_writes",  # writes run without a head read on a copy that turned out behind
    "spills",  # changes too large for one journal entry
    "replacements",  # whole collections replaced (replace_collection)
    "evictions",
    "meta_reads",  # metastore calls made by the engine
    "meta_writes",
)


class EngineCounters:
    def __init__(self) -> None:
        self._values = dict.fromkeys(ENGINE_COUNTERS, 0)
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._values[name] += amount

    def snapshot(self, *sources: Any) -> dict[str, int]:
        """Engine counters plus every integer field of each source's ``counters`` attribute."""
        with self._lock:
            merged = dict(self._values)
        for source in sources:
            for name, value in _fields(getattr(source, "counters", None)).items():
                merged[name] = merged.get(name, 0) + value
        return merged


def _fields(counters: Any) -> dict[str, int]:
    if counters is None:
        return {}
    if dataclasses.is_dataclass(counters) and not isinstance(counters, type):
        raw = dataclasses.asdict(counters)
    elif hasattr(counters, "snapshot") and callable(counters.snapshot):
        raw = dict(counters.snapshot())
    else:
        raw = dict(vars(counters))
    return {k: v for k, v in raw.items() if isinstance(v, int) and not isinstance(v, bool)}
