"""Deck options presets under the names of Anki's ``DeckConfig.Config`` message, stored as
Anki's schema-11 ``dconf`` JSON keys, so real Anki reads every change.

A preset is seen and changed by its proto field names (``new_per_day``, ``learn_steps``...);
``OPTIONS`` says where each one lives in the stored JSON and which values Anki accepts (a value
outside Anki's bounds would be replaced by its default when Anki reads the collection, so it
is refused here instead). A deck's own "this deck" and "today only" limits live in the deck,
as Anki keeps them (``newLimit``, ``reviewLimit``, ``newLimitToday``, ``reviewLimitToday``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from javumbo.collection import schema
from javumbo.collection.collection import Collection
from javumbo.collection.decks import (
    DEFAULT_CONFIG_ID,
    child_deck_ids,
    get_deck,
    get_deck_config,
)
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler.options import deck_desired_retention, stored_desired_retention

MAX_LIMIT = 9999
MAX_DAYS = 36500
MAX_NAME_LENGTH = 200


class OptionValueError(ValidationError):
    """An option Anki would not accept (out of its bounds, wrong kind)."""


class DefaultPresetError(ValidationError):
    """The Default preset (id 1) is what every deck falls back to; it cannot go."""


@dataclass(frozen=True)
class Option:
    """One preset option: where it is stored (``section`` of the dconf, or the top level),
    its kind (``int``, ``float``, ``bool``, ``steps``, ``floats``, ``text``), Anki's bounds and,
    for options stored differently from the proto, how to read and write the stored value."""

    key: str
    kind: str
    low: float = 0
    high: float = MAX_LIMIT
    section: str | None = None
    index: int | None = None
    choices: tuple[int, ...] = ()
    stored: Callable[[Any], Any] | None = None
    shown: Callable[[Any], Any] | None = None


def _inverted_order(value: Any) -> int:
    """Insertion order: the proto's 0 "in order added" is schema 11's 1, and back."""
    return 0 if int(value) == 1 else 1


OPTIONS: dict[str, Option] = {
    # daily limits
    "new_per_day": Option("perDay", "int", 0, MAX_LIMIT, section="new"),
    "reviews_per_day": Option("perDay", "int", 0, MAX_LIMIT, section="rev"),
    # new cards
    "learn_steps": Option("delays", "steps", section="new"),
    "graduating_interval_good": Option("ints", "int", 1, MAX_DAYS, section="new", index=0),
    "graduating_interval_easy": Option("ints", "int", 1, MAX_DAYS, section="new", index=1),
    "new_card_insert_order": Option(
        "order", "int", section="new", choices=(0, 1), stored=_inverted_order, shown=_inverted_order
    ),
    # lapses
    "relearn_steps": Option("delays", "steps", section="lapse"),
    "minimum_lapse_interval": Option("minInt", "int", 1, MAX_DAYS, section="lapse"),
    "leech_threshold": Option("leechFails", "int", 1, MAX_LIMIT, section="lapse"),
    "leech_action": Option("leechAction", "int", section="lapse", choices=(0, 1)),
    # display order
    "new_card_gather_priority": Option("newGatherPriority", "int", choices=(0, 1, 2, 3, 4, 5)),
    "new_card_sort_order": Option("newSortOrder", "int", choices=(0, 1, 2, 3, 4)),
    "new_mix": Option("newMix", "int", choices=(0, 1, 2)),
    "interday_learning_mix": Option("interdayLearningMix", "int", choices=(0, 1, 2)),
    "review_order": Option("reviewOrder", "int", choices=tuple(range(13))),
    # burying
    "bury_new": Option("bury", "bool", section="new"),
    "bury_reviews": Option("bury", "bool", section="rev"),
    "bury_interday_learning": Option("buryInterdayLearning", "bool"),
    # audio
    "disable_autoplay": Option("autoplay", "bool", stored=lambda v: not v, shown=lambda v: not v),
    "skip_question_when_replaying_answer": Option(
        "replayq", "bool", stored=lambda v: not v, shown=lambda v: not v
    ),
    # timer
    "cap_answer_time_to_secs": Option("maxTaken", "int", 1, MAX_LIMIT),
    "show_timer": Option("timer", "bool", stored=lambda v: 1 if v else 0, shown=bool),
    "stop_timer_on_answer": Option("stopTimerOnAnswer", "bool"),
    # auto advance
    "seconds_to_show_question": Option("secondsToShowQuestion", "float", 0, 9999),
    "seconds_to_show_answer": Option("secondsToShowAnswer", "float", 0, 9999),
    "wait_for_audio": Option("waitForAudio", "bool"),
    "question_action": Option("questionAction", "int", choices=(0, 1)),
    "answer_action": Option("answerAction", "int", choices=(0, 1, 2, 3, 4)),
    # easy days: Monday first, each a fraction of the usual review load
    "easy_days_percentages": Option("easyDaysPercentages", "floats", 0, 1),
    # advanced
    "maximum_review_interval": Option("maxIvl", "int", 1, MAX_DAYS, section="rev"),
    "initial_ease": Option(
        "initialFactor",
        "float",
        1.31,
        5.0,
        section="new",
        stored=lambda v: round(float(v) * 1000),
        shown=lambda v: float(v) / 1000,
    ),
    "easy_multiplier": Option("ease4", "float", 1.0, 5.0, section="rev"),
    "interval_multiplier": Option("ivlFct", "float", 0.5, 2.0, section="rev"),
    "hard_multiplier": Option("hardFactor", "float", 0.5, 1.3, section="rev"),
    "lapse_multiplier": Option("mult", "float", 0.0, 1.0, section="lapse"),
    # FSRS (the FSRS section edits these)
    "desired_retention": Option("desiredRetention", "float", 0.7, 0.99),
    "historical_retention": Option("sm2Retention", "float", 0.7, 0.97),
    "fsrs_params_4": Option("fsrsWeights", "floats", -1e6, 1e6),
    "fsrs_params_5": Option("fsrsParams5", "floats", -1e6, 1e6),
    "fsrs_params_6": Option("fsrsParams6", "floats", -1e6, 1e6),
    "param_search": Option("weightSearch", "text"),
    "ignore_revlogs_before_date": Option("ignoreRevlogsBeforeDate", "text"),
}

_DEFAULTS = schema.default_deck_config()


def _stored_value(preset: dict[str, Any], option: Option) -> Any:
    holder = preset.get(option.section) if option.section else preset
    defaults = _DEFAULTS.get(option.section) if option.section else _DEFAULTS
    if not isinstance(holder, dict) or option.key not in holder:
        holder = defaults
    value = holder.get(option.key) if isinstance(holder, dict) else None
    if option.index is not None:
        items = value if isinstance(value, list) else []
        fallback = defaults[option.key][option.index] if isinstance(defaults, dict) else 1
        value = items[option.index] if len(items) > option.index else fallback
    return value


def preset_view(preset: dict[str, Any], use_count: int) -> dict[str, Any]:
    """A stored preset under the proto's names, with how many decks use it."""
    view: dict[str, Any] = {
        "id": int(preset["id"]),
        "name": str(preset.get("name", "")),
        "use_count": use_count,
    }
    for name, option in OPTIONS.items():
        value = _stored_value(preset, option)
        view[name] = option.shown(value) if option.shown else value
    return view


