"""The display order options of a preset, as Anki v3 applies them when it builds a queue.

Reviews and interday learning cards are gathered in the review sort order (with Anki's random
tie-break, ``fnvhash(id, mod)``), new cards in the gather order and then sorted by the new card
sort order; the three lists are then mixed (``new_mix``, ``interday_learning_mix``) by Anki's
"intersperser", which spreads the shorter list evenly through the longer one. ``fnvhash`` is
FNV-1a over the little-endian bytes of 64-bit integers, Anki's own SQL function, so the
"random" orders are the same card for card as Anki's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TypeVar

from javumbo.collection.cards import Card
from javumbo.collection.scheduler.fuzz import f32

T = TypeVar("T")

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_U64 = (1 << 64) - 1
_KNUTH = 2654435761

# ReviewCardOrder (proto numbers)
DAY, DAY_THEN_DECK, DECK_THEN_DAY = 0, 1, 2
INTERVALS_ASCENDING, INTERVALS_DESCENDING = 3, 4
EASE_ASCENDING, EASE_DESCENDING = 5, 6
RETRIEVABILITY_ASCENDING, RANDOM, ADDED, REVERSE_ADDED = 7, 8, 9, 10
RETRIEVABILITY_DESCENDING, RELATIVE_OVERDUENESS = 11, 12
# NewCardGatherPriority
GATHER_DECK, GATHER_LOWEST, GATHER_HIGHEST, GATHER_RANDOM_NOTES, GATHER_RANDOM_CARDS = 0, 1, 2, 3, 4
GATHER_DECK_THEN_RANDOM_NOTES = 5
# NewCardSortOrder
SORT_TEMPLATE, SORT_NONE, SORT_TEMPLATE_THEN_RANDOM, SORT_RANDOM_NOTE_THEN_TEMPLATE = 0, 1, 2, 3
SORT_RANDOM_CARD = 4
# ReviewMix
MIX_WITH_REVIEWS, AFTER_REVIEWS, BEFORE_REVIEWS = 0, 1, 2


def fnv_hash(*values: int) -> int:
    """FNV-1a 64 over each value's 8 little-endian bytes (Rust's ``FnvHasher::write_i64``)."""
    state = _FNV_OFFSET
    for value in values:
        for byte in (value & _U64).to_bytes(8, "little"):
            state = ((state ^ byte) * _FNV_PRIME) & _U64
    return state


def _fnvhash_sql(*values: int) -> int:
    """The SQL function answers the hash as a signed 64-bit integer, as Anki's does."""
    hashed = fnv_hash(*(int(v) for v in values))
    return hashed - (1 << 64) if hashed >= 1 << 63 else hashed


def ensure_fnvhash(db: sqlite3.Connection) -> None:
    """Make ``fnvhash(...)`` callable in this connection's SQL (idempotent)."""
    db.create_function("fnvhash", -1, _fnvhash_sql, deterministic=True)


def knuth_salt(today: int) -> int:
    return (today * _KNUTH) & 0xFFFFFFFF


def review_order_sql(order: int, today: int, deck_rank_sql: str) -> str:
    """Anki's ``review_order_sql`` for an SM-2 collection; ``deck_rank_sql`` ranks a card's deck
    in tree order. The retrievability orders need FSRS memory states; without them they fall
    back to relative overdueness, the closest SM-2 measure."""
    overdueness = f"-(1 + cast({int(today)} - due + 0.001 as real) / ivl) asc"
    clauses = {
        DAY: ["due"],
        DAY_THEN_DECK: ["due", deck_rank_sql],
        DECK_THEN_DAY: [deck_rank_sql, "due"],
        INTERVALS_ASCENDING: ["ivl asc"],
        INTERVALS_DESCENDING: ["ivl desc"],
        EASE_ASCENDING: ["factor asc"],
        EASE_DESCENDING: ["factor desc"],
        RETRIEVABILITY_ASCENDING: [overdueness],
        RETRIEVABILITY_DESCENDING: [overdueness.replace(" asc", " desc")],
        RELATIVE_OVERDUENESS: [overdueness],
        RANDOM: [],
        ADDED: ["nid asc, ord asc"],
        REVERSE_ADDED: ["nid desc, ord asc"],
    }.get(order, ["due"])
    return ", ".join([*clauses, "fnvhash(id, mod)"])


def new_gather_sql(priority: int, today: int) -> str:
    """The SQL order new cards are gathered in (within a deck for the deck priorities)."""
    salt = knuth_salt(today)
    if priority == GATHER_HIGHEST:
        return "due desc, ord asc"
    if priority in (GATHER_RANDOM_NOTES, GATHER_DECK_THEN_RANDOM_NOTES):
        return f"fnvhash(nid, {salt}), ord asc"
    if priority == GATHER_RANDOM_CARDS:
        return f"fnvhash(id, {salt})"
    return "due asc, ord asc"


def sort_new(cards: list[Card], order: int, today: int) -> list[Card]:
    """The gathered new cards in the preset's new card sort order (Anki's ``sort_new``)."""
    if order == SORT_TEMPLATE:
        return sorted(cards, key=lambda c: c.ord)
    if order == SORT_TEMPLATE_THEN_RANDOM:
        return sorted(cards, key=lambda c: (c.ord, fnv_hash(c.id, today)))
    if order == SORT_RANDOM_NOTE_THEN_TEMPLATE:
        return sorted(cards, key=lambda c: (fnv_hash(c.nid, today), c.ord))
    if order == SORT_RANDOM_CARD:
        return sorted(cards, key=lambda c: fnv_hash(c.id, today))
    return list(cards)


def intersperse(one: Sequence[T], two: Sequence[T]) -> list[T]:
    """Anki's ``Intersperser``: ``two`` spread evenly through ``one``, the longer list first."""
    ratio = f32(f32(len(one) + 1) / f32(len(two) + 1))  # Anki computes it in f32
    out: list[T] = []
    i = j = 0
    while i < len(one) or j < len(two):
        if i < len(one) and j < len(two):
            if f32((j + 1) * ratio) < i + 1:
                out.append(two[j])
                j += 1
            else:
                out.append(one[i])
                i += 1
        elif i < len(one):
            out.append(one[i])
            i += 1
        else:
            out.append(two[j])
            j += 1
    return out


def mix(reviews: Sequence[T], others: Sequence[T], mode: int) -> list[T]:
    """``others`` (new or interday learning cards) placed as the preset's mix option says."""
    if mode == AFTER_REVIEWS:
        return [*reviews, *others]
    if mode == BEFORE_REVIEWS:
        return [*others, *reviews]
    return intersperse(reviews, others)
