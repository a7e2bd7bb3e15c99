"""``decks.common``: Deck.Common, what every deck has (``proto/anki/decks.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import U8, Invalid, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class DeckCommon(IntEnum):
    STUDY_COLLAPSED = 1
    BROWSER_COLLAPSED = 2
    LAST_DAY_STUDIED = 3
    NEW_STUDIED = 4
    REVIEW_STUDIED = 5
    LEARNING_STUDIED = 6
    MILLISECONDS_STUDIED = 7
    OTHER = sc.OTHER


def read_deck_common(
    did: int,
    name: str,
    mtime: int,
    usn: int,
    common: pb.Fields,
    description: str,
    markdown: bool,
) -> dict[str, Any]:
    """The keys every deck has, up to ``dyn``: the four counts share the one day kept."""
    c = DeckCommon
    day = sc.i32(common, c.LAST_DAY_STUDIED)
    deck: dict[str, Any] = {
        "id": did,
        "mod": mtime,
        "name": str(name).replace("\x1f", "::"),
        "usn": usn,
        "lrnToday": [day, sc.i32(common, c.LEARNING_STUDIED)],
        "revToday": [day, sc.i32(common, c.REVIEW_STUDIED)],
        "newToday": [day, sc.i32(common, c.NEW_STUDIED)],
        "timeToday": [day, sc.i32(common, c.MILLISECONDS_STUDIED)],
        "collapsed": pb.get_bool(common, c.STUDY_COLLAPSED),
        "browserCollapsed": pb.get_bool(common, c.BROWSER_COLLAPSED),
        "desc": description,
    }
    if markdown:
        deck["md"] = True
    return deck


def write_deck_common(deck: Struct) -> bytes:
    """Collapse state and today's counts: Anki keeps one day, the latest of new/rev/time, and
    drops the counts of an earlier day. (The ``other`` field is appended by the caller, once
    the deck's kind has read its keys.)"""
    c = DeckCommon
    today = {
        key: deck.required(key, _today_amount)
        for key in ("lrnToday", "revToday", "newToday", "timeToday")
    }
    study_collapsed = deck.required("collapsed", sj.boolean)
    browser_collapsed = deck.default("browserCollapsed", sj.boolean, False)
    deck.required("dyn", sj.integer(U8))
    day = max(today["timeToday"][0], today["newToday"][0], today["revToday"][0])

    def studied(key: str) -> int:
        return today[key][1] if today[key][0] == day else 0

    return pb.message(
        [
            pb.implicit_varint(c.STUDY_COLLAPSED, study_collapsed),
            pb.implicit_varint(c.BROWSER_COLLAPSED, browser_collapsed),
            pb.implicit_varint(c.LAST_DAY_STUDIED, day % 2**32),
            pb.implicit_varint(c.NEW_STUDIED, studied("newToday")),
            pb.implicit_varint(c.REVIEW_STUDIED, studied("revToday")),
            pb.implicit_varint(c.LEARNING_STUDIED, studied("lrnToday")),
            pb.implicit_varint(c.MILLISECONDS_STUDIED, today["timeToday"][1]),
        ]
    )


def _today_amount(value: Any) -> tuple[int, int]:
    """``[day, amount]``: Anki takes the last two items and reads anything odd as 0."""
    if not isinstance(value, list):
        raise Invalid(f"{value!r} is not a list")
    items = list(value)

    def pop() -> int:
        item = items.pop() if items else None
        return sj.wrap_i32(item) if type(item) is int and item < 2**63 else 0

    amount = pop()
    return pop(), amount
