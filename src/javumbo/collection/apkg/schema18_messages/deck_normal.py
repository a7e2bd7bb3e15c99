"""A normal deck's part of ``decks.kind``: Deck.Normal and its DayLimit
(``proto/anki/decks.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I32, I64, U32, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class DeckNormal(IntEnum):
    CONFIG_ID = 1
    EXTEND_NEW = 2
    EXTEND_REVIEW = 3
    DESCRIPTION = 4
    MARKDOWN_DESCRIPTION = 5
    REVIEW_LIMIT = 6
    NEW_LIMIT = 7
    REVIEW_LIMIT_TODAY = 8
    NEW_LIMIT_TODAY = 9
    DESIRED_RETENTION = 10


class DayLimit(IntEnum):
    LIMIT = 1
    TODAY = 2


def read_description(normal: pb.Fields) -> tuple[str, bool]:
    """The deck's description and whether it is markdown (kept beside the common keys)."""
    n = DeckNormal
    return pb.get_str(normal, n.DESCRIPTION), pb.get_bool(normal, n.MARKDOWN_DESCRIPTION)


def read_normal(normal: pb.Fields) -> dict[str, Any]:
    """The schema-11 keys of a normal deck after ``dyn``."""
    n = DeckNormal
    # The deck's desired retention is a fraction in schema 18, a whole percentage in 11.
    retention = (
        sc.f32_as_u32(pb.to_float32(sc.f32(normal, n.DESIRED_RETENTION) * 100))
        if n.DESIRED_RETENTION in normal
        else None
    )
    return {
        "conf": pb.get_sint(normal, n.CONFIG_ID),
        "extendNew": sc.i32(normal, n.EXTEND_NEW),
        "extendRev": sc.i32(normal, n.EXTEND_REVIEW),
        "reviewLimit": sc.u32(normal, n.REVIEW_LIMIT) if n.REVIEW_LIMIT in normal else None,
        "newLimit": sc.u32(normal, n.NEW_LIMIT) if n.NEW_LIMIT in normal else None,
        "reviewLimitToday": _read_day_limit(normal, n.REVIEW_LIMIT_TODAY),
        "newLimitToday": _read_day_limit(normal, n.NEW_LIMIT_TODAY),
        "desiredRetention": retention,
    }


def _read_day_limit(normal: pb.Fields, number: int) -> dict[str, int] | None:
    if number not in normal:
        return None
    limit = pb.get_message(normal, number)
    return {"limit": sc.u32(limit, DayLimit.LIMIT), "today": sc.u32(limit, DayLimit.TODAY)}


NORMAL_KEYS = frozenset(read_normal({}))


def write_normal(deck: Struct) -> tuple[int, bytes]:
    """The deck's options preset id and its Normal message."""
    n = DeckNormal
    description = deck.default("desc", sj.string, "")
    markdown = deck.default("md", sj.boolean, False)
    config_id = deck.required("conf", sj.number_or_string(I64))
    extend_new = deck.lenient("extendNew", sj.integer(I32), 0, missing_ok=True)
    extend_rev = deck.lenient("extendRev", sj.integer(I32), 0, missing_ok=True)
    limits = {
        key: deck.lenient(key, sj.nullable(sj.integer(U32)), None, missing_ok=True)
        for key in ("reviewLimit", "newLimit")
    }
    day_limits = {
        key: deck.lenient(key, sj.nullable(_write_day_limit), None, missing_ok=True)
        for key in ("reviewLimitToday", "newLimitToday")
    }
    # A percentage in schema 11, a fraction in schema 18.
    retention = deck.lenient(
        "desiredRetention", sj.nullable(sj.integer(U32)), None, missing_ok=True
    )
    message = pb.message(
        [
            pb.implicit_varint(n.CONFIG_ID, config_id),
            pb.implicit_varint(n.EXTEND_NEW, max(extend_new, 0)),
            pb.implicit_varint(n.EXTEND_REVIEW, max(extend_rev, 0)),
            pb.implicit_str(n.DESCRIPTION, description),
            pb.implicit_varint(n.MARKDOWN_DESCRIPTION, markdown),
            sc.present_varint(n.REVIEW_LIMIT, limits["reviewLimit"]),
            sc.present_varint(n.NEW_LIMIT, limits["newLimit"]),
            sc.present_message(n.REVIEW_LIMIT_TODAY, day_limits["reviewLimitToday"]),
            sc.present_message(n.NEW_LIMIT_TODAY, day_limits["newLimitToday"]),
            b""
            if retention is None
            else pb.float_field(n.DESIRED_RETENTION, pb.to_float32(retention) / 100),
        ]
    )
    return config_id, message


def _write_day_limit(value: Any) -> bytes:
    limit = Struct(value, "a day limit")
    return pb.message(
        [
            pb.implicit_varint(DayLimit.LIMIT, limit.required("limit", sj.integer(U32))),
            pb.implicit_varint(DayLimit.TODAY, limit.required("today", sj.integer(U32))),
        ]
    )
