"""The display order options of a preset, as Anki v3 applies them when it builds a queue.

Reviews and interday learning cards are gathered in the review sort order (with Anki's random
tie-break, ``fnvhash(id, mod)``), new cards in the gather order and then sorted by the new card
sort order; the three lists are then mixed (``new_mix``, ``interday_learning_mix``) by Anki's
"intersperser", which spreads the shorter list evenly through the longer one. ``fnvhash`` is
FNV-1a over the little-endian bytes of 64-bit integers, Anki's own SQL function, so the
"random" orders are the same card for card as Anki's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from functools import lru_cache
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


@lru_cache(maxsize=1 << 16)
def _fnvhash_sql(*values: int) -> int:
    """The SQL function answers the hash as a signed 64-bit integer, as Anki's does. Cached:
    a random order hashes every new card of a deck each time its queue is built."""
    hashed = fnv_hash(*(int(v) for v in values))
    return hashed - (1 << 64) if hashed >= 1 << 63 else hashed


_FSRS5_DEFAULT_DECAY = 0.5


def _memory(data: object) -> dict[str, float] | None:
    """A card's FSRS memory state from its ``data`` JSON, as Anki's ``CardData`` reads it."""
    if not isinstance(data, str) or not data:
        return None
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return {k: float(v) for k, v in parsed.items() if isinstance(v, int | float)}


def _fsrs_variable(data: object, key: str) -> float | None:
    memory = _memory(data)
    return None if memory is None else memory.get(key)


def _fsrs_retrievability(
    data: object, due: int, ivl: int, today: int, next_day_at: int, now: int
) -> float | None:
    """Anki's ``extract_fsrs_retrievability``: null for a card without a memory state."""
    memory = _memory(data)
    if memory is None or "s" not in memory or "d" not in memory or memory["s"] <= 0:
        return None
    if "lrt" in memory:
        seconds = max(int(now) - int(memory["lrt"]), 0)
    elif due > 365_000:  # (re)learning card, due in seconds
        seconds = max(int(now) - max(int(due) - int(ivl), 0), 0)
    else:
        seconds = max(int(today) - max(int(due) - int(ivl), 0), 0) * 86_400
    decay = memory.get("decay") or _FSRS5_DEFAULT_DECAY
    factor = 0.9 ** (1 / -decay) - 1
    return f32((seconds / 86_400 / memory["s"] * factor + 1) ** -decay)


def ensure_sql_functions(db: sqlite3.Connection) -> None:
    """Make Anki's ``fnvhash(...)``, ``extract_fsrs_variable(data, key)`` and
    ``extract_fsrs_retrievability(...)`` callable in this connection's SQL (idempotent)."""
    db.create_function("fnvhash", -1, _fnvhash_sql, deterministic=True)
    db.create_function("extract_fsrs_variable", 2, _fsrs_variable, deterministic=True)
    db.create_function("extract_fsrs_retrievability", 6, _fsrs_retrievability, deterministic=True)


def knuth_salt(today: int) -> int:
    return (today * _KNUTH) & 0xFFFFFFFF


def review_order_sql(
    order: int, timing: tuple[int, int, int], deck_rank_sql: str, *, fsrs: bool
) -> str:
    """Anki's ``review_order_sql``; ``timing`` is (today, next day at, now) and
    ``deck_rank_sql`` ranks a card's deck in tree order. Cards without an FSRS memory state
    have no retrievability (null, sorted first ascending), as in Anki. Relative overdueness
    uses the SM-2 measure even with FSRS on."""
    today, next_day_at, now = (int(t) for t in timing)
    overdueness = f"-(1 + cast({today} - due + 0.001 as real) / ivl) asc"
    retrievability = (
        "extract_fsrs_retrievability(data, case when odue != 0 then odue else due end, ivl, "
        f"{today}, {next_day_at}, {now})"
    )
    difficulty = "extract_fsrs_variable(data, 'd')"
    clauses = {
        DAY: ["due"],
        DAY_THEN_DECK: ["due", deck_rank_sql],
        DECK_THEN_DAY: [deck_rank_sql, "due"],
        INTERVALS_ASCENDING: ["ivl asc"],
        INTERVALS_DESCENDING: ["ivl desc"],
        EASE_ASCENDING: [f"{difficulty} desc" if fsrs else "factor asc"],
        EASE_DESCENDING: [f"{difficulty} asc" if fsrs else "factor desc"],
        RETRIEVABILITY_ASCENDING: [f"{retrievability} asc"],
        RETRIEVABILITY_DESCENDING: [f"{retrievability} desc"],
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