def _checked(name: str, option: Option, value: Any) -> Any:
    def fail(why: str) -> OptionValueError:
        return OptionValueError(f"deck option {name!r} {why}")

    def number(item: Any, low: float, high: float) -> float:
        if isinstance(item, bool) or not isinstance(item, int | float) or math.isnan(item):
            raise fail("must be a number")
        if not low <= item <= high:
            raise fail(f"must be between {low:g} and {high:g}")
        return item

    kind = option.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise fail("must be true or false")
        return value
    if kind == "text":
        if not isinstance(value, str) or len(value) > 10_000:
            raise fail("must be text")
        return value
    if kind in ("steps", "floats"):
        if not isinstance(value, list) or len(value) > 100:
            raise fail("must be a list of numbers")
        if kind == "steps":
            steps = [float(number(v, 0, MAX_DAYS * 1440)) for v in value]
            if any(step <= 0 for step in steps):
                raise fail("must be positive minutes")
            return steps
        floats = [float(number(v, option.low, option.high)) for v in value]
        if option.key == "easyDaysPercentages" and len(floats) not in (0, 7):
            raise fail("needs one value for each day of the week")
        return floats
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail("must be a whole number")
        if option.choices and value not in option.choices:
            raise fail(f"must be one of {', '.join(map(str, option.choices))}")
        if not option.choices:
            number(value, option.low, option.high)
        return value
    return float(number(value, option.low, option.high))


