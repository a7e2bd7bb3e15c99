"""Optimize and evaluate a preset's FSRS parameters from the user's own reviews, as Anki's deck
options do (rslib ``fsrs/params.rs``: ``compute_params``, ``evaluate_params_legacy``).

The reviews are those of the cards Anki's search ``preset:"name" -is:suspended`` finds (or the
preset's own optimizer search), turned into FSRS items by :mod:`.fsrs_items`; fsrs-rs trains
with Anki's settings (8 epochs, short-term on, the relearning steps that fit in a day), and the
current parameters are kept when they already predict the reviews at least as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import fsrs_rs_python as fsrs_rs

from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler.fsrs_items import TrainingSet, items_for_training
from javumbo.collection.scheduler.fsrs_memory import valid_parameters
from javumbo.collection.scheduler.fsrs_presets import (
    FsrsPreset,
    TooManyReviewsError,
    fsrs_preset,
    ignore_before_ms,
    preset_card_ids,
    preset_conf,
    revlog_rows,
)
from javumbo.collection.search import find_cards
from javumbo.collection.search.parser import parse

__all__ = ["TooManyReviewsError", "evaluate", "optimize", "train", "training_input"]

# Training time grows with the reviews; beyond this many the web request would run for minutes.
MAX_TRAINING_REVIEWS = 400_000
TRAINING_EPOCHS = 8
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Optimized:
    params: list[float]
    review_count: int
    item_count: int


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float
    item_count: int


def relearning_steps_in_a_day(relearn_minutes: Sequence[float]) -> int:
    """Anki counts the relearning steps that end before a day has passed."""
    total = 0.0
    count = 0
    for step in relearn_minutes:
        total += float(step)
        if total >= MINUTES_PER_DAY:
            break
        count += 1
    return count


def _search_card_ids(col: Collection, preset: FsrsPreset) -> list[int]:
    if preset.param_search:
        return sorted(find_cards(col, preset.param_search))
    return preset_card_ids(col, preset.id, include_new=True, include_suspended=False)


def training_set(col: Collection, preset: FsrsPreset, *, limit: int | None = None) -> TrainingSet:
    card_ids = _search_card_ids(col, preset)
    rows = revlog_rows(col, card_ids, limit=MAX_TRAINING_REVIEWS if limit is None else limit)
    timing = col.sched_timing()
    return items_for_training(rows, timing.next_day_at, preset.ignore_before_ms)


@dataclass(frozen=True)
class TrainingInput:
    """What an optimization reads from the collection; training then needs no collection (a
    web request reads under the collection's lock and trains outside it)."""

    current: list[float]
    relearning_steps: int
    data: TrainingSet


@dataclass(frozen=True)
class Unsaved:
    """Settings as edited but not saved yet, which Anki's Optimize and Evaluate use."""

    params: tuple[float, ...] | None = None
    param_search: str | None = None
    ignore_before_date: str | None = None


def _with_unsaved(preset: FsrsPreset, unsaved: Unsaved) -> FsrsPreset:
    if unsaved.param_search is not None:
        if unsaved.param_search:
            parse(unsaved.param_search)  # refuses a search Anki would not run
        preset = replace(preset, param_search=unsaved.param_search)
    if unsaved.ignore_before_date is not None:
        ignore_before_ms(unsaved.ignore_before_date)  # refuses a malformed date
        preset = replace(preset, ignore_before_date=unsaved.ignore_before_date)
    if unsaved.params is not None:
        preset = replace(preset, params=unsaved.params)
    return preset


def training_input(
    col: Collection, preset_id: int, *, limit: int | None = None, unsaved: Unsaved = Unsaved()
) -> TrainingInput:
    preset = _with_unsaved(fsrs_preset(col, preset_id), unsaved)
    relearn = (preset_conf(col, preset_id).get("lapse") or {}).get("delays", [10.0])
    return TrainingInput(
        current=list(preset.params),
        relearning_steps=relearning_steps_in_a_day(relearn),
        data=training_set(col, preset, limit=limit),
    )


def train(given: TrainingInput) -> Optimized:
    """New parameters (not saved): Anki's ``compute_params``. An empty list means FSRS's
    defaults fit best."""
    current, data, steps = given.current, given.data, given.relearning_steps
    if not data.items:
        return Optimized(current, data.review_count, 0)
    fsrs = fsrs_rs.FSRS(current if valid_parameters(current) else [])
    params = list(
        fsrs.compute_parameters(
            data.items,
            card_ids=data.card_ids,
            enable_short_term=True,
            num_relearning_steps=steps,
            training_config=fsrs_rs.TrainingConfig(num_epochs=TRAINING_EPOCHS),
        )
    )
    if valid_parameters(current):  # empty = FSRS's defaults, kept as an empty list
        params = _keep_current_when_better(current, params, data, steps)
    return Optimized([float(p) for p in params], data.review_count, len(data.items))


def optimize(col: Collection, preset_id: int, *, limit: int | None = None) -> Optimized:
    return train(training_input(col, preset_id, limit=limit))


def _keep_current_when_better(
    current: list[float], optimized: list[float], data: TrainingSet, steps: int
) -> list[float]:
    current_fsrs = fsrs_rs.FSRS(current)
    current_loss = current_fsrs.evaluate(data.items).log_loss
    optimized_loss = fsrs_rs.FSRS(optimized).evaluate(data.items).log_loss
    if current_loss > optimized_loss:
        return optimized
    if steps <= 1:
        return current
    start = fsrs_rs.MemoryState(1.0, 1.0)
    short_term = current_fsrs.next_states(start, 0.9, 2).again.memory
    for _ in range(steps):
        short_term = current_fsrs.next_states(short_term, 0.9, 0).good.memory
    return current if short_term.stability < start.stability else optimized


def evaluation_input(
    col: Collection, preset_id: int, *, limit: int | None = None, unsaved: Unsaved = Unsaved()
) -> TrainingSet:
    return training_set(col, _with_unsaved(fsrs_preset(col, preset_id), unsaved), limit=limit)


def evaluate_items(data: TrainingSet, params: Sequence[float]) -> Evaluation:
    """How well ``params`` predict the reviews: Anki's ``evaluate_params_legacy``."""
    if not valid_parameters(params):
        raise ValidationError("FSRS parameters must be empty or 17, 19 or 21 numbers in range")
    if not data.items:
        return Evaluation(0.0, 0.0, 0)
    result = fsrs_rs.FSRS(list(params)).evaluate(data.items)
    return Evaluation(float(result.log_loss), float(result.rmse_bins), len(data.items))


def evaluate(
    col: Collection, preset_id: int, params: Sequence[float], *, limit: int | None = None
) -> Evaluation:
    return evaluate_items(evaluation_input(col, preset_id, limit=limit), params)
