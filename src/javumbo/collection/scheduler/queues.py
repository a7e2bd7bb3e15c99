"""What to study next: Anki v3's queue (``QueueBuilder``).

Order: intraday learning cards that are due, then the main queue, then learning cards due
within the learn-ahead window. The main queue holds interday learning cards, reviews and new
cards gathered, sorted and mixed as the studied deck's preset says (``queue_order``), siblings
buried as each card's home deck's preset says, each card taken only while its deck's daily
allowance (``limits``) lasts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from javumbo.collection.cards import CARD_COLUMNS, Card
from javumbo.collection.collection import Collection
from javumbo.collection.scheduler.deck_tree import DeckNode
from javumbo.collection.scheduler.limits import Limits
from javumbo.collection.scheduler.options import DEFAULT_LEARN_AHEAD_SECS, SchedulingOptions
from javumbo.collection.scheduler.queue_order import (
    GATHER_DECK,
    GATHER_DECK_THEN_RANDOM_NOTES,
    ensure_sql_functions,
    mix,
    new_gather_sql,
    review_order_sql,
    sort_new,
)

_EPOCH_SECONDS_FLOOR = 1_000_000_000
_SELECT = "select " + ", ".join(CARD_COLUMNS) + " from cards"
LAST_UNBURIED_KEY = "lastUnburied"
DEFAULT_ORDER = SchedulingOptions.from_preset({})


def effective_queue(stale_burials: bool) -> str:
    """SQL for a card's queue; on a new day before the first answer, cards buried yesterday
    already count as unburied (the unburying itself is written with the next answer)."""
    if not stale_burials:
        return "queue"
    return (
        "(case when queue in (-2, -3) then (case type when 0 then 0 when 2 then 2 else "
        f"(case when due > {_EPOCH_SECONDS_FLOOR} then 1 else 3 end) end) else queue end)"
    )


def burials_are_stale(col: Collection, today: int) -> bool:
    return int(col.conf.get(LAST_UNBURIED_KEY, 0) or 0) < today


def in_decks(dids: list[int]) -> tuple[str, list[int]]:
    if len(dids) == 1:
        return "did = ?", dids
    return f"did in ({','.join('?' * len(dids))})", dids


def _rows(db: sqlite3.Connection, where: str, params: list[Any], order: str) -> Iterator[Card]:
    for row in db.execute(f"{_SELECT} where {where} order by {order}", params):
        yield Card.from_row(row)


@dataclass
class QueueContext:
    col: Collection
    nodes: dict[int, DeckNode]
    limits: Limits
    today: int
    now: int
    stale: bool

    @property
    def learn_ahead_secs(self) -> int:
        return self.col.conf_int("collapseTime", DEFAULT_LEARN_AHEAD_SECS)


def gather(ctx: QueueContext, limit: int) -> list[Card]:
    """The next ``limit`` cards of the deck tree rooted at ``ctx.limits.top``, in study order:
    intraday learning cards due now, then the main queue (reviews, interday learning and new
    cards, ordered and mixed as the studied deck's preset says), then learning cards due
    within the learn-ahead window. Built as Anki's v3 ``QueueBuilder`` builds it."""
    if limit <= 0:
        return []
    builder = QueueBuilder(ctx)
    builder.gather_all()
    return builder.ordered()[:limit]


class QueueBuilder:
    """Anki's ``QueueBuilder``: gathers learning, due and new cards under the limits, burying
    siblings as the preset of each card's (home) deck says."""

    def __init__(self, ctx: QueueContext) -> None:
        self.ctx = ctx
        self.queue = effective_queue(ctx.stale)
        self.decks_sql, self.dids = in_decks(ctx.limits.dids)
        root = ctx.nodes[ctx.limits.top].options
        # a filtered deck keeps cards in the order it gathered them
        self.order = root if root is not None else replace(DEFAULT_ORDER, new_sort_order=1)
        self.bury_modes: dict[int, tuple[bool, bool, bool]] = {}
        self.learning: list[Card] = []
        self.day_learning: list[Card] = []
        self.review: list[Card] = []
        self.new: list[Card] = []
        ensure_sql_functions(ctx.col.db)

    def _rows(self, where: str, params: list[Any], order: str) -> Iterator[Card]:
        return _rows(self.ctx.col.db, where, params, order)

    def gather_all(self) -> None:
        ctx = self.ctx
        next_day_at = ctx.col.sched_timing().next_day_at
        for card in self._rows(
            f"{self.decks_sql} and {self.queue} in (1, 4) and due < ?",
            [*self.dids, max(next_day_at, ctx.now + ctx.learn_ahead_secs + 1)],
            # Anki sorts by due what SQLite read through ix_cards_sched (deck, queue, due), so
            # cards due in the same second come in deck order
            "due, did, queue, id",
        ):
            self._previous_bury_mode(card)
            self.learning.append(card)
        self._gather_due(3, self.day_learning)
        self._gather_due(2, self.review)
        self._gather_new()
        self.new = sort_new(self.new, self.order.new_sort_order, ctx.today)

    def ordered(self) -> list[Card]:
        now = self.ctx.now
        due_now = [c for c in self.learning if c.due <= now]
        ahead = [c for c in self.learning if now < c.due <= now + self.ctx.learn_ahead_secs]
        main = mix(
            mix(self.review, self.day_learning, self.order.interday_learning_mix),
            self.new,
            self.order.new_mix,
        )
        return [*due_now, *main, *ahead]

    def _previous_bury_mode(self, card: Card) -> tuple[bool, bool, bool] | None:
        """Anki's ``get_and_update_bury_mode_for_note``: the note's burying as it was before
        this card (its home deck's preset widens it for the siblings that follow)."""
        node = self.ctx.nodes.get(card.odid or card.did)
        options = node.options if node is not None else None
        mode = (
            (options.bury_new, options.bury_reviews, options.bury_interday_learning)
            if options is not None
            else (False, False, False)
        )
        previous = self.bury_modes.get(card.nid)
        if previous is None:
            self.bury_modes[card.nid] = mode
        else:
            self.bury_modes[card.nid] = (
                previous[0] or mode[0],
                previous[1] or mode[1],
                previous[2] or mode[2],
            )
        return previous

    def _gather_due(self, wanted_queue: int, into: list[Card]) -> None:
        limits = self.ctx.limits
        if limits.root_reached(review=True):
            return
        timing = (self.ctx.today, self.ctx.col.sched_timing().next_day_at, self.ctx.now)
        order = review_order_sql(
            self.order.review_order,
            timing,
            self._deck_rank(),
            fsrs=bool(self.ctx.col.conf.get("fsrs", False)),
        )
        for card in self._rows(
            f"{self.decks_sql} and {self.queue} = {wanted_queue} and due <= ?",
            [*self.dids, self.ctx.today],
            order,
        ):
            if limits.root_reached(review=True):
                return
            if limits.reached(card.did, review=True):
                continue
            previous = self._previous_bury_mode(card)
            buried = previous is not None and (previous[1] if wanted_queue == 2 else previous[2])
            if not buried:
                into.append(card)
                limits.spend(card.did, review=True)

    def _deck_rank(self) -> str:
        ranks = " ".join(f"when {did} then {rank}" for rank, did in enumerate(self.dids))
        return f"(case did {ranks} else {len(self.dids)} end)"

    def _gather_new(self) -> None:
        limits = self.ctx.limits
        priority = self.order.new_gather_priority
        order = new_gather_sql(priority, self.ctx.today)
        if priority in (GATHER_DECK, GATHER_DECK_THEN_RANDOM_NOTES):
            for did in self.dids:
                if limits.root_reached(review=False):
                    return
                if limits.reached(did, review=False):
                    continue
                for card in self._rows(f"did = ? and {self.queue} = 0", [did], order):
                    if limits.reached(did, review=False):
                        break
                    self._add_new(card)
            return
        for card in self._rows(f"{self.decks_sql} and {self.queue} = 0", self.dids, order):
            if limits.root_reached(review=False):
                return
            if not limits.reached(card.did, review=False):
                self._add_new(card)

    def _add_new(self, card: Card) -> None:
        previous = self._previous_bury_mode(card)
        if previous is None or not previous[0]:
            self.new.append(card)
            self.ctx.limits.spend(card.did, review=False)
