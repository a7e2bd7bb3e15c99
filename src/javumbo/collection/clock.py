"""Time as Anki counts it: ms ids, epoch seconds, and day numbers with a rollover hour.

Every timestamp the collection writes comes from a ``Clock`` so that tests (and journal replay)
are deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch, as a float."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FixedClock:
    """A clock that only moves when told to; for tests and benchmarks."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = float(when)


@dataclass(frozen=True)
class SchedTiming:
    days_elapsed: int
    next_day_at: int  # epoch seconds of the next rollover


def _offset(minutes_west: int) -> timezone:
    return timezone(timedelta(minutes=-minutes_west))


def sched_timing_today(
    created_secs: int,
    created_mins_west: int,
    now_secs: int,
    now_mins_west: int,
    rollover_hour: int,
) -> SchedTiming:
    """Anki's v2/v3 day count: calendar days between creation and now in local time.

    A day that has not yet reached the rollover hour still belongs to the previous one.
    """
    created = datetime.fromtimestamp(created_secs, _offset(created_mins_west))
    now = datetime.fromtimestamp(now_secs, _offset(now_mins_west))
    rollover_today = now.replace(hour=rollover_hour % 24, minute=0, second=0, microsecond=0)
    rollover_passed = rollover_today <= now
    next_day = rollover_today + timedelta(days=1) if rollover_passed else rollover_today
    days = (now.date() - created.date()).days
    if not rollover_passed:
        days -= 1
    return SchedTiming(days_elapsed=max(days, 0), next_day_at=int(next_day.timestamp()))


def day_start(now_secs: int, mins_west: int, rollover_hour: int) -> int:
    """Epoch seconds of the start of the scheduling day containing ``now_secs``."""
    local = datetime.fromtimestamp(now_secs, _offset(mins_west))
    start = local.replace(hour=rollover_hour % 24, minute=0, second=0, microsecond=0)
    if start > local:
        start -= timedelta(days=1)
    return int(start.timestamp())
