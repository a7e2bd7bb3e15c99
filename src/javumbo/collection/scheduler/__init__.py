"""Anki's v3 scheduler (SM-2, or FSRS when switched on) over our own collection layer.

``Scheduler(col)`` is cheap to make; one per request is the intended use. Everything it needs
between requests (today's studied counts, the undo record, burying) is in the collection file.
"""

from __future__ import annotations

from typing import Any

from javumbo.collection.cards import Card, get_card
from javumbo.collection.collection import Collection
from javumbo.collection.scheduler import answering, deck_tree, due_counts, limits, queues
from javumbo.collection.scheduler.answering import AnswerResult
from javumbo.collection.scheduler.deck_tree import DeckNode
from javumbo.collection.scheduler.due_counts import DueCounts
from javumbo.collection.scheduler.labels import answer_button_label
from javumbo.collection.scheduler.options import DEFAULT_LEARN_AHEAD_SECS
from javumbo.collection.scheduler.states import Interval, NextStates

__all__ = ["AnswerResult", "DueCounts", "Scheduler", "deck_due_tree"]


class Scheduler:
    def __init__(self, col: Collection) -> None:
        self.col = col
        self._nodes_key: tuple[object, object] | None = None
        self._nodes: dict[int, DeckNode] = {}
        self._done_day: int | None = None
        self._done: dict[int, list[int]] = {}

    # ------------------------------------------------------------- shared state

    def _deck_nodes(self) -> dict[int, DeckNode]:
        key = (self.col.decks, self.col.dconf)
        if self._nodes_key is None or any(
            a is not b for a, b in zip(key, self._nodes_key, strict=True)
        ):
            self._nodes = deck_tree.deck_nodes(self.col)
            self._nodes_key = key
        return self._nodes

    def _studied_today(self) -> dict[int, list[int]]:
        timing = self.col.sched_timing()
        if self._done_day != timing.next_day_at:
            self._done = limits.studied_today(self.col, timing.next_day_at - 86_400)
            self._done_day = timing.next_day_at
        return self._done

    def _limits(self, nodes: dict[int, DeckNode], deck_id: int) -> limits.Limits:
        settings = limits.LimitSettings.of(self.col)
        return limits.Limits(nodes, deck_id, self._studied_today(), settings)

    # ------------------------------------------------------------- study

    def next_cards(self, deck_id: int, limit: int = 10) -> list[Card]:
        """The next cards to study in ``deck_id`` and its subdecks, in v3 order, limits applied."""
        nodes = self._deck_nodes()
        deck_tree.check_deck(nodes, deck_id)
        moment = answering.moment_now(self.col)
        ctx = queues.QueueContext(
            col=self.col,
            nodes=nodes,
            limits=self._limits(nodes, deck_id),
            today=moment.today,
            now=moment.now,
            stale=queues.burials_are_stale(self.col, moment.today),
        )
        return queues.gather(ctx, limit)

    def answer_card(self, card_id: int, rating: int, time_ms: int) -> AnswerResult:
        result = answering.answer(self.col, card_id, rating, time_ms)
        self._count_answer(result)
        return result

    def _count_answer(self, result: AnswerResult) -> None:
        if self._done_day is None:
            return
        new, review = limits.answer_counts(self.col, result.revlog_id)
        counts = self._done.setdefault(result.card.did, [0, 0])
        counts[0] += new
        counts[1] += review

    def undo_last_answer(self) -> int | None:
        self._done_day = None
        return answering.undo_last_answer(self.col)

    # ------------------------------------------------------------- before answering

    def next_states(self, card: Card | int) -> NextStates:
        if isinstance(card, int):
            card = get_card(self.col, card)
        return answering.scheduling_states(self.col, card)

    def next_intervals(self, card: Card | int) -> list[int]:
        """Seconds until the card is due again after again/hard/good/easy (days as whole days
        counted from the next rollover, as Anki shows them)."""
        if isinstance(card, int):
            card = get_card(self.col, card)
        until_rollover = answering.moment_now(self.col).secs_until_rollover
        preview = answering.preview_delays(self.col, card)
        if preview is not None:
            # A preview delay that passes the rollover reads in days too ("1d"), as in Anki,
            # though the card still comes back that many seconds from now.
            intervals = [Interval(secs, in_days=False) for secs in preview]
        else:
            states = self.next_states(card)
            intervals = [s.interval for s in (states.again, states.hard, states.good, states.easy)]
        return [i.as_days_if_past_rollover(until_rollover).seconds() for i in intervals]

    def interval_labels(self, card: Card | int) -> list[str]:
        return self.labels_of(self.next_intervals(card))

    def labels_of(self, intervals: list[int]) -> list[str]:
        """The answer buttons' labels for ``next_intervals``' seconds."""
        collapse = self.col.conf_int("collapseTime", DEFAULT_LEARN_AHEAD_SECS)
        return [answer_button_label(secs, collapse) for secs in intervals]

    # ------------------------------------------------------------- counts

    def due_counts(self, deck_id: int) -> DueCounts:
        nodes = self._deck_nodes()
        deck_tree.check_deck(nodes, deck_id)
        moment = answering.moment_now(self.col)
        return due_counts.due_counts(
            self.col, nodes, self._limits(nodes, deck_id), moment.now, moment.today
        )

    def deck_due_tree(self) -> list[dict[str, Any]]:
        moment = answering.moment_now(self.col)
        return due_counts.due_tree(
            self.col,
            self._deck_nodes(),
            self._studied_today(),
            moment.now,
            moment.today,
            limits.LimitSettings.of(self.col),
        )


def deck_due_tree(col: Collection) -> list[dict[str, Any]]:
    return Scheduler(col).deck_due_tree()
