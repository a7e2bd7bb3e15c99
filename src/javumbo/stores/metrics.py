"""Per-instance counters of backend calls, so tests and benchmarks can count GETs and PUTs.

The storage engine's promise is "one GET and one PUT per user session"; these counters are how
that promise is checked. Each adapter owns one ``OperationCounters`` as ``.counters``.
"""

from __future__ import annotations

import threading
from typing import Final

COUNTER_NAMES: Final = (
    "blob_get",
    "blob_put",
    "blob_delete",
    "blob_list",
    "blob_head",
    "blob_bytes_in",
    "blob_bytes_out",
    "meta_read",
    "meta_write",
)


class OperationCounters:
    """Thread-safe named counts.

    ``blob_bytes_in`` counts bytes read from the store (downloads), ``blob_bytes_out`` bytes
    written to it (uploads). ``meta_read``/``meta_write`` count backend requests (one DynamoDB
    call, or one SQLite operation), so a transaction counts as one write.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        if name not in self._counts:
            raise KeyError(f"unknown counter {name!r}")
        with self._lock:
            self._counts[name] += amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            for name in self._counts:
                self._counts[name] = 0

    def __getitem__(self, name: str) -> int:
        with self._lock:
            return self._counts[name]
