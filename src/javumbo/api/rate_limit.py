"""The one counter of failed password logins, shared by ``POST /login`` and Anki's
``/sync/hostKey``, and the policy that reads it.

The policy follows OWASP's guidance on credential stuffing and account lockout: slow guessing
down without handing a stranger a way to lock the owner out.

- **Per (account, address)**: ``pair_limit`` failures in ``window`` seconds lock that pair until
  the oldest failure ages out. Only the guesser's own address is locked.
- **Per address**: ``address_limit`` failures in ``window``, whatever the usernames, block the
  address (one machine spraying many accounts).
- **Per account, from anywhere**: past ``account_free_failures`` failures in ``window`` the
  account is slowed down, not locked: one attempt per ``account_delay`` seconds (doubling per
  further failure, at most ``account_max_delay``) from addresses that are new to it. An address
  that logged in to the account successfully within ``known_good_seconds`` is not slowed, so the
  owner at home gets in while a botnet guesses.

Entries expire by time (a failure older than ``window`` no longer counts, and a key whose
newest failure is that old is dropped); each table also holds at most ``max_keys`` keys, the
least recently touched going first, so a spray of usernames or addresses costs bounded memory
and never resets anyone else's counters. Usernames are counted by their first
``MAX_USERNAME_KEY`` characters.

In memory, per process: behind several processes or Lambda instances an attacker gets the
limits once per instance. argon2id's cost per guess is the second line of defence either way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

from javumbo.collection.clock import Clock

MAX_USERNAME_KEY = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    window: float = 900.0
    pair_limit: int = 5
    address_limit: int = 50
    account_free_failures: int = 10
    account_delay: float = 1.0
    account_max_delay: float = 60.0
    known_good_seconds: float = 30 * 86400.0
    max_keys: int = 100_000


class _Failures:
    """Failure times per key, newest ``keep`` of each, expiring after ``window``."""

    def __init__(self, window: float, keep: int, max_keys: int) -> None:
        self.window = window
        self.keep = max(1, keep)
        self.max_keys = max_keys
        self._hits: OrderedDict[object, deque[float]] = OrderedDict()

    def recent(self, key: object, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
        return hits

    def add(self, key: object, now: float) -> None:
        hits = self.recent(key, now)
        if key not in self._hits:
            hits = deque(maxlen=self.keep)
            self._hits[key] = hits
        hits.append(now)
        self._hits.move_to_end(key)
        self._expire(now)

    def forget(self, key: object) -> None:
        self._hits.pop(key, None)

    def __len__(self) -> int:
        return len(self._hits)

    def _expire(self, now: float) -> None:
        """Drop the least recently touched keys: all that are stale, and any beyond the cap."""
        while self._hits:
            oldest_key, oldest = next(iter(self._hits.items()))
            stale = not oldest or oldest[-1] <= now - self.window
            if not stale and len(self._hits) <= self.max_keys:
                return
            del self._hits[oldest_key]


class LoginThrottle:
    """Ask ``retry_after`` before checking a password; then report the outcome with
    ``record_failure`` or ``record_success``. Thread-safe."""

    def __init__(self, clock: Clock, policy: ThrottlePolicy | None = None) -> None:
        self.clock = clock
        self.policy = policy or ThrottlePolicy()
        p = self.policy
        self._pairs = _Failures(p.window, p.pair_limit, p.max_keys)
        self._addresses = _Failures(p.window, p.address_limit, p.max_keys)
        keep = p.account_free_failures + 32  # enough to grow the delay to its cap
        self._accounts = _Failures(p.window, keep, p.max_keys)
        self._known_good: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> float | None:
        """Seconds before this login attempt may be checked, or None when it may be now."""
        name = _account_key(username)
        with self._lock:
            now = self.clock.now()
            p = self.policy
            waits: list[float] = []
            address_hits = self._addresses.recent(address, now)
            if len(address_hits) >= p.address_limit:
                waits.append(address_hits[0] + p.window - now)
            pair_hits = self._pairs.recent((name, address), now)
            if len(pair_hits) >= p.pair_limit:
                waits.append(pair_hits[0] + p.window - now)
            account_hits = self._accounts.recent(name, now)
            excess = len(account_hits) - p.account_free_failures
            if excess >= 0 and not self._is_known_good(name, address, now):
                delay = min(p.account_max_delay, p.account_delay * 2.0**excess)
                if account_hits[-1] + delay > now:
                    waits.append(account_hits[-1] + delay - now)
            return max(waits) if waits else None

    def record_failure(self, username: str, address: str) -> None:
        name = _account_key(username)
        with self._lock:
            now = self.clock.now()
            self._pairs.add((name, address), now)
            self._addresses.add(address, now)
            self._accounts.add(name, now)

    def record_success(self, username: str, address: str) -> None:
        """The pair's failures are forgotten and the address becomes known-good for the
        account; the account's and the address's other failures still count."""
        name = _account_key(username)
        with self._lock:
            now = self.clock.now()
            self._pairs.forget((name, address))
            self._known_good[(name, address)] = now
            self._known_good.move_to_end((name, address))
            while self._known_good:
                oldest_key, seen = next(iter(self._known_good.items()))
                stale = seen <= now - self.policy.known_good_seconds
                if not stale and len(self._known_good) <= self.policy.max_keys:
                    break
                del self._known_good[oldest_key]

    def tracked_keys(self) -> int:
        """How many keys the tables hold in all (for tests of the memory bound)."""
        with self._lock:
            tables = len(self._pairs) + len(self._addresses) + len(self._accounts)
            return tables + len(self._known_good)

    def _is_known_good(self, name: str, address: str, now: float) -> bool:
        seen = self._known_good.get((name, address))
        return seen is not None and seen > now - self.policy.known_good_seconds


def _account_key(username: str) -> str:
    return username.strip().lower()[:MAX_USERNAME_KEY]
