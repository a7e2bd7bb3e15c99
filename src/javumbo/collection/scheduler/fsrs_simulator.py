"""The FSRS retention simulator of Anki's deck options (rslib ``fsrs/simulator.rs``,
``fsrs/retention.rs``), run by fsrs-rs (``fsrs_rs_python``): how many reviews, new cards and
minutes a day a desired retention costs, and the retention fsrs-rs finds optimal.

The simulated learner answers as the user does: rating probabilities, same-day step
transitions and answer times come from the preset's own review log (fsrs-rs's
``extract_simulator_config``, ported here because the Python binding does not expose it).

``fsrs_rs_python.simulate`` takes no existing cards, so the day-by-day simulation covers the
preset's new cards plus the extra ones asked for; the preset's studied cards are counted and
left out (Anki's own simulation includes them, so the two agree when the preset has no studied
cards). The optimal retention does include the studied cards, as Anki's does.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeVar

import fsrs_rs_python as fsrs_rs

from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler.fsrs_items import DAY_SECS
from javumbo.collection.scheduler.fsrs_memory import MemoryState, valid_parameters
from javumbo.collection.scheduler.fsrs_presets import (
    card_memory,
    fsrs_preset,
    preset_card_ids,
    preset_conf,
)
from javumbo.collection.scheduler.fuzz import f32

# Bounds on one request's work (fsrs-rs simulates every card every day it is due): a
# simulation takes at most MAX_CARD_DAYS cards x days (~3 s at 0.99 retention); the optimal
# retention runs fsrs-rs's sample of simulations at each retention it tries, bounded by
# MAX_OPTIMAL_RETENTION_WORK samples x cards x days (~4 s).
MAX_DAYS = 3650
MAX_CARDS = 50_000
MAX_DAILY_LIMIT = 9999
MAX_CARD_DAYS = 20_000_000
MAX_OPTIMAL_RETENTION_WORK = 10_000_000
# Anki simulates without a daily time limit (f32::MAX).
_NO_TIME_LIMIT = 3.4028234663852886e38
_MAX_ANSWER_MILLIS = 1_200_000
_SMOOTHING_WEIGHT = 50.0
CARD_TYPE_NEW, QUEUE_SUSPENDED = 0, -1
QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN, QUEUE_PREVIEW = 1, 2, 3, 4
_REVLOG_KIND_MANUAL = 4  # Anki's Rescheduled (5) counts as manual for the simulator
T = TypeVar("T")


@dataclass(frozen=True)
class LearnerHabits:
    """The part of fsrs-rs's ``SimulatorConfig`` read from the review log."""

    first_rating_prob: list[float]
    review_rating_prob: list[float]
    learning_step_transitions: list[list[float]]
    relearning_step_transitions: list[list[float]]
    state_rating_costs: list[list[float]]


def _lerp(v0: float, v1: float, t: float) -> float:
    return f32(f32(t * v0) + f32(f32(1.0 - t) * v1))


def _weight(count: float) -> float:
    return f32(count / f32(_SMOOTHING_WEIGHT + count))