def apply_options(preset: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored preset with ``changes`` (proto names) written in Anki's keys."""
    updated = copy.deepcopy(preset)
    for section in ("new", "rev", "lapse"):
        if not isinstance(updated.get(section), dict):
            updated[section] = copy.deepcopy(_DEFAULTS[section])
    for name, value in changes.items():
        if name == "name":
            updated["name"] = _checked_name(value)
            continue
        option = OPTIONS.get(name)
        if option is None:
            raise OptionValueError(f"unknown deck option {name!r}")
        checked = _checked(name, option, value)
        stored = option.stored(checked) if option.stored else checked
        holder = updated[option.section] if option.section else updated
        if option.index is not None:
            items = list(holder.get(option.key) or _DEFAULTS[str(option.section)][option.key])
            while len(items) <= option.index:
                items.append(0)
            items[option.index] = stored
            stored = items
        holder[option.key] = stored
    return updated


def _checked_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise OptionValueError("a preset needs a name")
    name = value.strip()
    if len(name) > MAX_NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        raise OptionValueError("a preset name must be one line of at most 200 characters")
    return name


# ----------------------------------------------------------------- presets


def use_counts(col: Collection) -> dict[int, int]:
    """How many normal decks use each preset (a deck naming a missing preset counts for 1)."""
    counts = {int(k): 0 for k in col.dconf}
    for deck in col.decks.values():
        if deck.get("dyn"):
            continue
        conf = int(deck.get("conf", DEFAULT_CONFIG_ID))
        conf = conf if conf in counts else DEFAULT_CONFIG_ID
        counts[conf] = counts.get(conf, 0) + 1
    return counts


def all_presets(col: Collection) -> list[dict[str, Any]]:
    """Every preset, Default first then by name, as Anki's preset menu lists them."""
    counts = use_counts(col)
    presets = sorted(
        col.dconf.values(),
        key=lambda p: (int(p["id"]) != DEFAULT_CONFIG_ID, str(p.get("name", "")).lower()),
    )
    return [preset_view(p, counts.get(int(p["id"]), 0)) for p in presets]


def one_preset(col: Collection, conf_id: int) -> dict[str, Any]:
    return preset_view(get_deck_config(col, conf_id), use_counts(col).get(conf_id, 0))


def add_preset(
    col: Collection, name: Any, options: dict[str, Any], *, clone_of: int | None = None
) -> int:
    """A new preset: Anki's defaults, or a copy of ``clone_of``, with ``options`` applied."""
    base = (
        copy.deepcopy(get_deck_config(col, clone_of))
        if clone_of is not None
        else schema.default_deck_config()
    )
    preset = apply_options(base, {**options, "name": name})
    with col.transaction():
        dconf = dict(col.dconf)
        conf_id = col.now_ms()
        while str(conf_id) in dconf:
            conf_id += 1
        preset.update({"id": conf_id, "mod": col.now_secs(), "usn": -1})
        dconf[str(conf_id)] = preset
        col.save_json("dconf", dconf)
    return conf_id


def update_preset(col: Collection, conf_id: int, changes: dict[str, Any]) -> None:
    preset = apply_options(get_deck_config(col, conf_id), changes)
    preset.update({"id": int(conf_id), "mod": col.now_secs(), "usn": -1})
    with col.transaction():
        col.save_json("dconf", {**col.dconf, str(conf_id): preset})


def delete_preset(col: Collection, conf_id: int) -> None:
    """Remove a preset; the decks using it fall back to Default, as in Anki."""
    if conf_id == DEFAULT_CONFIG_ID:
        raise DefaultPresetError("the Default preset cannot be deleted")
    get_deck_config(col, conf_id)
    now = col.now_secs()
    with col.transaction():
        decks = {
            key: (
                {**deck, "conf": DEFAULT_CONFIG_ID, "mod": now, "usn": -1}
                if not deck.get("dyn") and int(deck.get("conf", 0)) == conf_id
                else deck
            )
            for key, deck in col.decks.items()
        }
        dconf = {k: v for k, v in col.dconf.items() if int(k) != conf_id}
        col.save_json("decks", decks)
        # Anki marks the schema changed: a removed preset reaches other devices by full sync.
        col.save_json("dconf", dconf, schema_change=True)


# ----------------------------------------------------------------- decks


def set_deck_preset(col: Collection, did: int, conf_id: int, *, with_subdecks: bool) -> None:
    """Give a deck (and, with ``with_subdecks``, every normal deck below it) a preset."""
    get_deck_config(col, conf_id)
    deck = get_deck(col, did)
    if deck.get("dyn"):
        raise ValidationError(f"{deck['name']!r} is a filtered deck and has no options preset")
    targets = child_deck_ids(col, did) if with_subdecks else [did]
    now = col.now_secs()
    with col.transaction():
        decks = dict(col.decks)
        for target in targets:
            current = decks[str(target)]
            if not current.get("dyn"):
                decks[str(target)] = {**current, "conf": conf_id, "mod": now, "usn": -1}
        col.save_json("decks", decks)


LIMIT_KEYS = {"new": "newLimit", "review": "reviewLimit"}
TODAY_KEYS = {"new_today": "newLimitToday", "review_today": "reviewLimitToday"}


def deck_limits(col: Collection, did: int) -> dict[str, Any]:
    """The deck's own limits: ``new``/``review`` ("this deck"), ``new_today``/``review_today``
    ("today only", with whether they apply today), null when the preset's limit applies; and
    its own FSRS ``desired_retention``, null when the preset's applies (Anki keeps it beside
    the limits, on the deck options' "This deck" tab)."""
    deck = get_deck(col, did)
    today = col.sched_timing().days_elapsed
    view: dict[str, Any] = {name: deck.get(key) for name, key in LIMIT_KEYS.items()}
    for name, key in TODAY_KEYS.items():
        day_limit = deck.get(key)
        view[name] = day_limit.get("limit") if isinstance(day_limit, dict) else None
        view[f"{name}_active"] = isinstance(day_limit, dict) and day_limit.get("today") == today
    own = deck_desired_retention(deck)
    view["desired_retention"] = None if own is None else round(own, 2)
    return view


def set_deck_limits(col: Collection, did: int, limits: dict[str, Any]) -> None:
    """Anki's ``update_deck_limits``: a limit given is set (a today-only one for today); a
    today-only limit cleared keeps its value but moves to a past day, as Anki does."""
    deck = dict(get_deck(col, did))
    if deck.get("dyn"):
        raise ValidationError(f"{deck['name']!r} is a filtered deck and has no limits")
    today = col.sched_timing().days_elapsed
    for name, value in limits.items():
        if name == "desired_retention":
            deck["desiredRetention"] = _deck_retention(value)
            continue
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT
        ):
            raise OptionValueError(f"deck limit {name!r} must be between 0 and {MAX_LIMIT}")
        if name in LIMIT_KEYS:
            deck[LIMIT_KEYS[name]] = value
        elif name in TODAY_KEYS:
            key = TODAY_KEYS[name]
            old = deck.get(key)
            if value is not None:
                deck[key] = {"limit": value, "today": today}
            elif isinstance(old, dict):
                deck[key] = {**old, "today": min(int(old.get("today", 0)), today - 1)}
        else:
            raise OptionValueError(f"unknown deck limit {name!r}")
    deck.update({"mod": col.now_secs(), "usn": -1})
    with col.transaction():
        col.save_json("decks", {**col.decks, str(did): deck})


