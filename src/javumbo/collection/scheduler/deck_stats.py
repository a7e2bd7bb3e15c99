"""The decks' "studied today" counters (``newToday``, ``revToday``, ``lrnToday``, ``timeToday``,
each ``[day, amount]`` with day = days since the collection was created), written on every
answer as Anki writes them (rslib ``update_deck_stats_from_answer`` and ``update_deck_stats``).

Our own daily limits count from the revlog (``limits.py``) and never read these counters; they
are kept for Anki's clients, which sync with us and read them from the deck: Anki desktop and
AnkiDroid subtract them from the deck's limits and show "studied N cards in M minutes today".

As Anki does: the answer counts in the deck the card sits in (a filtered deck while it is
borrowed there) and in every parent of that deck; a card answered from the new queue adds a new
card, one answered from the review or interday learning queue adds a review, (re)learning steps
add nothing but their time; the time is the answer's, capped by the preset, in milliseconds.
``lrnToday`` is only reset with the day. A counter from an earlier day starts again from 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from javumbo.collection.cards import QUEUE_DAY_LEARN, QUEUE_NEW, QUEUE_REVIEW
from javumbo.collection.collection import Collection
from javumbo.collection.undo import UndoStep

TODAY_KEYS = ("lrnToday", "revToday", "newToday", "timeToday")
_NEW, _REVIEW, _LEARNING, _TIME = "newToday", "revToday", "lrnToday", "timeToday"


@dataclass(frozen=True)
class StudiedDelta:
    """What one answer adds to the counters of its deck and of the deck's parents."""

    new: int
    review: int
    milliseconds: int

    @classmethod
    def of_answer(cls, queue_before: int, milliseconds: int) -> StudiedDelta:
        """By the queue the card was answered from, as Anki counts it."""
        return cls(
            new=int(queue_before == QUEUE_NEW),
            review=int(queue_before in (QUEUE_REVIEW, QUEUE_DAY_LEARN)),
            milliseconds=milliseconds,
        )


def _counter(deck: dict[str, Any], key: str) -> tuple[int, int]:
    """``[day, amount]`` of one counter; anything malformed reads as day 0, amount 0."""
    value = deck.get(key)
    if not isinstance(value, list) or len(value) < 2:
        return 0, 0
    day, amount = value[-2], value[-1]
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (day, amount))
    return (day, amount) if ok else (0, 0)


def studied_counts(deck: dict[str, Any], today: int) -> dict[str, int]:
    """The deck's counters for ``today``, as Anki reads a schema-11 deck: one day is kept, the
    latest of new/review/time; a count of an earlier day is 0, and so is every count when that
    day is not today."""
    counters = {key: _counter(deck, key) for key in TODAY_KEYS}
    day = max(counters[_TIME][0], counters[_NEW][0], counters[_REVIEW][0])
    if day != today:
        return dict.fromkeys(TODAY_KEYS, 0)
    counts = {key: amount if d == day else 0 for key, (d, amount) in counters.items()}
    counts[_TIME] = counters[_TIME][1]
    return counts


def _with_counts(deck: dict[str, Any], today: int, counts: dict[str, int], now: int) -> Any:
    changed = dict(deck)
    for key in TODAY_KEYS:
        changed[key] = [today, counts[key]]
    changed["mod"] = now
    changed["usn"] = -1
    return changed


def deck_with_parents(decks: dict[str, Any], deck_id: int) -> list[str]:
    """The keys in ``col.decks`` of the deck and of its parents that exist (by name, as Anki
    finds parents), the deck first."""
    deck = decks.get(str(deck_id))
    if not isinstance(deck, dict):
        return []
    by_name = {
        str(d.get("name", "")).casefold(): key for key, d in decks.items() if isinstance(d, dict)
    }
    parts = str(deck.get("name", "")).split("::")
    keys = [str(deck_id)]
    for end in range(len(parts) - 1, 0, -1):
        key = by_name.get("::".join(parts[:end]).casefold())
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def updated_decks(
    col: Collection, keys: Iterable[str], today: int, delta: StudiedDelta
) -> dict[str, Any]:
    """``col.decks`` with ``delta`` added to today's counters of the decks ``keys``."""
    decks = dict(col.decks)
    now = col.now_secs()
    for key in keys:
        deck = decks[key]
        counts = studied_counts(deck, today)
        counts[_NEW] += delta.new
        counts[_REVIEW] += delta.review
        counts[_TIME] += delta.milliseconds
        decks[key] = _with_counts(deck, today, counts, now)
    return decks


def record_answer(
    col: Collection, deck_id: int, today: int, delta: StudiedDelta, step: UndoStep
) -> None:
    """Add one answer to the counters of ``deck_id`` and its parents: one write of the decks,
    the counters kept by the undo step first."""
    keys = deck_with_parents(col.decks, deck_id)
    if not keys:
        return
    step.deck_counters_changing(keys)
    col.save_json("decks", updated_decks(col, keys, today, delta))