def _trunc_div(a: int, b: int) -> int:
    """Rust's integer division (towards zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _transitions(sequences: list[list[int]]) -> tuple[list[list[float]], list[list[float]]]:
    """fsrs-rs ``calculate_transitions`` with Laplace smoothing 1."""
    counts = [[0.0] * 4 for _ in range(4)]
    for sequence in sequences:
        for current, following in pairwise(sequence):
            if 1 <= current <= 4 and 1 <= following <= 4:
                counts[current - 1][following - 1] += 1.0
    counts = [[c + 1.0 for c in row] for row in counts]
    matrix = []
    for row in counts:
        total = f32(sum(row))
        matrix.append([f32(c / total) for c in row])
    return matrix, counts


def learner_habits(rows: Iterable[tuple[int, ...]], next_day_at: int) -> LearnerHabits:
    """fsrs-rs ``extract_simulator_config(revlog, day_cutoff, smooth=true)``; rows are
    ``(id, cid, ease, taken_millis, type)`` in card order, as Anki reads them."""
    default = fsrs_rs.default_simulator_config()
    entries = [
        (rid, cid, ease, millis, _REVLOG_KIND_MANUAL if kind == 5 else kind)
        for rid, cid, ease, millis, kind in rows
    ]
    if not entries:
        return LearnerHabits(
            list(default.first_rating_prob),
            list(default.review_rating_prob),
            [list(r) for r in default.learning_step_transitions],
            [list(r) for r in default.relearning_step_transitions],
            [list(r) for r in default.state_rating_costs],
        )
    timed = [e for e in entries if 0 < e[3] < _MAX_ANSWER_MILLIS]
    durations: dict[tuple[int, int], list[int]] = defaultdict(list)
    for _, _, ease, millis, kind in timed:
        if kind < 3 and 0 <= ease - 1 < 4:
            durations[(kind, ease - 1)].append(millis)
    costs = [[0.0] * 4 for _ in range(3)]
    counts = [[0] * 4 for _ in range(3)]
    for (kind, rating), values in durations.items():
        total = sum(values) % 2**32  # a u32 sum in fsrs-rs
        costs[kind][rating] = f32(f32(total // len(values)) / 1000.0)
        counts[kind][rating] = len(values)

    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for rid, cid, ease, _, kind in timed:
        day = _trunc_div(_trunc_div(rid, 1000) - next_day_at, DAY_SECS)
        groups.setdefault((cid, day), []).append((kind + 1, ease))
    usage: dict[tuple[int, int], int] = defaultdict(int)
    learning: list[list[int]] = []
    relearning: list[list[int]] = []
    for group in groups.values():
        state, rating = group[0]
        usage[(state, rating)] += 1
        ratings = [ease for _, ease in group]
        if state == 1:
            learning.append(ratings)
        elif state == 2 and rating == 1:
            relearning.append(ratings)

    learn_buttons = [usage[(1, i)] for i in range(1, 5)]
    if not any(learn_buttons):
        learn_buttons = [1, 1, 1, 1]
    review_buttons = [usage[(2, i)] for i in range(1, 5)]
    if not any(review_buttons[1:]):
        review_buttons = [review_buttons[0], 1, 1, 1]
    learn_total, review_total = sum(learn_buttons), sum(review_buttons[1:])
    first = [f32(f32(x) / f32(learn_total)) for x in learn_buttons]
    review = [f32(f32(x) / f32(review_total)) for x in review_buttons[1:]]
    learn_matrix, learn_counts = _transitions(learning)
    relearn_matrix, relearn_counts = _transitions(relearning)

    weight = _weight(f32(learn_total))
    first = [_lerp(p, d, weight) for p, d in zip(first, default.first_rating_prob, strict=True)]
    weight = _weight(f32(review_total))
    review = [_lerp(p, d, weight) for p, d in zip(review, default.review_rating_prob, strict=True)]

    def smoothed(
        matrix: list[list[float]],
        matrix_counts: list[list[float]],
        defaults: Sequence[Sequence[float]],
    ) -> list[list[float]]:
        out = []
        for row, default_row, row_counts in zip(matrix[:3], defaults, matrix_counts, strict=False):
            weight = _weight(f32(sum(row_counts)))
            out.append([_lerp(p, d, weight) for p, d in zip(row, default_row, strict=True)])
        return out

    state_costs = []
    for row, default_row, row_counts in zip(costs, default.state_rating_costs, counts, strict=True):
        state_costs.append(
            [
                _two_decimals(_lerp(cost, default_cost, _weight(f32(count))))
                for cost, default_cost, count in zip(row, default_row, row_counts, strict=True)
            ]
        )
    return LearnerHabits(
        first,
        review,
        smoothed(learn_matrix, learn_counts, default.learning_step_transitions),
        smoothed(relearn_matrix, relearn_counts, default.relearning_step_transitions),
        state_costs,
    )


def _two_decimals(value: float) -> float:
    """fsrs-rs ``to_2_decimal``: ``(x * 100).round() / 100`` in single precision."""
    scaled = f32(value * 100.0)
    rounded = math.floor(scaled + 0.5) if scaled >= 0 else -math.floor(-scaled + 0.5)
    return f32(rounded / 100.0)


@dataclass(frozen=True)
class SimulationSettings:
    """What the learner chooses in Anki's simulator (defaults: the preset's options)."""

    desired_retention: float
    days_to_simulate: int
    additional_new_cards: int
    new_limit: int
    review_limit: int
    max_interval: int
    new_cards_ignore_review_limit: bool
    suspend_after_lapses: int | None


@dataclass(frozen=True)
class StudiedCard:
    """A studied card as Anki's ``Card::convert`` gives it to the simulator."""

    id: int
    stability: float
    difficulty: float
    last_date: float
    due: float
    interval: float
    lapses: int


@dataclass(frozen=True)
class SimulationInput:
    """What a simulation reads from the collection; it then runs without the collection."""

    params: list[float]
    settings: SimulationSettings
    habits: LearnerHabits
    new_cards: int  # the preset's new cards, not suspended
    introduced_today: int  # cards first answered today (Anki's ``introduced:1``)
    studied: list[StudiedCard]
    learning_steps: int
    relearning_steps: int


