"""Reading a card row into a scheduling state, and writing a chosen state back onto the row
(``rslib/src/scheduler/answering/{current,learning,review,relearning}.rs``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from javumbo.collection.cards import (
    CARD_TYPE_LEARN,
    CARD_TYPE_NEW,
    CARD_TYPE_RELEARN,
    CARD_TYPE_REVIEW,
    QUEUE_DAY_LEARN,
    QUEUE_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
    QUEUE_SUSPENDED,
    Card,
)
from javumbo.collection.scheduler.fsrs_memory import MemoryState, stored_float
from javumbo.collection.scheduler.fuzz import learning_fuzz_secs, round_half_away
from javumbo.collection.scheduler.options import LEECH_SUSPEND, SchedulingOptions
from javumbo.collection.scheduler.states import (
    CardState,
    Interval,
    LearnState,
    NewState,
    RelearnState,
    ReviewState,
    Steps,
)

_DATA_KEY_ORDER = ("pos", "s", "d", "dr", "decay", "lrt")
_FSRS_KEYS = ("s", "d", "dr", "decay")


def parse_card_data(text: str) -> dict[str, Any]:
    """``cards.data`` as a dict; Anki treats unreadable data as empty, and so do we."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def memory_of(data: dict[str, Any]) -> MemoryState | None:
    s, d = data.get("s"), data.get("d")
    if isinstance(s, int | float) and isinstance(d, int | float) and s > 0:
        return MemoryState(float(s), float(d))
    return None


def current_state(
    card: Card, data: dict[str, Any], options: SchedulingOptions, today: int
) -> CardState:
    """The state a card is in now; a review overdue from the past counts from today."""
    memory = memory_of(data)
    remaining = card.left % 1000
    if card.type == CARD_TYPE_NEW:
        return NewState(max(card.odue if card.odid and card.odue else card.due, 0))
    if card.type == CARD_TYPE_LEARN:
        steps = Steps(options.learn_steps)
        return LearnState(remaining, steps.current_delay(remaining), memory)
    ease = card.factor / 1000.0
    if card.type == CARD_TYPE_REVIEW:
        due = card.odue if card.odid and card.odue else card.due
        if not card.odid:
            due = min(due, today)
        elapsed = max(card.ivl - (due - today), 0)
        return ReviewState(card.ivl, elapsed, ease, card.lapses, memory=memory)
    relearn = Steps(options.relearn_steps)
    return RelearnState(
        LearnState(remaining, relearn.current_delay(remaining), memory),
        ReviewState(card.ivl, card.ivl, ease, card.lapses, memory=memory),
    )


@dataclass(frozen=True)
class Moment:
    """When an answer happens: epoch seconds, today's day number, seconds to the rollover."""

    now: int
    today: int
    secs_until_rollover: int


def apply_state(
    card: Card,
    current: CardState,
    chosen: CardState,
    options: SchedulingOptions,
    moment: Moment,
    seed: int | None,
) -> None:
    """Write ``chosen`` onto ``card`` (in place), as Anki's ``apply_*_state`` do."""
    card.reps += 1
    if card.odid and isinstance(chosen, ReviewState):
        card.did, card.odid = card.odid, 0
    card.odue = 0
    if isinstance(chosen, LearnState):
        card.left = chosen.remaining_steps
        card.type = CARD_TYPE_LEARN
        _schedule_learning(card, chosen.interval, moment, seed)
    elif isinstance(chosen, ReviewState):
        card.queue = QUEUE_REVIEW
        card.type = CARD_TYPE_REVIEW
        card.ivl = chosen.scheduled_days
        card.due = moment.today + chosen.scheduled_days
        card.factor = round_half_away(chosen.ease_factor * 1000)
        card.lapses = chosen.lapses
        card.left = 0
    elif isinstance(chosen, RelearnState):
        card.ivl = chosen.review.scheduled_days
        card.left = chosen.learning.remaining_steps
        card.type = CARD_TYPE_RELEARN
        card.factor = round_half_away(chosen.review.ease_factor * 1000)
        card.lapses = chosen.review.lapses
        _schedule_learning(card, chosen.interval, moment, seed)
    else:
        card.type = CARD_TYPE_NEW
        card.queue = QUEUE_NEW
        card.due = chosen.position
    if chosen.leeched and options.leech_action == LEECH_SUSPEND:
        card.queue = QUEUE_SUSPENDED


def _schedule_learning(card: Card, interval: Interval, moment: Moment, seed: int | None) -> None:
    step = interval.as_days_if_past_rollover(moment.secs_until_rollover)
    if step.in_days:
        card.queue = QUEUE_DAY_LEARN
        card.due = moment.today + step.amount
    else:
        card.queue = QUEUE_LEARN
        fuzzed = step.amount if seed is None else learning_fuzz_secs(seed, step.amount)
        card.due = moment.now + fuzzed


def updated_card_data(
    data: dict[str, Any],
    current: CardState,
    chosen: CardState,
    answered_at: int,
    fsrs: tuple[float, float] | None,
) -> str:
    """The new ``cards.data``: original position kept, last review time set, FSRS memory state
    written when FSRS is on (``fsrs`` = desired retention, decay) and dropped when it is off.
    Unknown keys survive."""
    merged = dict(data)
    if isinstance(current, NewState):
        merged["pos"] = current.position
    memory = chosen.memory
    for key in _FSRS_KEYS:
        merged.pop(key, None)
    if fsrs is not None and memory is not None:
        merged["s"] = stored_float(memory.stability, 4)
        merged["d"] = stored_float(memory.difficulty, 3)
        merged["dr"] = stored_float(fsrs[0], 2)
        merged["decay"] = stored_float(fsrs[1], 3)
    merged["lrt"] = answered_at
    ordered = {k: merged[k] for k in _DATA_KEY_ORDER if k in merged}
    ordered.update((k, v) for k, v in merged.items() if k not in ordered)
    return json.dumps(ordered, separators=(",", ":"))
