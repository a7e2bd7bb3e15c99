"""Card states and their transitions: Anki's v3 scheduler (``rslib/src/scheduler/states``).

A card's row is read into a state (new, learning, review, relearning); ``next_states`` gives the
state each of the four buttons leads to. Nothing here touches the database, so the same code
serves the interval labels shown before answering and the answer itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from javumbo.collection.scheduler.fsrs_memory import FsrsNextStates, MemoryState
from javumbo.collection.scheduler.fuzz import (
    constrained_fuzz_bounds,
    f32,
    round_half_away,
    with_review_fuzz,
)
from javumbo.collection.scheduler.load_balancer import BalanceContext
from javumbo.collection.scheduler.options import SchedulingOptions

DAY_SECS = 86_400
MINIMUM_EASE = 1.3
EASE_AGAIN_DELTA = -0.2
EASE_HARD_DELTA = -0.15
EASE_EASY_DELTA = 0.15

REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN, REVLOG_FILTERED = 0, 1, 2, 3


# ----------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """Seconds (intraday) or days; learning steps that pass the rollover become days."""

    amount: int
    in_days: bool

    def as_days_if_past_rollover(self, secs_until_rollover: int) -> Interval:
        if not self.in_days and self.amount >= secs_until_rollover:
            return Interval((self.amount - secs_until_rollover) // DAY_SECS + 1, True)
        return self

    def seconds(self) -> int:
        return self.amount * DAY_SECS if self.in_days else self.amount

    def revlog_value(self) -> int:
        """Days positive, seconds negative, as ``revlog.ivl``/``lastIvl`` store them."""
        return self.amount if self.in_days else -self.amount


# ----------------------------------------------------------------- learning steps


class Steps:
    """Learning or relearning steps (minutes); ``remaining`` counts steps left, Anki's ``left``."""

    def __init__(self, minutes: tuple[float, ...]) -> None:
        self.secs = [int(f32(m * 60.0)) for m in minutes]

    def __len__(self) -> int:
        return len(self.secs)

    def _index(self, remaining: int) -> int:
        total = len(self.secs)
        return min(max(total - remaining % 1000, 0), max(total - 1, 0))

    def _at(self, index: int) -> int | None:
        return self.secs[index] if 0 <= index < len(self.secs) else None

    def again_delay(self) -> int | None:
        return self._at(0)

    def hard_delay(self, remaining: int) -> int | None:
        index = self._index(remaining)
        current = self._at(index)
        if current is None:
            current = self._at(0)
        if current is None:
            return None
        if index != 0:
            return current
        following = self._at(1)
        if following is not None:
            return _round_in_days((current + following) // 2)
        return _round_in_days(min(current * 3 // 2, current + DAY_SECS))

    def good_delay(self, remaining: int) -> int | None:
        return self._at(self._index(remaining) + 1)

    def current_delay(self, remaining: int) -> int:
        return self._at(self._index(remaining)) or 0

    def remaining_for_good(self, remaining: int) -> int:
        return max(len(self.secs) - (self._index(remaining) + 1), 0)

    def remaining_for_failed(self) -> int:
        return len(self.secs)


def _round_in_days(secs: int) -> int:
    if secs > DAY_SECS:
        return round_half_away(f32(secs / DAY_SECS)) * DAY_SECS
    return secs


# ----------------------------------------------------------------- states


@dataclass(frozen=True)
class NewState:
    position: int

    @property
    def interval(self) -> Interval:
        return Interval(0, False)

    revlog_kind = REVLOG_LEARN
    leeched = False
    memory: MemoryState | None = None


@dataclass(frozen=True)
class LearnState:
    remaining_steps: int
    scheduled_secs: int
    memory: MemoryState | None = None

    @property
    def interval(self) -> Interval:
        return Interval(self.scheduled_secs, False)

    revlog_kind = REVLOG_LEARN
    leeched = False


@dataclass(frozen=True)
class ReviewState:
    scheduled_days: int
    elapsed_days: int
    ease_factor: float
    lapses: int = 0
    leeched: bool = False
    memory: MemoryState | None = None

    @property
    def interval(self) -> Interval:
        return Interval(self.scheduled_days, True)

    @property
    def days_late(self) -> int:
        return self.elapsed_days - self.scheduled_days

    @property
    def revlog_kind(self) -> int:
        return REVLOG_FILTERED if self.days_late < 0 else REVLOG_REVIEW


@dataclass(frozen=True)
class RelearnState:
    learning: LearnState
    review: ReviewState

    @property
    def interval(self) -> Interval:
        return self.learning.interval

    revlog_kind = REVLOG_RELEARN

    @property
    def leeched(self) -> bool:
        return self.review.leeched

    @property
    def memory(self) -> MemoryState | None:
        return self.review.memory


CardState = NewState | LearnState | ReviewState | RelearnState


@dataclass(frozen=True)
class NextStates:
    current: CardState
    again: CardState
    hard: CardState
    good: CardState
    easy: CardState

    def for_rating(self, rating: int) -> CardState:
        return (self.again, self.hard, self.good, self.easy)[rating - 1]


# ----------------------------------------------------------------- transitions


@dataclass(frozen=True)
class StateContext:
    options: SchedulingOptions
    fuzz_factor: float | None
    fsrs: FsrsNextStates | None = None
    balance: BalanceContext | None = None

    @property
    def steps(self) -> Steps:
        return Steps(self.options.learn_steps)

    @property
    def relearn_steps(self) -> Steps:
        return Steps(self.options.relearn_steps)

    def bounds(self, minimum: int) -> tuple[int, int]:
        maximum = max(self.options.maximum_interval, 1)
        return min(max(minimum, 1), maximum), maximum

    def fuzzed(self, interval: float, minimum: int, maximum: int) -> int:
        """A review interval picked from the fuzz range: by the load balancer when it is on
        and takes the card, else by the card's fuzz factor."""
        if self.balance is not None:
            balanced = self.balance.find_interval(interval, minimum, maximum)
            if balanced is not None:
                return balanced
        return with_review_fuzz(self.fuzz_factor, interval, minimum, maximum)


def next_states(state: CardState, ctx: StateContext) -> NextStates:
    if isinstance(state, NewState):
        first = LearnState(ctx.steps.remaining_for_failed(), 0)
        return replace(_learning_next(first, ctx), current=state)
    if isinstance(state, LearnState):
        return _learning_next(state, ctx)
    if isinstance(state, ReviewState):
        return _review_next(state, ctx)
    return _relearning_next(state, ctx)


def _fsrs_memory(ctx: StateContext, rating: int) -> MemoryState | None:
    if ctx.fsrs is None:
        return None
    return (ctx.fsrs.again, ctx.fsrs.hard, ctx.fsrs.good, ctx.fsrs.easy)[rating - 1].memory


def _graduate(ctx: StateContext, rating: int) -> ReviewState:
    minimum, maximum = ctx.bounds(1)
    if ctx.fsrs is not None:
        interval = (ctx.fsrs.again, ctx.fsrs.hard, ctx.fsrs.good)[rating - 1].interval
    else:
        interval = float(ctx.options.graduating_interval_good)
    days = ctx.fuzzed(max(float(round_half_away(interval)), 1.0), minimum, maximum)
    return ReviewState(days, 0, ctx.options.initial_ease, memory=_fsrs_memory(ctx, rating))


def _learning_next(state: LearnState, ctx: StateContext) -> NextStates:
    steps = ctx.steps
    again_delay = steps.again_delay()
    again: CardState = (
        LearnState(steps.remaining_for_failed(), again_delay, _fsrs_memory(ctx, 1))
        if again_delay is not None
        else _graduate(ctx, 1)
    )
    hard_delay = steps.hard_delay(state.remaining_steps)
    hard: CardState = (
        LearnState(state.remaining_steps, hard_delay, _fsrs_memory(ctx, 2))
        if hard_delay is not None
        else _graduate(ctx, 2)
    )
    good_delay = steps.good_delay(state.remaining_steps)
    good: CardState = (
        LearnState(
            steps.remaining_for_good(state.remaining_steps), good_delay, _fsrs_memory(ctx, 3)
        )
        if good_delay is not None
        else _graduate(ctx, 3)
    )
    return NextStates(state, again, hard, good, _learning_easy(ctx))


def _learning_easy(ctx: StateContext) -> ReviewState:
    minimum, maximum = ctx.bounds(1)
    if ctx.fsrs is not None:
        good = ctx.fuzzed(ctx.fsrs.good.interval, minimum, maximum)
        minimum = good + 1
        interval = float(max(round_half_away(ctx.fsrs.easy.interval), 1))
    else:
        interval = float(ctx.options.graduating_interval_easy)
    days = ctx.fuzzed(interval, minimum, maximum)
    return ReviewState(days, 0, ctx.options.initial_ease, memory=_fsrs_memory(ctx, 4))


def _leech_threshold_met(lapses: int, threshold: int) -> bool:
    """At the threshold, then every half threshold (rounded up) after it."""
    if threshold <= 0:
        return False
    half = max(math.ceil(threshold / 2), 1)
    return lapses >= threshold and (lapses - threshold) % half == 0


def _failing_interval(review: ReviewState, ctx: StateContext) -> int:
    if ctx.fsrs is not None:
        return max(round_half_away(ctx.fsrs.again.interval), 1)
    # Anki fuzzes the lapse interval like a review's, within minimum interval..maximum interval
    minimum, maximum = ctx.bounds(ctx.options.minimum_lapse_interval)
    scaled = f32(max(float(review.scheduled_days), 1.0) * ctx.options.lapse_multiplier)
    return max(ctx.fuzzed(scaled, minimum, maximum), 1)


def _review_next(state: ReviewState, ctx: StateContext) -> NextStates:
    hard_days, good_days, easy_days = _passing_intervals(state, ctx)
    lapses = state.lapses + 1
    again_review = ReviewState(
        scheduled_days=_failing_interval(state, ctx),
        elapsed_days=0,
        ease_factor=max(f32(state.ease_factor + EASE_AGAIN_DELTA), MINIMUM_EASE),
        lapses=lapses,
        leeched=_leech_threshold_met(lapses, ctx.options.leech_threshold),
        memory=_fsrs_memory(ctx, 1),
    )
    relearn = ctx.relearn_steps
    again_delay = relearn.again_delay()
    again: CardState = (
        RelearnState(
            LearnState(relearn.remaining_for_failed(), again_delay, _fsrs_memory(ctx, 1)),
            again_review,
        )
        if again_delay is not None
        else again_review
    )
    hard = replace(
        state,
        scheduled_days=hard_days,
        elapsed_days=0,
        ease_factor=max(f32(state.ease_factor + EASE_HARD_DELTA), MINIMUM_EASE),
        memory=_fsrs_memory(ctx, 2),
    )
    good = replace(state, scheduled_days=good_days, elapsed_days=0, memory=_fsrs_memory(ctx, 3))
    easy = replace(
        state,
        scheduled_days=easy_days,
        elapsed_days=0,
        ease_factor=f32(state.ease_factor + EASE_EASY_DELTA),
        memory=_fsrs_memory(ctx, 4),
    )
    return NextStates(state, again, hard, good, easy)


def _constrain(ctx: StateContext, interval: float, minimum: int, fuzz: bool) -> int:
    if ctx.fsrs is None:
        interval = f32(interval * ctx.options.interval_multiplier)
    low, high = ctx.bounds(minimum)
    if fuzz:
        return ctx.fuzzed(interval, low, high)
    return min(max(round_half_away(interval), low), high)


def minimum_review_fuzz_interval(interval: float, previous: int, maximum: int) -> int:
    """Anki's floor for a fuzzed FSRS interval: past the previous interval when it grew, not
    below it when it barely moved, free when it shrank (new parameters or retention)."""
    _, upper = constrained_fuzz_bounds(interval, 1, maximum)
    if round_half_away(interval) > previous:
        return previous + 1
    if previous <= upper:
        return previous
    return 0


def _passing_intervals(state: ReviewState, ctx: StateContext) -> tuple[int, int, int]:
    opts = ctx.options
    if ctx.fsrs is not None:
        last, maximum = state.scheduled_days, opts.maximum_interval
        hard_iv, good_iv, easy_iv = (
            ctx.fsrs.hard.interval,
            ctx.fsrs.good.interval,
            ctx.fsrs.easy.interval,
        )
        hard = _constrain(
            ctx, hard_iv, max(minimum_review_fuzz_interval(hard_iv, last, maximum), 1), True
        )
        good = _constrain(
            ctx, good_iv, max(minimum_review_fuzz_interval(good_iv, last, maximum), hard + 1), True
        )
        easy = _constrain(
            ctx, easy_iv, max(minimum_review_fuzz_interval(easy_iv, last, maximum), good + 1), True
        )
        return hard, good, easy
    current = float(state.scheduled_days)
    if state.days_late < 0:
        elapsed = current + state.days_late
        hard = _constrain(
            ctx,
            max(f32(elapsed * opts.hard_multiplier), f32(current * opts.hard_multiplier / 2)),
            0,
            False,
        )
        good_base = max(f32(elapsed * state.ease_factor), current)
        good = _constrain(ctx, good_base, 0, False)
        reduced_bonus = f32(opts.easy_multiplier - (opts.easy_multiplier - 1.0) / 2.0)
        easy = _constrain(ctx, f32(good_base * reduced_bonus), 0, False)
        return hard, good, easy
    days_late = float(max(state.days_late, 0))
    hard_min = 0 if opts.hard_multiplier <= 1.0 else state.scheduled_days + 1
    hard = _constrain(ctx, f32(current * opts.hard_multiplier), hard_min, True)
    good_min = state.scheduled_days + 1 if opts.hard_multiplier <= 1.0 else hard + 1
    good = _constrain(ctx, f32((current + days_late / 2.0) * state.ease_factor), good_min, True)
    easy = _constrain(
        ctx,
        f32(f32((current + days_late) * state.ease_factor) * opts.easy_multiplier),
        good + 1,
        True,
    )
    return hard, good, easy


def _relearning_next(state: RelearnState, ctx: StateContext) -> NextStates:
    relearn = ctx.relearn_steps
    review = state.review
    again_delay = relearn.again_delay()
    again: CardState
    if again_delay is not None:
        memory = _fsrs_memory(ctx, 1)
        again = RelearnState(
            LearnState(relearn.remaining_for_failed(), again_delay, memory),
            replace(
                review,
                scheduled_days=_failing_interval(review, ctx),
                elapsed_days=0,
                memory=memory,
            ),
        )
    else:
        again = review
    hard_delay = relearn.hard_delay(state.learning.remaining_steps)
    hard: CardState = review
    if hard_delay is not None:
        memory = _fsrs_memory(ctx, 2)
        hard = RelearnState(
            replace(state.learning, scheduled_secs=hard_delay, memory=memory),
            replace(review, elapsed_days=0, memory=memory),
        )
    good_delay = relearn.good_delay(state.learning.remaining_steps)
    good: CardState = replace(review, memory=_fsrs_memory(ctx, 3) or review.memory)
    if good_delay is not None:
        memory = _fsrs_memory(ctx, 3)
        good = RelearnState(
            LearnState(
                relearn.remaining_for_good(state.learning.remaining_steps), good_delay, memory
            ),
            replace(review, elapsed_days=0, memory=memory),
        )
    easy = replace(
        review,
        scheduled_days=review.scheduled_days + 1,
        elapsed_days=0,
        memory=_fsrs_memory(ctx, 4),
    )
    return NextStates(state, again, hard, good, easy)
