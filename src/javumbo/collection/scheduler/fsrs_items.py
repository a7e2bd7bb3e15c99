"""A card's review log turned into FSRS items, by Anki's rules (rslib ``fsrs/params.rs``).

Which entries count: cramming in a filtered deck without rescheduling (``type`` 3, ``factor`` 0)
never does; a manual entry (``type`` 4: set due date, reset) is not an answer; a reset
(``type`` 4, ``factor`` 0) drops the history before it; the history starts at the last group
of learning answers, and entries before the preset's "ignore reviews before" date do not count.
Training takes one item per answer after the first that happened on a later day; a memory
state takes the whole history as one item (with an SM-2 starting state when the learning
answers are missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise

import fsrs_rs_python as fsrs_rs

DAY_SECS = 86_400
REVLOG_LEARNING, REVLOG_FILTERED, REVLOG_MANUAL = 0, 3, 4

# The columns ``RevlogEntry.from_row`` reads, in card order as Anki's ``revlog_for_srs``.
REVLOG_COLUMNS = "id, cid, ease, ivl, lastIvl, factor, type"


@dataclass(frozen=True)
class RevlogEntry:
    id: int
    cid: int
    button_chosen: int
    interval: int
    last_interval: int
    ease_factor: int
    review_kind: int

    @classmethod
    def from_row(cls, row: tuple[int, ...]) -> RevlogEntry:
        return cls(*(int(v) for v in row))

    @property
    def is_reset(self) -> bool:
        return self.review_kind == REVLOG_MANUAL and self.ease_factor == 0

    @property
    def is_cramming(self) -> bool:
        return self.review_kind == REVLOG_FILTERED and self.ease_factor == 0

    @property
    def has_rating(self) -> bool:
        return self.button_chosen > 0

    @property
    def affects_scheduling(self) -> bool:
        return self.has_rating and not self.is_cramming

    def days_elapsed(self, next_day_at: int) -> int:
        return max((next_day_at - self.id // 1000) // DAY_SECS, 0)


@dataclass(frozen=True)
class CardReviews:
    """What ``reviews_for_fsrs`` keeps of one card's log."""

    entries: list[RevlogEntry]
    items: list[tuple[int, fsrs_rs.FSRSItem]]  # (revlog id of the last answer, item)
    complete: bool  # the history starts with learning answers


def _start_of_history(
    entries: list[RevlogEntry], ignore_before_ms: int
) -> tuple[int | None, int | None, bool] | None:
    """(first of the last learning answers, first interday answer, complete); None when a
    reset leaves nothing."""
    first_learn: int | None = None
    first_grade: int | None = None
    complete = False
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        if entry.is_cramming:
            continue
        interday = entry.interval >= 1 or entry.interval <= -DAY_SECS
        if entry.has_rating and entry.id > ignore_before_ms and interday:
            first_grade = index
        if entry.has_rating and entry.review_kind == REVLOG_LEARNING:
            first_learn = index
            complete = True
        elif entry.is_reset:
            if first_learn is not None:
                complete = True
                break
            if first_grade is not None:
                complete = False
                break
            return None
        elif first_learn is not None:
            break
    return first_learn, first_grade, complete


def reviews_for_fsrs(
    entries: list[RevlogEntry], next_day_at: int, training: bool, ignore_before_ms: int
) -> CardReviews | None:
    start = _start_of_history(entries, ignore_before_ms)
    if start is None:
        return None
    first_learn, first_grade, complete = start
    if training:
        if first_learn is not None and entries[first_learn].id < ignore_before_ms:
            return None
    elif (
        first_learn is not None
        and entries[first_learn].id < ignore_before_ms
        and first_learn < len(entries) - 1
    ):
        complete = False
        first_learn = None
    if first_learn is not None:
        entries = entries[first_learn:]
    elif training or first_grade is None:
        return None
    else:
        entries = entries[first_grade:]
    entries = [e for e in entries if e.affects_scheduling]
    deltas = [0] + [
        a.days_elapsed(next_day_at) - b.days_elapsed(next_day_at) for a, b in pairwise(entries)
    ]
    reviews = [fsrs_rs.FSRSReview(e.button_chosen, d) for e, d in zip(entries, deltas, strict=True)]
    items: list[tuple[int, fsrs_rs.FSRSItem]]
    if training:
        items = [
            (entries[i].id, fsrs_rs.FSRSItem(reviews[: i + 1]))
            for i in range(1, len(entries))
            if deltas[i] > 0
        ]
    elif entries:
        items = [(entries[-1].id, fsrs_rs.FSRSItem(reviews))]
    else:
        items = []
    if not items:
        return None
    return CardReviews(entries, items, complete)


def by_card(rows: Iterable[tuple[int, ...]]) -> Iterator[tuple[int, list[RevlogEntry]]]:
    """Revlog rows ordered by card then id, grouped per card."""
    entries = (RevlogEntry.from_row(row) for row in rows)
    for cid, group in groupby(entries, key=lambda e: e.cid):
        yield cid, list(group)


@dataclass(frozen=True)
class TrainingSet:
    items: list[fsrs_rs.FSRSItem]
    card_ids: list[int]
    review_count: int  # revlog entries the items were made of


def items_for_training(
    rows: Iterable[tuple[int, ...]], next_day_at: int, ignore_before_ms: int
) -> TrainingSet:
    """Anki's ``fsrs_items_for_training``: every card's items, ordered by answer time."""
    collected: list[tuple[int, int, fsrs_rs.FSRSItem]] = []
    review_count = 0
    for cid, entries in by_card(rows):
        reviews = reviews_for_fsrs(entries, next_day_at, True, ignore_before_ms)
        if reviews is None:
            continue
        review_count += len(reviews.entries)
        collected.extend((rid, cid, item) for rid, item in reviews.items)
    collected.sort(key=lambda t: t[0])
    return TrainingSet(
        items=[item for _, _, item in collected],
        card_ids=[cid for _, cid, _ in collected],
        review_count=review_count,
    )
