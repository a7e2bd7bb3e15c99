"""Anki's load balancer and easy days (``rslib/src/scheduler/states/load_balancer.rs``).

When the collection's load balancer is on (Anki's default), a review interval is not picked
uniformly from the fuzz range: each day of the range gets a weight from the number of cards
already due that day in the same preset, from the interval itself (earlier days a little
favoured), from the preset's easy days (Monday..Sunday percentages: a day at 0% is almost
never chosen, a reduced day only while it holds fewer than its share of the range's cards)
and, when the preset buries review siblings, from sibling cards due nearby. One draw of the
card's fuzz generator then picks a day by weight, so the choice is Anki's own for the same
collection. Intervals past 90 days (or a minimum past 90) keep the plain fuzz.

Anki counts "due" as every card of a normal deck whose ``due`` number falls within the next
99 days, whatever its queue (new cards' positions included), and looks at the weekday in the
device's local time; the collection's ``localOffset`` stands for it here.
"""

from __future__ import annotations

import math
import sqlite3
import weakref
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.scheduler.fuzz import (
    constrained_fuzz_bounds,
    f32,
    first_random_u32,
    saturating_int,
)

ENABLED_KEY = "loadBalancerEnabled"
MAX_LOAD_BALANCE_INTERVAL = 90
LOAD_BALANCE_DAYS = 99  # int(f32(90 * 1.1))
_EASY_DAY_MINIMUM = 0.0001
_EASY_DAY_REDUCED = 0.5
_EASY_DAY_NORMAL = 1.0
_SIBLING_MODIFIERS = tuple(
    zip(
        range(-5, 6),
        (1.0, 0.8, 0.6, 0.4, 0.2, 0.000001, 0.2, 0.4, 0.6, 0.8, 1.0),
        strict=True,
    )
)
_CARD_COUNT_EXPONENT = f32(2.15)
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday; Monday is 0


def easy_day_loads(percentages: Any) -> tuple[float, ...]:
    """Monday..Sunday load modifiers of a preset's ``easyDaysPercentages``: 1.0 a normal day,
    0.0 a day off (almost no cards), anything else a reduced day (half a normal day's share)."""
    if not isinstance(percentages, list) or len(percentages) != 7:
        return (_EASY_DAY_NORMAL,) * 7
    loads = []
    for value in percentages:
        share = f32(float(value)) if isinstance(value, int | float) else 1.0
        if share == 1.0:
            loads.append(_EASY_DAY_NORMAL)
        elif share == 0.0:
            loads.append(_EASY_DAY_MINIMUM)
        else:
            loads.append(_EASY_DAY_REDUCED)
    return tuple(loads)


def easy_days_modifiers(
    loads: Sequence[float], weekdays: Sequence[int], review_counts: Sequence[int]
) -> list[float]:
    """Anki's ``calculate_easy_days_modifiers``: per day of the range, 1.0 if cards may go
    there, a near-zero weight if not; a reduced day is closed once it holds more than half
    the average load of the other days."""
    total_reviews = sum(review_counts)
    total_percents = 0.0
    for weekday in weekdays:
        total_percents = f32(total_percents + loads[weekday])
    modifiers = []
    for weekday, count in zip(weekdays, review_counts, strict=True):
        load = loads[weekday]
        if load == _EASY_DAY_REDUCED:
            other_reviews = f32(float(total_reviews - count))
            other_percents = f32(total_percents - _EASY_DAY_REDUCED)
            normalized = f32(count / _EASY_DAY_REDUCED)
            threshold = f32(other_reviews / other_percents) if other_percents else math.inf
            load = _EASY_DAY_MINIMUM if normalized > threshold else _EASY_DAY_NORMAL
        modifiers.append(load)
    return modifiers


def _powi3(value: float) -> float:
    return f32(f32(value * value) * value)


def day_weight(target_interval: int, review_count: int, sibling: float, easy_day: float) -> float:
    """Anki's weight of one day: 1.0 for an empty day, else (1/cards)^2.15 * (1/days)^3, times
    the sibling and easy day modifiers (in single precision, as Anki computes it)."""
    if review_count == 0:
        return 1.0
    count_weight = f32(math.pow(f32(1.0 / review_count), _CARD_COUNT_EXPONENT))
    interval_weight = _powi3(f32(1.0 / target_interval))
    return f32(f32(f32(count_weight * interval_weight) * sibling) * easy_day)


