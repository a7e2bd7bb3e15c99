"""FSRS memory state (stability, difficulty) and intervals, computed with the ``fsrs`` package.

Anki stores the state in ``cards.data`` as ``s`` (stability, 4 decimals), ``d`` (difficulty,
3 decimals), ``dr`` (desired retention) and ``decay``; we write the same keys so real Anki with
FSRS on reads our cards as its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import fsrs

from javumbo.collection.scheduler.fuzz import round_half_away

FSRS6_PARAM_COUNT = 21
# Parameters of older FSRS versions, widened to FSRS-6: no short-term weight, decay 0.5.
_FSRS5_TAIL = (0.0, 0.5)
_FSRS4_TAIL = (0.0, 0.0, 0.0, 0.5)
_MAX_STABILITY = 36500.0


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


def full_parameters(params: tuple[float, ...]) -> tuple[float, ...]:
    """FSRS-6 parameters from a preset's list (defaults when it is empty or malformed)."""
    if len(params) == FSRS6_PARAM_COUNT:
        return params
    if len(params) == 19:
        return params + _FSRS5_TAIL
    if len(params) == 17:
        return params + _FSRS4_TAIL
    return tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


@lru_cache(maxsize=32)
def _model(params: tuple[float, ...], desired_retention: float) -> fsrs.Scheduler:
    try:
        return fsrs.Scheduler(
            parameters=params, desired_retention=desired_retention, enable_fuzzing=False
        )
    except ValueError:
        return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def decay_of(params: tuple[float, ...]) -> float:
    return full_parameters(params)[20]


def _interval(model: fsrs.Scheduler, stability: float, desired_retention: float) -> float:
    decay = -model.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float(stability / factor * (desired_retention ** (1 / decay) - 1))


def _retrievability(model: fsrs.Scheduler, stability: float, days: int) -> float:
    decay = -model.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * days / stability) ** decay)


def next_states(
    params: tuple[float, ...],
    desired_retention: float,
    memory: MemoryState | None,
    days_elapsed: int,
) -> FsrsNextStates:
    """The memory state and interval after each of the four ratings."""
    full = full_parameters(params)
    model = _model(full, desired_retention)
    choices = []
    for rating in (fsrs.Rating.Again, fsrs.Rating.Hard, fsrs.Rating.Good, fsrs.Rating.Easy):
        if memory is None:
            stability = model._initial_stability(rating=rating)
            difficulty = model._initial_difficulty(rating=rating, clamp=True)
        else:
            if days_elapsed <= 0:
                stability = model._short_term_stability(stability=memory.stability, rating=rating)
            else:
                stability = model._next_stability(
                    difficulty=memory.difficulty,
                    stability=memory.stability,
                    retrievability=_retrievability(model, memory.stability, days_elapsed),
                    rating=rating,
                )
            difficulty = model._next_difficulty(difficulty=memory.difficulty, rating=rating)
        stability = min(max(float(stability), 0.001), _MAX_STABILITY)
        state = MemoryState(stability=stability, difficulty=float(difficulty))
        choices.append(FsrsChoice(state, _interval(model, stability, desired_retention)))
    return FsrsNextStates(*choices)


def memory_from_history(
    params: tuple[float, ...], ratings_and_days: list[tuple[int, int]]
) -> MemoryState | None:
    """Replay a card's answers (rating, days since the previous answer) from its first one, for
    cards that reached an FSRS preset without a stored memory state."""
    memory: MemoryState | None = None
    for rating, days in ratings_and_days:
        states = next_states(params, 0.9, memory, days)
        memory = (states.again, states.hard, states.good, states.easy)[rating - 1].memory
    return memory


def revlog_factor(memory: MemoryState) -> int:
    """What Anki writes to ``revlog.factor`` under FSRS: difficulty mapped to 100..1100."""
    return round_half_away(((memory.difficulty - 1.0) / 9.0 + 0.1) * 1000)