def _deck_retention(value: Any) -> int | None:
    """A deck's own desired retention as Anki stores it (a percentage), in the preset's range."""
    if value is None:
        return None
    low, high = OPTIONS["desired_retention"].low, OPTIONS["desired_retention"].high
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise OptionValueError(f"desired retention must be between {low} and {high}")
    return stored_desired_retention(float(value))


# Collection-wide switches shown on Anki's deck options screen (and its preferences): the
# ``col.conf`` keys, with Anki's defaults.
COLLECTION_OPTIONS = {
    "new_cards_ignore_review_limit": ("newCardsIgnoreReviewLimit", False),
    "apply_all_parent_limits": ("applyAllParentLimits", False),
    "load_balancer": ("loadBalancerEnabled", True),
}


def collection_options(col: Collection) -> dict[str, bool]:
    return {
        name: bool(col.conf.get(key, default))
        for name, (key, default) in COLLECTION_OPTIONS.items()
    }


def set_collection_options(col: Collection, changes: dict[str, Any]) -> None:
    """Set the switches given (booleans), leaving the others."""
    conf = dict(col.conf)
    for name, value in changes.items():
        if name not in COLLECTION_OPTIONS:
            raise OptionValueError(f"unknown collection option {name!r}")
        if not isinstance(value, bool):
            raise OptionValueError(f"collection option {name!r} must be true or false")
        conf[COLLECTION_OPTIONS[name][0]] = value
    if conf != col.conf:
        col.save_json("conf", conf)
