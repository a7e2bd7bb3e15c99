"""A filtered deck's part of ``decks.kind``: Deck.Filtered and its SearchTerm
(``proto/anki/decks.proto``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from javumbo.collection.apkg import protobuf as pb
from javumbo.collection.apkg import schema11_json as sj
from javumbo.collection.apkg.schema11_json import I32, U32, Invalid, Struct
from javumbo.collection.apkg.schema18_messages import scalars as sc


class DeckFiltered(IntEnum):
    RESCHEDULE = 1
    SEARCH_TERMS = 2
    DELAYS = 3
    PREVIEW_DELAY = 4
    PREVIEW_HARD_SECS = 5
    PREVIEW_GOOD_SECS = 6
    PREVIEW_AGAIN_SECS = 7


class SearchTerm(IntEnum):
    SEARCH = 1
    LIMIT = 2
    ORDER = 3


def read_filtered(filtered: pb.Fields) -> dict[str, Any]:
    """The schema-11 keys of a filtered deck after ``dyn``."""
    f, t = DeckFiltered, SearchTerm
    terms = [
        [pb.get_str(term, t.SEARCH), sc.i32(term, t.LIMIT), sc.i32(term, t.ORDER)]
        for term in pb.get_messages(filtered, f.SEARCH_TERMS)
    ]
    return {
        "resched": pb.get_bool(filtered, f.RESCHEDULE),
        "terms": terms,
        "separate": True,
        "delays": sc.json_floats(filtered, f.DELAYS) or None,
        "previewDelay": sc.u32(filtered, f.PREVIEW_DELAY),
        "previewAgainSecs": sc.u32(filtered, f.PREVIEW_AGAIN_SECS),
        "previewHardSecs": sc.u32(filtered, f.PREVIEW_HARD_SECS),
        "previewGoodSecs": sc.u32(filtered, f.PREVIEW_GOOD_SECS),
    }


def write_filtered(deck: Struct) -> bytes:
    f = DeckFiltered
    deck.ignore("desc", "md")
    reschedule = deck.required("resched", sj.bool_from_anything)
    terms = deck.required("terms", sj.list_of(_write_search_term))
    deck.default("separate", sj.boolean, False)
    delays = deck.lenient("delays", sj.nullable(sj.list_of(sj.f32)), None, missing_ok=True)
    secs = {
        key: deck.default(key, sj.integer(U32), 0)
        for key in ("previewDelay", "previewAgainSecs", "previewHardSecs", "previewGoodSecs")
    }
    return pb.message(
        [
            pb.implicit_varint(f.RESCHEDULE, reschedule),
            *(pb.bytes_field(f.SEARCH_TERMS, term) for term in terms),
            pb.packed_floats(f.DELAYS, delays or []),
            pb.implicit_varint(f.PREVIEW_DELAY, secs["previewDelay"]),
            pb.implicit_varint(f.PREVIEW_HARD_SECS, secs["previewHardSecs"]),
            pb.implicit_varint(f.PREVIEW_GOOD_SECS, secs["previewGoodSecs"]),
            pb.implicit_varint(f.PREVIEW_AGAIN_SECS, secs["previewAgainSecs"]),
        ]
    )


def _write_search_term(value: Any) -> bytes:
    """``[search, limit, order]``."""
    t = SearchTerm
    if not isinstance(value, list) or len(value) != 3:
        raise Invalid(f"{value!r} is not a [search, limit, order] term")
    search = sj.string(value[0])
    limit = sj.number_or_string(I32)(value[1])
    order = sj.integer(I32)(value[2])
    return pb.message(
        [
            pb.implicit_str(t.SEARCH, search),
            pb.implicit_varint(t.LIMIT, max(limit, 0)),
            pb.implicit_varint(t.ORDER, order),
        ]
    )
