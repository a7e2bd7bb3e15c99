"""FSRS memory state (stability, difficulty) and intervals, computed by fsrs-rs, Anki's own engine
(``fsrs_rs_python``), so that the same parameters and history give Anki's numbers.

Anki stores the state in ``cards.data`` as ``s`` (stability, 4 decimals), ``d`` (difficulty,
3 decimals), ``dr`` (desired retention) and ``decay``; we write the same keys so real Anki with
FSRS on reads our cards as its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import fsrs_rs_python as fsrs_rs

from javumbo.collection.scheduler.fsrs_items import RevlogEntry, reviews_for_fsrs
from javumbo.collection.scheduler.fuzz import f32, round_half_away

FSRS6_PARAM_COUNT = 21
# Anki's get_decay_from_params: FSRS-6 default decay when untrained, FSRS-5's fixed 0.5 for
# 17 or 19 parameters, else the last parameter.
FSRS6_DEFAULT_DECAY = 0.1542
FSRS5_DEFAULT_DECAY = 0.5


@dataclass(frozen=True)
class MemoryState:
    stability: float
    difficulty: float


@dataclass(frozen=True)
class FsrsChoice:
    memory: MemoryState
    interval: float  # days, unrounded (Anki rounds and fuzzes it later)


@dataclass(frozen=True)
class FsrsNextStates:
    again: FsrsChoice
    hard: FsrsChoice
    good: FsrsChoice
    easy: FsrsChoice


def valid_parameters(params: Sequence[float]) -> bool:
    """Whether fsrs-rs accepts the list (empty = defaults, or 17, 19 or 21 numbers in range)."""
    try:
        fsrs_rs.FSRS(list(params))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=32)
def model(params: tuple[float, ...]) -> fsrs_rs.FSRS:
    """fsrs-rs for a preset's parameters; FSRS's defaults when the list is not usable."""
    if params and valid_parameters(params):
        return fsrs_rs.FSRS(list(params))
    return fsrs_rs.FSRS([])


def decay_of(params: tuple[float, ...]) -> float:
    if not params:
        return FSRS6_DEFAULT_DECAY
    if len(params) < FSRS6_PARAM_COUNT:
        return FSRS5_DEFAULT_DECAY
    return float(params[20])


def _memory(state: fsrs_rs.MemoryState) -> MemoryState:
    return MemoryState(stability=float(state.stability), difficulty=float(state.difficulty))


def next_states(
    params: tuple[float, ...],
    desired_retention: float,
    memory: MemoryState | None,
    days_elapsed: int,
) -> FsrsNextStates:
    """The memory state and interval after each of the four ratings."""
    current = (
        fsrs_rs.MemoryState(memory.stability, memory.difficulty) if memory is not None else None
    )
    states = model(params).next_states(current, desired_retention, max(days_elapsed, 0))
    choices = [
        FsrsChoice(_memory(s.memory), float(s.interval))
        for s in (states.again, states.hard, states.good, states.easy)
    ]
    return FsrsNextStates(*choices)


def next_interval(params: tuple[float, ...], stability: float, desired_retention: float) -> float:
    """The unrounded interval (days) for a stability at a desired retention."""
    return float(model(params).next_interval(stability, desired_retention, 0))


@dataclass(frozen=True)
class CardHistory:
    """What Anki reads of a card to give it a memory state without a stored one."""

    revlog: list[RevlogEntry]  # the card's entries, oldest first
    is_new: bool
    interval: int
    ease_factor: int  # permille, cards.factor


def memory_for_card(
    params: tuple[float, ...],
    card: CardHistory,
    next_day_at: int,
    historical_retention: float,
    ignore_before_ms: int,
    *,
    sm2_fallback: bool = True,
) -> MemoryState | None:
    """Anki's ``fsrs_item_for_memory_state`` + ``Card::set_memory_state``: replay the review
    history (from an SM-2 starting state when it lacks its learning answers); with no usable
    history, the SM-2 interval and ease give the state (when answering; a preset change leaves
    such cards without one)."""
    fsrs = model(params)
    reviews = reviews_for_fsrs(card.revlog, next_day_at, False, ignore_before_ms)
    if reviews is not None:
        item = reviews.items[-1][1]
        if reviews.complete:
            return _memory(fsrs.memory_state(item, None))
        if reviews.entries:
            first = reviews.entries[0]
            ease = (first.ease_factor or 2500) / 1000.0
            interval = float(max(first.interval, 1))
            start = fsrs.memory_state_from_sm2(ease, interval, historical_retention)
            if ease <= 1.1:  # a factor written under FSRS is difficulty, not ease
                start = fsrs_rs.MemoryState(start.stability, (ease - 0.1) * 9.0 + 1.0)
            rest = list(item.reviews)[1:]
            if not rest:
                return _memory(start)
            return _memory(fsrs.memory_state(fsrs_rs.FSRSItem(rest), start))
    if not sm2_fallback or card.is_new or card.interval == 0:
        return None
    ease = card.ease_factor / 1000.0
    return _memory(fsrs.memory_state_from_sm2(ease, float(card.interval), historical_retention))


def revlog_factor(memory: MemoryState) -> int:
    """What Anki writes to ``revlog.factor`` under FSRS: difficulty mapped to 100..1100."""
    return round_half_away(((memory.difficulty - 1.0) / 9.0 + 0.1) * 1000)


def stored_float(value: float, places: int) -> float:
    """A number as Anki writes it to ``cards.data``: rounded in single precision, then the
    shortest decimal that reads back as the same single-precision number."""
    factor = f32(10.0**places)
    rounded = f32(round_half_away(f32(f32(value) * factor)) / factor)
    for digits in range(10):
        short = round(rounded, digits)
        if f32(short) == rounded:
            return short
    return rounded