@dataclass(frozen=True)
class Simulation:
    daily_review_count: list[int]
    daily_new_count: list[int]
    daily_time_seconds: list[float]
    memorized: list[float]  # cards remembered (sum of retrievabilities) at each day's end
    simulated_cards: int
    studied_cards_left_out: int


def _stored_memory(data: str) -> MemoryState | None:
    """The memory state Anki keeps in ``cards.data`` (Anki's simulator reads it first)."""
    try:
        values = json.loads(data) if data else {}
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    stability, difficulty = values.get("s"), values.get("d")
    if isinstance(stability, int | float) and isinstance(difficulty, int | float):
        return MemoryState(float(stability), float(difficulty))
    return None


def _studied_card(
    cid: int,
    queue: int,
    due: int,
    odue: int,
    ivl: int,
    lapses: int,
    today: int,
    memory: MemoryState,
) -> StudiedCard | None:
    stability, difficulty = memory.stability, memory.difficulty
    if queue in (QUEUE_REVIEW, QUEUE_DAY_LEARN):
        relative_due = (odue or due) - today
        last_date = float(min(relative_due - ivl, 0))
        return StudiedCard(
            cid, stability, difficulty, last_date, float(relative_due), float(ivl), lapses
        )
    if queue in (QUEUE_LEARN, -2, -3):
        return StudiedCard(cid, stability, difficulty, 0.0, 0.0, float(ivl), lapses)
    return None


def simulation_input(
    col: Collection, preset_id: int, settings: SimulationSettings, params: list[float] | None
) -> SimulationInput:
    """Reads the preset's cards and reviews (Anki's search ``preset:"name" -is:suspended``)."""
    preset = fsrs_preset(col, preset_id)
    chosen = list(preset.params) if params is None else list(params)
    if not valid_parameters(chosen):
        raise ValidationError("FSRS parameters must be empty or 17, 19 or 21 numbers in range")
    card_ids = preset_card_ids(col, preset_id, include_new=True, include_suspended=False)
    if len(card_ids) + settings.additional_new_cards > MAX_CARDS:
        raise ValidationError(f"a simulation takes at most {MAX_CARDS} cards")
    timing = col.sched_timing()
    rows = _timed_revlog(col, card_ids)
    habits = learner_habits(rows, timing.next_day_at)
    cutoff_ms = (timing.next_day_at - DAY_SECS) * 1000
    first_answer: dict[int, int] = {}
    for rid, cid, ease, _, _ in rows:
        if ease != 0 and cid not in first_answer:
            first_answer[cid] = rid
    new_cards = 0
    studied: list[StudiedCard] = []
    for start in range(0, len(card_ids), 500):
        part = card_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        for cid, ctype, queue, due, odue, ivl, lapses, data in col.db.execute(
            f"select id, type, queue, due, odue, ivl, lapses, data from cards "
            f"where id in ({marks}) order by id",
            part,
        ).fetchall():
            if ctype == CARD_TYPE_NEW:
                new_cards += 1
            elif queue != QUEUE_PREVIEW:
                memory = _stored_memory(data) or card_memory(col, cid, preset, timing.next_day_at)
                card = (
                    None
                    if memory is None
                    else _studied_card(
                        cid, queue, due, odue, ivl, lapses, timing.days_elapsed, memory
                    )
                )
                if card is not None:
                    studied.append(card)
    conf = preset_conf(col, preset_id)
    return SimulationInput(
        params=chosen,
        settings=settings,
        habits=habits,
        new_cards=new_cards,
        introduced_today=sum(1 for rid in first_answer.values() if rid > cutoff_ms),
        studied=studied,
        learning_steps=len((conf.get("new") or {}).get("delays", [1.0, 10.0])),
        relearning_steps=len((conf.get("lapse") or {}).get("delays", [10.0])),
    )


