"""Where "reschedule cards on change" puts a card when the load balancer is on (Anki's default):
Anki's ``Rescheduler`` (rslib ``scheduler/fsrs/rescheduler.rs``).

Within the card's fuzz range (never before today, nothing for a card already past its range),
each day gets the load balancer's weight from the review cards already due that day in the
card's preset (today: those due or overdue plus those studied today), the interval and the
preset's easy days; the card's fuzz seed then draws a day. Each rescheduled card moves its
count to its new day, so the next card sees it.
"""

from __future__ import annotations

from collections import defaultdict

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.scheduler.fuzz import constrained_fuzz_bounds
from javumbo.collection.scheduler.load_balancer import (
    ENABLED_KEY,
    day_weight,
    easy_day_loads,
    easy_days_modifiers,
    pick_weighted,
    weekday_of,
)

DAY_SECS = 86_400

_DUE_BY_DECK = """
select case when odid = 0 then did else odid end, case when odid = 0 then due else odue end,
  count()
from cards where type = 2 and queue != -1
group by 1, 2
"""
_STUDIED_TODAY_BY_DECK = """
select case when c.odid = 0 then c.did else c.odid end, count(distinct r.cid)
from revlog r join cards c on r.cid = c.id
where r.id > ? and r.ease > 0 and (r.type < 3 or r.factor != 0)
group by 1
"""


class Rescheduler:
    """Review cards due per day and preset, as Anki counts them when rescheduling starts."""

    def __init__(self, col: Collection) -> None:
        timing = col.sched_timing()
        self.today = timing.days_elapsed
        self.next_day_at = timing.next_day_at
        preset_of = {
            int(did): deck_preset_id(col, deck)
            for did, deck in col.decks.items()
            if not deck.get("dyn")
        }
        self.due: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for did, due, count in col.db.execute(_DUE_BY_DECK).fetchall():
            preset = preset_of.get(int(did))
            if preset is not None:
                self.due[preset][int(due)] += int(count)
        self.due_today = {
            preset: sum(n for due, n in days.items() if due <= self.today)
            for preset, days in self.due.items()
        }
        self.studied_today: dict[int, int] = defaultdict(int)
        start_ms = (self.next_day_at - DAY_SECS) * 1000
        for did, count in col.db.execute(_STUDIED_TODAY_BY_DECK, (start_ms,)).fetchall():
            preset = preset_of.get(int(did))
            if preset is not None:
                self.studied_today[preset] += int(count)
        self.easy_days = {
            int(pid): easy_day_loads(conf.get("easyDaysPercentages"))
            for pid, conf in col.dconf.items()
        }
        self.minutes_west = col.conf_int("localOffset", col.conf_int("creationOffset", 0))

    @classmethod
    def for_collection(cls, col: Collection) -> Rescheduler | None:
        """Anki reschedules through the load balancer only while it is switched on."""
        return cls(col) if col.conf.get(ENABLED_KEY, True) else None

    def moved(self, due_before: int, due_after: int, preset_id: int) -> None:
        """Anki's ``update_due_cnt_per_day``."""
        days = self.due.get(preset_id)
        if days is not None:
            if due_before in days:
                days[due_before] -= 1
            days[due_after] += 1
        if due_before <= self.today < due_after and preset_id in self.due_today:
            self.due_today[preset_id] -= 1
        if due_before > self.today >= due_after:
            self.due_today[preset_id] = self.due_today.get(preset_id, 0) + 1

    def find_interval(
        self,
        interval: float,
        minimum: int,
        maximum: int,
        days_elapsed: int,
        preset_id: int,
        seed: int,
    ) -> int | None:
        """The new interval, or None where Anki falls back to the plain fuzz."""
        before, after = constrained_fuzz_bounds(interval, minimum, maximum)
        if after < days_elapsed:  # overdue past its range: not moved by the balancer
            return None
        before = max(before, days_elapsed)
        loads = self.easy_days.get(preset_id)
        if loads is None:
            return None
        days = self.due.get(preset_id, {})
        targets = range(before, after + 1)
        counts = [
            days.get(self.today + ivl - days_elapsed, 0)
            if ivl > days_elapsed
            else self.due_today.get(preset_id, 0) + self.studied_today.get(preset_id, 0)
            for ivl in targets
        ]
        weekdays = [
            weekday_of(ivl - days_elapsed, self.next_day_at, self.minutes_west) for ivl in targets
        ]
        easy = easy_days_modifiers(loads, weekdays, counts)
        candidates = [
            (ivl, day_weight(ivl, count, 1.0, easy_day))
            for ivl, count, easy_day in zip(targets, counts, easy, strict=True)
        ]
        if sum(weight for _, weight in candidates) <= 0:
            return None
        return pick_weighted(candidates, seed)
