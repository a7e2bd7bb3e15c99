"""``deck_config.config``: DeckConfig.Config, a deck options preset
(``proto/anki/deck_config.proto``).

Read back, a preset first goes through ``ensure_deck_config_values_valid``, as whenever Anki
reads one: a value outside its bounds is replaced by its default. Written, the schema-11
sections ``new``, ``rev`` and ``lapse`` are flattened into the one message, their unknown keys
kept in ``other`` under the section's name.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I32, U8, U16, U32, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class DeckConfig(IntEnum):
    LEARN_STEPS = 1
    RELEARN_STEPS = 2
    FSRS_PARAMS_4 = 3
    EASY_DAYS_PERCENTAGES = 4
    FSRS_PARAMS_5 = 5
    FSRS_PARAMS_6 = 6
    NEW_PER_DAY = 9
    REVIEWS_PER_DAY = 10
    INITIAL_EASE = 11
    EASY_MULTIPLIER = 12
    HARD_MULTIPLIER = 13
    LAPSE_MULTIPLIER = 14
    INTERVAL_MULTIPLIER = 15
    MAXIMUM_REVIEW_INTERVAL = 16
    MINIMUM_LAPSE_INTERVAL = 17
    GRADUATING_INTERVAL_GOOD = 18
    GRADUATING_INTERVAL_EASY = 19
    NEW_CARD_INSERT_ORDER = 20
    LEECH_ACTION = 21
    LEECH_THRESHOLD = 22
    DISABLE_AUTOPLAY = 23
    CAP_ANSWER_TIME_TO_SECS = 24
    SHOW_TIMER = 25
    SKIP_QUESTION_WHEN_REPLAYING_ANSWER = 26
    BURY_NEW = 27
    BURY_REVIEWS = 28
    BURY_INTERDAY_LEARNING = 29
    NEW_MIX = 30
    INTERDAY_LEARNING_MIX = 31
    NEW_CARD_SORT_ORDER = 32
    REVIEW_ORDER = 33
    NEW_CARD_GATHER_PRIORITY = 34
    NEW_PER_DAY_MINIMUM = 35
    QUESTION_ACTION = 36
    DESIRED_RETENTION = 37
    STOP_TIMER_ON_ANSWER = 38
    HISTORICAL_RETENTION = 40
    SECONDS_TO_SHOW_QUESTION = 41
    SECONDS_TO_SHOW_ANSWER = 42
    ANSWER_ACTION = 43
    WAIT_FOR_AUDIO = 44
    PARAM_SEARCH = 45
    IGNORE_REVLOGS_BEFORE_DATE = 46
    OTHER = sc.OTHER


# ----------------------------------------------------------------- reading


def read_deck_config(dcid: int, name: str, mtime: int, usn: int, c: pb.Fields) -> dict[str, Any]:
    """The schema-11 preset of a ``deck_config`` row."""
    d = DeckConfig
    new = {
        "bury": pb.get_bool(c, d.BURY_NEW),
        "delays": sc.json_floats(c, d.LEARN_STEPS),
        "initialFactor": _initial_factor(c),
        "ints": [
            _bounded_u32(c, d.GRADUATING_INTERVAL_GOOD, 1, 1, 36500),
            _bounded_u32(c, d.GRADUATING_INTERVAL_EASY, 4, 1, 36500),
            0,
        ],
        # schema 18: 0 in order added, 1 random; schema 11 the other way round
        "order": 0 if sc.i32(c, d.NEW_CARD_INSERT_ORDER) == 1 else 1,
        "perDay": _bounded_u32(c, d.NEW_PER_DAY, 20, 0, 9999),
    }
    rev = {
        "bury": pb.get_bool(c, d.BURY_REVIEWS),
        "ease4": _bounded_f32(c, d.EASY_MULTIPLIER, 1.3, 1.0, 5.0),
        "ivlFct": _bounded_f32(c, d.INTERVAL_MULTIPLIER, 1.0, 0.5, 2.0),
        "maxIvl": _bounded_u32(c, d.MAXIMUM_REVIEW_INTERVAL, 36500, 1, 36500),
        "perDay": _bounded_u32(c, d.REVIEWS_PER_DAY, 200, 0, 9999),
        "hardFactor": _bounded_f32(c, d.HARD_MULTIPLIER, 1.2, 0.5, 1.3),
    }
    lapse = {
        "delays": sc.json_floats(c, d.RELEARN_STEPS),
        "leechAction": 1 if sc.i32(c, d.LEECH_ACTION) == 1 else 0,
        "leechFails": _bounded_u32(c, d.LEECH_THRESHOLD, 8, 1, 9999),
        "minInt": _bounded_u32(c, d.MINIMUM_LAPSE_INTERVAL, 1, 1, 36500),
        "mult": _bounded_f32(c, d.LAPSE_MULTIPLIER, 0.0, 0.0, 1.0),
    }
    question_action = sc.i32(c, d.QUESTION_ACTION)
    answer_action = sc.i32(c, d.ANSWER_ACTION)
    conf: dict[str, Any] = {
        "id": dcid,
        "mod": mtime,
        "name": name,
        "usn": usn,
        "maxTaken": _bounded_u32(c, d.CAP_ANSWER_TIME_TO_SECS, 60, 1, 9999),
        "autoplay": not pb.get_bool(c, d.DISABLE_AUTOPLAY),
        "timer": 1 if pb.get_bool(c, d.SHOW_TIMER) else 0,
        "replayq": not pb.get_bool(c, d.SKIP_QUESTION_WHEN_REPLAYING_ANSWER),
        "new": new,
        "rev": rev,
        "lapse": lapse,
        "dyn": False,
        "newMix": sc.i32(c, d.NEW_MIX),
        "newPerDayMinimum": _bounded_u32(c, d.NEW_PER_DAY_MINIMUM, 0, 0, 9999),
        "interdayLearningMix": sc.i32(c, d.INTERDAY_LEARNING_MIX),
        "reviewOrder": sc.i32(c, d.REVIEW_ORDER),
        "newSortOrder": sc.i32(c, d.NEW_CARD_SORT_ORDER),
        "newGatherPriority": sc.i32(c, d.NEW_CARD_GATHER_PRIORITY),
        "buryInterdayLearning": pb.get_bool(c, d.BURY_INTERDAY_LEARNING),
        "fsrsWeights": sc.json_floats(c, d.FSRS_PARAMS_4),
        "fsrsParams5": sc.json_floats(c, d.FSRS_PARAMS_5),
        "fsrsParams6": sc.json_floats(c, d.FSRS_PARAMS_6),
        "desiredRetention": _bounded_f32(c, d.DESIRED_RETENTION, 0.9, 0.7, 0.99),
        "ignoreRevlogsBeforeDate": pb.get_str(c, d.IGNORE_REVLOGS_BEFORE_DATE),
        "easyDaysPercentages": sc.json_floats(c, d.EASY_DAYS_PERCENTAGES),
        "stopTimerOnAnswer": pb.get_bool(c, d.STOP_TIMER_ON_ANSWER),
        "secondsToShowQuestion": sc.json_float(pb.get_float(c, d.SECONDS_TO_SHOW_QUESTION)),
        "secondsToShowAnswer": sc.json_float(pb.get_float(c, d.SECONDS_TO_SHOW_ANSWER)),
        # an action Anki has no name for reads as the first one
        "questionAction": question_action if question_action in (0, 1) else 0,
        "answerAction": answer_action if answer_action in range(5) else 0,
        "waitForAudio": pb.get_bool(c, d.WAIT_FOR_AUDIO),
        "sm2Retention": _bounded_f32(c, d.HISTORICAL_RETENTION, 0.9, 0.7, 0.97),
        "weightSearch": pb.get_str(c, d.PARAM_SEARCH),
    }
    # The unknown keys of new/rev/lapse are kept in ``other`` under the section's name.
    other = sc.other(c)
    for section, known in (("new", new), ("rev", rev), ("lapse", lapse)):
        known.update(sc.unreserved(other.pop(section, None), known))
    conf.update(sc.unreserved(other, conf))
    return conf


def _bounded_u32(c: pb.Fields, number: int, default: int, low: int, high: int) -> int:
    """ensure_u32_valid: a value outside ``low..high`` becomes ``default``."""
    value = sc.u32(c, number)
    return value if low <= value <= high else default


def _bounded_f32(c: pb.Fields, number: int, default: float, low: float, high: float) -> float:
    """ensure_f32_valid, bounds compared in single precision: NaN or a value outside
    ``low..high`` becomes ``default``."""
    value = sc.f32(c, number)
    if math.isnan(value) or not pb.to_float32(low) <= value <= pb.to_float32(high):
        return default
    return pb.shortest_float32(value)


def _initial_factor(c: pb.Fields) -> int:
    """``(initial_ease * 1000.0) as u16``, in single precision."""
    ease = pb.to_float32(_bounded_f32(c, DeckConfig.INITIAL_EASE, 2.5, 1.31, 5.0))
    return min(int(pb.to_float32(ease * 1000)), 0xFFFF)


# ----------------------------------------------------------------- writing

# What Anki uses for a "new", "rev" or "lapse" section it cannot read.
_DEFAULT_NEW: dict[str, Any] = {
    "bury": False,
    "delays": [1.0, 10.0],
    "initialFactor": 2500,
    "ints": (1, 4),
    "order": 1,
    "perDay": 20,
    "other": {},
}
_DEFAULT_REV: dict[str, Any] = {
    "bury": False,
    "ease4": 1.3,
    "ivlFct": 1.0,
    "maxIvl": 36500,
    "perDay": 200,
    "hardFactor": 1.2,
    "other": {},
}
_DEFAULT_LAPSE: dict[str, Any] = {
    "delays": [10.0],
    "leechAction": 1,
    "leechFails": 8,
    "minInt": 1,
    "mult": 0.0,
    "other": {},
}


def write_deck_config(c: Struct) -> tuple[bytes, bool]:
    """The DeckConfig.Config message, and whether its starting ease was reset."""
    d = DeckConfig
    max_taken = c.required("maxTaken", sj.integer(I32))
    autoplay = c.required("autoplay", sj.boolean)
    timer = c.lenient("timer", sj.integer(U8), 0, missing_ok=False)
    replayq = c.default("replayq", sj.boolean, False)
    new = c.lenient("new", _new_options, _DEFAULT_NEW, missing_ok=False)
    rev = c.lenient("rev", _review_options, _DEFAULT_REV, missing_ok=False)
    lapse = c.lenient("lapse", _lapse_options, _DEFAULT_LAPSE, missing_ok=False)
    c.lenient("dyn", sj.boolean, False, missing_ok=True)
    i32, u32, floats = sj.integer(I32), sj.integer(U32), sj.list_of(sj.f32)
    no_floats = list[float]()
    initial_ease, low_ease = _initial_ease(new["initialFactor"])
    message = pb.message(
        [
            pb.packed_floats(d.LEARN_STEPS, new["delays"]),
            pb.packed_floats(d.RELEARN_STEPS, lapse["delays"]),
            pb.packed_floats(d.FSRS_PARAMS_4, c.default("fsrsWeights", floats, no_floats)),
            pb.packed_floats(
                d.EASY_DAYS_PERCENTAGES, c.default("easyDaysPercentages", floats, no_floats)
            ),
            pb.packed_floats(d.FSRS_PARAMS_5, c.default("fsrsParams5", floats, no_floats)),
            pb.packed_floats(d.FSRS_PARAMS_6, c.default("fsrsParams6", floats, no_floats)),
            pb.implicit_varint(d.NEW_PER_DAY, new["perDay"]),
            pb.implicit_varint(d.REVIEWS_PER_DAY, rev["perDay"]),
            pb.implicit_float(d.INITIAL_EASE, initial_ease),
            pb.implicit_float(d.EASY_MULTIPLIER, rev["ease4"]),
            pb.implicit_float(d.HARD_MULTIPLIER, rev["hardFactor"]),
            pb.implicit_float(d.LAPSE_MULTIPLIER, lapse["mult"]),
            pb.implicit_float(d.INTERVAL_MULTIPLIER, rev["ivlFct"]),
            pb.implicit_varint(d.MAXIMUM_REVIEW_INTERVAL, rev["maxIvl"]),
            pb.implicit_varint(d.MINIMUM_LAPSE_INTERVAL, lapse["minInt"]),
            pb.implicit_varint(d.GRADUATING_INTERVAL_GOOD, new["ints"][0]),
            pb.implicit_varint(d.GRADUATING_INTERVAL_EASY, new["ints"][1]),
            # schema 11: 0 random, 1 in order added; schema 18 the other way round
            pb.implicit_varint(d.NEW_CARD_INSERT_ORDER, 1 if new["order"] == 0 else 0),
            pb.implicit_varint(d.LEECH_ACTION, lapse["leechAction"]),
            pb.implicit_varint(d.LEECH_THRESHOLD, lapse["leechFails"]),
            pb.implicit_varint(d.DISABLE_AUTOPLAY, not autoplay),
            pb.implicit_varint(d.CAP_ANSWER_TIME_TO_SECS, max(max_taken, 0)),
            pb.implicit_varint(d.SHOW_TIMER, timer != 0),
            pb.implicit_varint(d.SKIP_QUESTION_WHEN_REPLAYING_ANSWER, not replayq),
            pb.implicit_varint(d.BURY_NEW, new["bury"]),
            pb.implicit_varint(d.BURY_REVIEWS, rev["bury"]),
            pb.implicit_varint(
                d.BURY_INTERDAY_LEARNING, c.default("buryInterdayLearning", sj.boolean, False)
            ),
            pb.implicit_varint(d.NEW_MIX, c.default("newMix", i32, 0)),
            pb.implicit_varint(d.INTERDAY_LEARNING_MIX, c.default("interdayLearningMix", i32, 0)),
            pb.implicit_varint(d.NEW_CARD_SORT_ORDER, c.default("newSortOrder", i32, 0)),
            pb.implicit_varint(d.REVIEW_ORDER, c.default("reviewOrder", i32, 0)),
            pb.implicit_varint(d.NEW_CARD_GATHER_PRIORITY, c.default("newGatherPriority", i32, 0)),
            pb.implicit_varint(d.NEW_PER_DAY_MINIMUM, c.default("newPerDayMinimum", u32, 0)),
            pb.implicit_varint(d.QUESTION_ACTION, c.default("questionAction", sj.one_of(0, 1), 0)),
            pb.implicit_float(d.DESIRED_RETENTION, c.default("desiredRetention", sj.f32, 0.0)),
            pb.implicit_varint(
                d.STOP_TIMER_ON_ANSWER, c.default("stopTimerOnAnswer", sj.boolean, False)
            ),
            pb.implicit_float(d.HISTORICAL_RETENTION, c.default("sm2Retention", sj.f32, 0.0)),
            pb.implicit_float(
                d.SECONDS_TO_SHOW_QUESTION, c.default("secondsToShowQuestion", sj.f32, 0.0)
            ),
            pb.implicit_float(
                d.SECONDS_TO_SHOW_ANSWER, c.default("secondsToShowAnswer", sj.f32, 0.0)
            ),
            pb.implicit_varint(
                d.ANSWER_ACTION, c.default("answerAction", sj.one_of(0, 1, 2, 3, 4), 0)
            ),
            pb.implicit_varint(d.WAIT_FOR_AUDIO, c.default("waitForAudio", sj.boolean, True)),
            pb.implicit_str(d.PARAM_SEARCH, c.default("weightSearch", sj.string, "")),
            pb.implicit_str(
                d.IGNORE_REVLOGS_BEFORE_DATE, c.default("ignoreRevlogsBeforeDate", sj.string, "")
            ),
            # last: the keys left over once every known one was read
            sc.other_field(_deck_config_other(c, new, rev, lapse)),
        ]
    )
    return message, low_ease


def _deck_config_other(c: Struct, *sections: dict[str, Any]) -> dict[str, Any]:
    """Unknown keys, with those of the new/rev/lapse sections under "new"/"rev"/"lapse"."""
    other = c.other()
    for name, section in zip(("new", "rev", "lapse"), sections, strict=True):
        if section["other"]:
            other[name] = section["other"]
    return other


def _initial_ease(initial_factor: int) -> tuple[float, bool]:
    """The starting ease as Anki arrives at it, in f32: factor/1000, times 100 (schema 15), over
    100 (schema 16); at or below 1.3 it is reset to 2.5 (True: the cards need fixing too)."""
    f32 = pb.to_float32
    ease = f32(f32(f32(f32(float(initial_factor)) / 1000.0) * 100.0) / 100.0)
    if ease <= f32(1.3):
        return 2.5, True
    return ease, False


def _new_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "new")
    return {
        "bury": s.default("bury", sj.boolean, False),
        "delays": s.lenient("delays", sj.list_of(sj.f32), list[float](), missing_ok=False),
        "initialFactor": s.required("initialFactor", sj.integer(U16)),
        "ints": _new_intervals(s),
        "order": s.lenient("order", sj.one_of(0, 1), 1, missing_ok=False),
        "perDay": s.lenient("perDay", sj.integer(U32), 0, missing_ok=False),
        "other": s.other(),
    }


def _new_intervals(s: Struct) -> tuple[int, int]:
    """Graduating intervals: AnkiDroid once wrote two items instead of three; anything that is
    not at least two numbers reads as Anki's defaults (1, 4)."""
    ints: list[int] = s.lenient("ints", sj.list_of(sj.integer(U16)), [], missing_ok=False)
    return (ints[0], ints[1]) if len(ints) >= 2 else (1, 4)


def _review_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "rev")
    return {
        "bury": s.default("bury", sj.boolean, False),
        "ease4": s.required("ease4", sj.f32),
        "ivlFct": s.required("ivlFct", sj.f32),
        "maxIvl": s.required("maxIvl", sj.integer(U32)),
        "perDay": s.lenient("perDay", sj.integer(U32), 0, missing_ok=False),
        "hardFactor": s.default("hardFactor", sj.f32, 1.2),
        "other": s.other(),
    }


def _lapse_options(value: Any) -> dict[str, Any]:
    s = Struct(value, "lapse")
    return {
        "delays": s.lenient("delays", sj.list_of(sj.f32), list[float](), missing_ok=False),
        "leechAction": s.lenient("leechAction", sj.one_of(0, 1), 1, missing_ok=False),
        "leechFails": s.required("leechFails", sj.integer(U32)),
        "minInt": s.required("minInt", sj.integer(U32)),
        "mult": s.required("mult", sj.f32),
        "other": s.other(),
    }