def _timed_revlog(col: Collection, card_ids: list[int]) -> list[tuple[int, ...]]:
    rows: list[tuple[int, ...]] = []
    for start in range(0, len(card_ids), 500):
        part = card_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        rows.extend(
            col.db.execute(
                f"select id, cid, ease, time, type from revlog where cid in ({marks}) "
                "order by cid, id",
                part,
            ).fetchall()
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def _config(given: SimulationInput, deck_size: int) -> fsrs_rs.SimulatorConfig:
    settings, habits = given.settings, given.habits
    return fsrs_rs.SimulatorConfig(
        deck_size=deck_size,
        learn_span=settings.days_to_simulate,
        max_cost_perday=_NO_TIME_LIMIT,
        max_ivl=float(settings.max_interval),
        first_rating_prob=habits.first_rating_prob,
        review_rating_prob=habits.review_rating_prob,
        learn_limit=settings.new_limit,
        review_limit=settings.review_limit,
        new_cards_ignore_review_limit=settings.new_cards_ignore_review_limit,
        learning_step_transitions=habits.learning_step_transitions,
        relearning_step_transitions=habits.relearning_step_transitions,
        state_rating_costs=habits.state_rating_costs,
        learning_step_count=given.learning_steps,
        relearning_step_count=given.relearning_steps,
        suspend_after_lapses=settings.suspend_after_lapses,
    )


def _run_engine(run: Callable[[], T]) -> T:
    """fsrs-rs panics (a Python ``BaseException``) on parameters it accepts but cannot
    simulate with (numbers that give it a NaN probability): that is bad input, not a fault."""
    try:
        return run()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        raise ValidationError(
            "fsrs-rs cannot simulate with these parameters; optimize them or use the defaults"
        ) from error


def simulate(given: SimulationInput) -> Simulation:
    """Anki's ``simulate_review`` for the preset's new cards and the extra ones (seed 42)."""
    settings = given.settings
    cards = given.new_cards + settings.additional_new_cards
    if settings.new_limit == 0 or cards == 0:
        raise ValidationError("nothing to simulate: no new cards, or a new card limit of 0")
    if cards * settings.days_to_simulate > MAX_CARD_DAYS:
        raise ValidationError(
            f"too many cards or days to simulate here: {cards} cards over "
            f"{settings.days_to_simulate} days (at most {MAX_CARD_DAYS:,} cards x days)"
        )
    result = _run_engine(
        lambda: fsrs_rs.simulate(
            given.params, settings.desired_retention, _config(given, cards), None
        )
    )
    return Simulation(
        daily_review_count=[int(n) for n in result.review_cnt_per_day],
        daily_new_count=[int(n) for n in result.learn_cnt_per_day],
        daily_time_seconds=[float(s) for s in result.cost_per_day],
        memorized=[float(m) for m in result.memorized_cnt_per_day],
        simulated_cards=cards,
        studied_cards_left_out=len(given.studied),
    )


def samples_per_retention(days: int) -> int:
    """fsrs-rs's ``brent``: how many simulations it averages at each retention it tries."""
    if days <= 30:
        return 180
    if days < 365:
        factor = f32(f32(f32(float(days) ** 2) * 8.20e-7) + f32(days * 2.41e-3 + 1.30e-2))
        return max(round(16.0 / factor), 1)
    return 16


def optimal_retention(given: SimulationInput) -> float:
    """Anki's ``compute_optimal_retention``: the studied cards as they are, the new ones as
    Anki lines them up, the retention with the least cost per card remembered (0.7..0.95)."""
    settings = given.settings
    total_new = given.new_cards + settings.additional_new_cards
    days = settings.days_to_simulate
    work = samples_per_retention(days) * (len(given.studied) + total_new) * days
    if work > MAX_OPTIMAL_RETENTION_WORK:
        raise ValidationError(
            "too many cards or days to find the optimal retention here: "
            f"{len(given.studied) + total_new} cards over {days} days; "
            "simulate fewer days or fewer new cards"
        )
    params = fsrs_rs.check_and_fill_parameters(given.params)
    cards: list[fsrs_rs.Card] = []
    for studied in given.studied:
        cards.append(
            _card(
                studied.id,
                studied.difficulty,
                studied.stability,
                studied.last_date,
                studied.due,
                studied.interval,
                studied.lapses,
                settings.desired_retention,
                params,
            )
        )
    if settings.new_limit > 0:
        introduced = min(given.introduced_today, settings.new_limit)
        for i in range(total_new):
            cards.append(
                _card(
                    -i,
                    -math.inf,
                    1e-8,
                    -math.inf,
                    float((introduced + i) // settings.new_limit),
                    -math.inf,
                    0,
                    settings.desired_retention,
                    params,
                )
            )
    if not cards:
        raise ValidationError("nothing to simulate: the preset has no cards")
    config = _config(given, len(cards))
    found = _run_engine(lambda: fsrs_rs.optimal_retention(config, given.params, cards))
    return min(max(float(found), 0.7), 0.95)


def _card(
    cid: int,
    difficulty: float,
    stability: float,
    last_date: float,
    due: float,
    interval: float,
    lapses: int,
    desired_retention: float,
    params: list[float],
) -> fsrs_rs.Card:
    card = fsrs_rs.Card()
    card.id = cid
    card.difficulty = difficulty
    card.stability = stability
    card.last_date = last_date
    card.due = due
    card.interval = interval
    card.lapses = lapses
    card.desired_retention = desired_retention
    card.parameters = params
    return card
