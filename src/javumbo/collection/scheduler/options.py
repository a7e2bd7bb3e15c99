"""A deck preset ("dconf" entry) read once into the numbers the scheduler uses, and a deck's
own override of it (its desired retention)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from javumbo.collection.scheduler.fuzz import f32

LEECH_SUSPEND = 0
DEFAULT_LEARN_AHEAD_SECS = 1200


@dataclass(frozen=True)
class SchedulingOptions:
    learn_steps: tuple[float, ...]
    relearn_steps: tuple[float, ...]
    graduating_interval_good: int
    graduating_interval_easy: int
    initial_ease: float
    easy_multiplier: float
    hard_multiplier: float
    interval_multiplier: float
    maximum_interval: int
    leech_threshold: int
    leech_action: int
    lapse_multiplier: float
    minimum_lapse_interval: int
    cap_answer_secs: int
    new_per_day: int
    reviews_per_day: int
    bury_new: bool
    bury_reviews: bool
    bury_interday_learning: bool
    fsrs_params: tuple[float, ...]
    desired_retention: float
    new_gather_priority: int = 0
    new_sort_order: int = 0
    review_order: int = 0
    new_mix: int = 0
    interday_learning_mix: int = 0

    @classmethod
    def from_preset(cls, preset: dict[str, Any]) -> SchedulingOptions:
        """The preset's options; a value of the wrong kind (a string where Anki writes a
        number, as a misbehaving sync client could send) reads as Anki's default instead of
        failing every answer of the preset's decks."""
        new, rev, lapse = (
            option_section(preset, "new"),
            option_section(preset, "rev"),
            option_section(preset, "lapse"),
        )
        ints = option_numbers(new.get("ints"), []) or [1, 4]
        return cls(
            learn_steps=tuple(f32(s) for s in option_numbers(new.get("delays"), [1.0, 10.0])),
            relearn_steps=tuple(f32(s) for s in option_numbers(lapse.get("delays"), [10.0])),
            graduating_interval_good=int(ints[0]),
            graduating_interval_easy=int(ints[1]) if len(ints) > 1 else 4,
            initial_ease=f32(option_number(new.get("initialFactor"), 2500) / 1000.0),
            easy_multiplier=f32(option_number(rev.get("ease4"), 1.3)),
            hard_multiplier=f32(option_number(rev.get("hardFactor"), 1.2)),
            interval_multiplier=f32(option_number(rev.get("ivlFct"), 1.0)),
            maximum_interval=int(option_number(rev.get("maxIvl"), 36500)),
            leech_threshold=int(option_number(lapse.get("leechFails"), 8)),
            leech_action=int(option_number(lapse.get("leechAction"), 1)),
            lapse_multiplier=f32(option_number(lapse.get("mult"), 0.0)),
            minimum_lapse_interval=int(option_number(lapse.get("minInt"), 1)),
            cap_answer_secs=int(option_number(preset.get("maxTaken"), 60)),
            new_per_day=int(option_number(new.get("perDay"), 20)),
            reviews_per_day=int(option_number(rev.get("perDay"), 200)),
            bury_new=bool(new.get("bury", False)),
            bury_reviews=bool(rev.get("bury", False)),
            bury_interday_learning=bool(preset.get("buryInterdayLearning", False)),
            fsrs_params=preset_fsrs_params(preset),
            desired_retention=option_number(preset.get("desiredRetention"), 0.9),
            new_gather_priority=int(option_number(preset.get("newGatherPriority"), 0)),
            new_sort_order=int(option_number(preset.get("newSortOrder"), 0)),
            review_order=int(option_number(preset.get("reviewOrder"), 0)),
            new_mix=int(option_number(preset.get("newMix"), 0)),
            interday_learning_mix=int(option_number(preset.get("interdayLearningMix"), 0)),
        )

    @property
    def any_burying(self) -> bool:
        return self.bury_new or self.bury_reviews or self.bury_interday_learning


def preset_fsrs_params(preset: dict[str, Any]) -> tuple[float, ...]:
    """The preset's newest FSRS parameters (Anki keeps v6, v5 and v4 lists side by side);
    empty when none were trained, meaning FSRS's defaults."""
    for key in ("fsrsParams6", "fsrsParams5", "fsrsWeights"):
        values = option_numbers(preset.get(key), [])
        if values:
            return tuple(values)
    return ()


def option_section(preset: dict[str, Any], key: str) -> dict[str, Any]:
    value = preset.get(key)
    return value if isinstance(value, dict) else {}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def option_number(value: Any, default: float) -> float:
    """A number of a preset, or ``default`` when the JSON holds something else."""
    return float(value) if _is_number(value) else default


def option_numbers(values: Any, default: list[float]) -> list[float]:
    """A list of numbers, or ``default`` when it is not one."""
    if not isinstance(values, list) or not all(_is_number(v) for v in values):
        return default
    return [float(v) for v in values]


def deck_desired_retention(deck: Mapping[str, Any]) -> float | None:
    """A normal deck's own desired retention (the "This deck" tab of Anki's deck options),
    which overrides its preset's: a whole percentage in the deck's JSON, as Anki writes it;
    anything else (a fraction, a string) is no override, as Anki reads it."""
    value = deck.get("desiredRetention")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        return None
    return f32(value / 100)


def stored_desired_retention(retention: float) -> int:
    """The percentage Anki writes for a deck's desired retention (``(v * 100) as u32``)."""
    return int(f32(f32(retention) * 100))


def with_deck_overrides(options: SchedulingOptions, deck: Mapping[str, Any]) -> SchedulingOptions:
    own = deck_desired_retention(deck)
    return options if own is None else replace(options, desired_retention=own)