def pick_weighted(candidates: Sequence[tuple[int, float]], seed: int) -> int:
    """``WeightedIndex::sample`` with ``StdRng::seed_from_u64(seed)``: one uniform f32 draw in
    [0, total weight) against the cumulative weights."""
    cumulative: list[float] = []
    total = candidates[0][1]
    for _, weight in candidates[1:]:
        cumulative.append(total)
        total = f32(total + weight)
    chosen = f32(((first_random_u32(seed) >> 9) / float(1 << 23)) * total)
    return candidates[bisect_right(cumulative, chosen)][0]


def weekday_of(interval: int, next_day_at: int, minutes_west: int) -> int:
    """Monday=0 weekday of the day ``interval`` days from today, in the user's local time."""
    local = next_day_at + (interval - 1) * 86_400 - minutes_west * 60
    return (local // 86_400 + _EPOCH_WEEKDAY) % 7


@dataclass
class LoadBalancer:
    """Cards due on each of the next 99 days, per preset, with the presets' easy days."""

    days_by_preset: dict[int, list[list[tuple[int, int]]]]
    easy_days_by_preset: dict[int, tuple[float, ...]]
    next_day_at: int
    minutes_west: int

    def find_interval(
        self,
        interval: float,
        minimum: int,
        maximum: int,
        preset_id: int,
        seed: int | None,
        note_id: int | None,
    ) -> int | None:
        """The balanced interval in days, or None where Anki falls back to the plain fuzz."""
        if max(saturating_int(interval), minimum) > MAX_LOAD_BALANCE_INTERVAL:
            return None
        before, after = constrained_fuzz_bounds(interval, minimum, maximum)
        days = self.days_by_preset.get(preset_id)
        if days is None or seed is None:
            return None
        targets = range(before, after + 1)
        counts = [len(days[day]) for day in targets]
        weekdays = [weekday_of(day, self.next_day_at, self.minutes_west) for day in targets]
        loads = self.easy_days_by_preset.get(preset_id, (_EASY_DAY_NORMAL,) * 7)
        easy = easy_days_modifiers(loads, weekdays, counts)
        siblings = self._sibling_modifiers(before, after, note_id)
        candidates = [
            (day, day_weight(day, count, sibling, easy_day))
            for day, count, sibling, easy_day in zip(targets, counts, siblings, easy, strict=True)
        ]
        return pick_weighted(candidates, seed)

    def _sibling_modifiers(self, before: int, after: int, note_id: int | None) -> list[float]:
        modifiers = [1.0] * (after - before + 1)
        if note_id is None:
            return modifiers
        sibling_days = {
            index
            for days in self.days_by_preset.values()
            for index, cards in enumerate(days)
            if any(nid == note_id for _, nid in cards)
        }
        for sibling_day in sorted(sibling_days):
            for step, value in _SIBLING_MODIFIERS:
                target = sibling_day + step - before
                if 0 <= target < len(modifiers):
                    modifiers[target] = f32(modifiers[target] * value)
        return modifiers


def _data_version(db: sqlite3.Connection) -> int:
    return int(db.execute("pragma data_version").fetchone()[0])


_cached: weakref.WeakKeyDictionary[Collection, tuple[tuple[Any, ...], LoadBalancer]] = (
    weakref.WeakKeyDictionary()
)


def _cache_key(col: Collection) -> tuple[Any, ...]:
    """What the cached balancer must have been built on: any write, a day's rollover, the
    decks, presets and settings (each replaced as a whole when saved)."""
    timing = col.sched_timing()
    return (
        timing.days_elapsed,
        timing.next_day_at,
        col.db.total_changes,
        _data_version(col.db),
        id(col.decks),
        id(col.dconf),
        id(col.conf),
    )


def load_balancer(col: Collection) -> LoadBalancer | None:
    """The collection's load balancer as of now (None when switched off), rebuilt only when
    the collection changed since the last one (an answer keeps it: ``follow_answer``)."""
    if not col.conf.get(ENABLED_KEY, True):
        return None
    key = _cache_key(col)
    cached = _cached.get(col)
    if cached is not None and cached[0] == key:
        return cached[1]
    balancer = build_load_balancer(col, key[0], key[1])
    _cached[col] = (key, balancer)
    return balancer


def follow_answer(
    col: Collection,
    balancer: LoadBalancer,
    card: tuple[int, int],
    before: tuple[int, int],
    after: tuple[int, int],
) -> None:
    """Keep the cached balancer across an answer instead of reading its window again (the
    cost of which grows with the collection): once the answer commits, the card (id, note id)
    moves from its (deck, due) ``before`` to ``after`` and the cache takes the committed state
    as its key. An answer changes nothing else the balancer reads: siblings and leeches are
    buried or suspended in place. Anything else, or an answer on another balancer, rebuilds."""
    cached = _cached.get(col)
    if cached is None or cached[1] is not balancer:
        return
    built_on = cached[0]

    def keep() -> None:
        try:
            move()
        except sqlite3.Error:  # a cache never fails the committed answer: read again next time
            _cached.pop(col, None)

    def move() -> None:
        if _cached.get(col, (None, None))[1] is not balancer:
            return
        key = _cache_key(col)
        if key[:2] != built_on[:2]:  # a new day: the days are counted from another today
            _cached.pop(col, None)
            return
        today = int(key[0])
        preset_of = _preset_of_deck(col)
        for (deck_id, due), add in ((before, False), (after, True)):
            preset = preset_of.get(deck_id)
            if preset is None or not today <= due < today + LOAD_BALANCE_DAYS:
                continue
            day = balancer.days_by_preset.setdefault(
                preset, [[] for _ in range(LOAD_BALANCE_DAYS)]
            )[due - today]
            if add:
                day.append(card)
            elif card in day:
                day.remove(card)
        _cached[col] = (key, balancer)

    col.on_commit(keep)


# every queue value Anki writes: buried (user, scheduler), suspended, new, learning, review,
# interday learning, preview
ALL_QUEUES = (-3, -2, -1, 0, 1, 2, 3, 4)


def _preset_of_deck(col: Collection) -> dict[int, int]:
    return {
        int(deck["id"]): deck_preset_id(col, deck)
        for deck in col.decks.values()
        if not deck.get("dyn")
    }


def build_load_balancer(col: Collection, today: int, next_day_at: int) -> LoadBalancer:
    preset_of = _preset_of_deck(col)
    days_by_preset: dict[int, list[list[tuple[int, int]]]] = defaultdict(
        lambda: [[] for _ in range(LOAD_BALANCE_DAYS)]
    )
    # Anki's rows (every card whose due falls in the window, whatever its queue), read through
    # ix_cards_sched (deck, queue, due) rather than the whole table: cards of filtered decks
    # and of unknown decks count for no preset, and every queue Anki writes is named.
    dids = ", ".join(str(did) for did in sorted(preset_of))
    queues = ", ".join(str(queue) for queue in ALL_QUEUES)
    rows: Iterable[tuple[int, int, int, int]] = col.db.execute(
        f"select id, nid, did, due from cards where did in ({dids}) and queue in ({queues})"
        " and due >= ? and due < ?",
        (today, today + LOAD_BALANCE_DAYS),
    )
    for card_id, note_id, deck_id, due in rows:
        preset = preset_of.get(int(deck_id))
        if preset is not None:
            days_by_preset[preset][int(due) - today].append((int(card_id), int(note_id)))
    easy_days = {
        int(preset_id): easy_day_loads(preset.get("easyDaysPercentages"))
        for preset_id, preset in col.dconf.items()
    }
    minutes_west = col.conf_int("localOffset", col.conf_int("creationOffset", 0))
    return LoadBalancer(
        dict(days_by_preset),
        easy_days,
        next_day_at,
        int(minutes_west) if isinstance(minutes_west, int) else 0,
    )


@dataclass(frozen=True)
class BalanceContext:
    """What one card's answer needs of the load balancer (Anki's ``LoadBalancerContext``)."""

    balancer: LoadBalancer
    preset_id: int
    note_id: int | None
    seed: int | None

    def find_interval(self, interval: float, minimum: int, maximum: int) -> int | None:
        return self.balancer.find_interval(
            interval, minimum, maximum, self.preset_id, self.seed, self.note_id
        )


def balance_context(
    col: Collection, home_deck_id: int, note_id: int, bury_reviews: bool, seed: int | None
) -> BalanceContext | None:
    """The card's load balancing, by its home deck's preset; siblings are kept apart only
    when that preset buries review siblings."""
    balancer = load_balancer(col)
    deck = col.decks.get(str(home_deck_id))
    if balancer is None or deck is None or deck.get("dyn"):
        return None
    preset_id = deck_preset_id(col, deck)
    return BalanceContext(balancer, preset_id, note_id if bury_reviews else None, seed)
