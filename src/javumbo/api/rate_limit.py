"""A sliding-window counter of failed logins, per (username, client address).

In memory, per process: behind several processes or Lambda instances an attacker gets the limit
once per instance, which still turns an online guessing attack from thousands of tries a minute
into a handful. A shared limiter would need a MetaStore write on every failed login; argon2id's
cost per guess is the second line of defence either way.
"""

from __future__ import annotations

import threading
from collections import deque

from javumbo.collection.clock import Clock

_MAX_KEYS = 100_000


class SlidingWindowLimiter:
    def __init__(self, limit: int, window_seconds: float, *, clock: Clock) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def retry_after(self, key: tuple[str, str]) -> float | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        with self._lock:
            now = self.clock.now()
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return None
            return max(0.0, hits[0] + self.window - now)

    def record_failure(self, key: tuple[str, str]) -> None:
        with self._lock:
            if len(self._hits) >= _MAX_KEYS:
                self._forget_oldest()
            now = self.clock.now()
            self._recent(key, now)
            self._hits.setdefault(key, deque()).append(now)

    def reset(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _forget_oldest(self) -> None:
        oldest = min(self._hits, key=lambda k: self._hits[k][-1] if self._hits[k] else 0.0)
        del self._hits[oldest]
