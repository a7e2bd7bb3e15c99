"""Our study queue against Anki's own (the ``anki`` package) on the same collection file.

Anki builds the file: decks, Basic (and reversed card) notes, review and interday learning
cards with varied due days, intervals and eases, presets with the display order, burying and
limit options under test, and a deck's own "this deck" / "today only" limits. The file is then
copied, and the cards Anki would show, in order, must be the cards we show.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.scheduler import Scheduler

REVIEWS = 14
DAY_LEARNING = 4


class QueuePair:
    def __init__(self, anki: Any, ours: Collection, deck_id: int) -> None:
        self.anki = anki
        self.ours = ours
        self.deck_id = deck_id

    def anki_queue(self, count: int) -> list[int]:
        self.anki.decks.select(self.deck_id)
        queued = self.anki.sched.get_queued_cards(fetch_limit=count)
        return [int(q.card.id) for q in queued.cards]

    def our_queue(self, count: int) -> list[int]:
        return [c.id for c in Scheduler(self.ours).next_cards(self.deck_id, count)]

    def anki_counts(self) -> tuple[int, int, int]:
        self.anki.decks.select(self.deck_id)
        new, learning, review = self.anki.sched.counts()
        return int(new), int(learning), int(review)

    def our_counts(self) -> tuple[int, int, int]:
        counts = Scheduler(self.ours).due_counts(self.deck_id)
        return counts.new, counts.learning, counts.review


@pytest.fixture
def queue_pair(tmp_path: Path) -> Iterator[Callable[..., QueuePair]]:
    from anki.collection import Collection as AnkiCollection

    opened: list[tuple[Any, Collection]] = []

    def make(
        options: dict[str, Any],
        *,
        child_options: dict[str, Any] | None = None,
        deck_limits: Any = None,
        fsrs: bool = False,
        prepare: Callable[[Any, int, int], None] | None = None,
    ) -> QueuePair:
        source = tmp_path / "anki.anki2"
        anki = AnkiCollection(str(source))
        parent = anki.decks.id("Lang")
        child = anki.decks.id("Lang::Verbs")
        reversed_type = anki.models.by_name("Basic (and reversed card)")
        for index in range(24):
            note = anki.new_note(reversed_type)
            note["Front"], note["Back"] = f"q{index}", f"a{index}"
            anki.add_note(note, parent if index % 3 else child)
        today = anki.sched.today
        cids = [int(c) for c in anki.db.list("select id from cards order by id")]
        for n, cid in enumerate(cids[:REVIEWS]):
            anki.db.execute(
                "update cards set type = 2, queue = 2, due = ?, ivl = ?, factor = ? where id = ?",
                today - (n * 7) % 5,
                1 + (n * 11) % 17,
                1300 + (n * 130) % 1700,
                cid,
            )
        if fsrs:
            anki.set_config("fsrs", True)
            now = int(time.time())
            for n, cid in enumerate(cids[:REVIEWS]):
                memory = {"s": 1.5 + (n * 13) % 29, "d": 1 + (n * 7) % 9, "lrt": now - n * 97_000}
                anki.db.execute("update cards set data = ? where id = ?", json.dumps(memory), cid)
        for n, cid in enumerate(cids[REVIEWS : REVIEWS + DAY_LEARNING]):
            anki.db.execute(
                "update cards set type = 1, queue = 3, due = ?, ivl = 0, left = 1 where id = ?",
                today - n % 2,
                cid,
            )
        conf = anki.decks.get_config(1)
        conf.update({k: v for k, v in options.items() if k not in ("new", "rev")})
        conf["new"].update(options.get("new", {}))
        conf["rev"].update(options.get("rev", {}))
        anki.decks.update_config(conf)
        if child_options is not None:
            child_conf = anki.decks.add_config_returning_id("Child")
            child_dict = anki.decks.get_config(child_conf)
            child_dict["new"].update(child_options.get("new", {}))
            child_dict["rev"].update(child_options.get("rev", {}))
            anki.decks.update_config(child_dict)
            deck = anki.decks.get(child)
            deck["conf"] = child_conf
            anki.decks.save(deck)
        if deck_limits:
            deck = anki.decks.get(parent)
            deck.update(deck_limits(today) if callable(deck_limits) else deck_limits)
            anki.decks.save(deck)
        if prepare is not None:
            prepare(anki, parent, child)
        anki.close(downgrade=True)
        ours_path = tmp_path / "ours.anki2"
        shutil.copy(source, ours_path)
        anki = AnkiCollection(str(source))
        ours = Collection.open(ours_path, clock=FixedClock(time.time()))
        opened.append((anki, ours))
        return QueuePair(anki, ours, parent)

    yield make
    for anki, ours in opened:
        anki.close()
        ours.close()


ORDERS = [
    pytest.param({}, id="defaults"),
    pytest.param({"reviewOrder": 1}, id="due-then-deck"),
    pytest.param({"reviewOrder": 2}, id="deck-then-due"),
    pytest.param({"reviewOrder": 3}, id="intervals-ascending"),
    pytest.param({"reviewOrder": 4}, id="intervals-descending"),
    pytest.param({"reviewOrder": 5}, id="ease-ascending"),
    pytest.param({"reviewOrder": 6}, id="ease-descending"),
    pytest.param({"reviewOrder": 7}, id="retrievability-ascending"),
    pytest.param({"reviewOrder": 11}, id="retrievability-descending"),
    pytest.param({"reviewOrder": 8}, id="random"),
    pytest.param({"reviewOrder": 9}, id="added"),
    pytest.param({"reviewOrder": 10}, id="reverse-added"),
    pytest.param({"reviewOrder": 12}, id="relative-overdueness"),
    pytest.param({"newMix": 1, "interdayLearningMix": 1}, id="after-reviews"),
    pytest.param({"newMix": 2, "interdayLearningMix": 2}, id="before-reviews"),
    pytest.param({"newGatherPriority": 1, "newSortOrder": 1}, id="lowest-position"),
    pytest.param({"newGatherPriority": 2, "newSortOrder": 1}, id="highest-position"),
    pytest.param({"newGatherPriority": 3}, id="random-notes"),
    pytest.param({"newGatherPriority": 4, "newSortOrder": 1}, id="random-cards"),
    pytest.param({"newGatherPriority": 5}, id="deck-then-random-notes"),
    pytest.param({"newSortOrder": 2}, id="template-then-random"),
    pytest.param({"newSortOrder": 3}, id="random-note-then-template"),
    pytest.param({"newSortOrder": 4}, id="random-card"),
    pytest.param({"new": {"bury": True}, "rev": {"bury": True}}, id="bury-siblings"),
    pytest.param({"buryInterdayLearning": True, "rev": {"bury": True}}, id="bury-interday"),
    pytest.param({"new": {"perDay": 5}, "rev": {"perDay": 9}}, id="small-limits"),
]


@pytest.mark.parametrize("options", ORDERS)
def test_our_queue_is_anki_queue(
    queue_pair: Callable[..., QueuePair], options: dict[str, Any]
) -> None:
    pair = queue_pair(options)
    assert pair.our_queue(200) == pair.anki_queue(200)
    assert pair.our_counts() == pair.anki_counts()


def test_child_deck_limits_and_this_deck_override(queue_pair: Callable[..., QueuePair]) -> None:
    pair = queue_pair(
        {"new": {"perDay": 12}},
        child_options={"new": {"perDay": 2}, "rev": {"perDay": 3}},
        deck_limits={"newLimit": 7, "reviewLimit": 11},
    )
    assert pair.our_queue(200) == pair.anki_queue(200)
    assert pair.our_counts() == pair.anki_counts()


def test_today_only_limit_wins_for_today(queue_pair: Callable[..., QueuePair]) -> None:
    pair = queue_pair(
        {},
        deck_limits=lambda today: {
            "newLimit": 7,
            "newLimitToday": {"limit": 3, "today": today},
            "reviewLimitToday": {"limit": 4, "today": today - 1},
        },
    )
    assert pair.our_queue(200) == pair.anki_queue(200)
    assert pair.our_counts() == pair.anki_counts()
    assert pair.our_counts()[0] == 3


def _anki_tree_counts(node: Any, out: dict[int, tuple[int, int, int]]) -> None:
    for child in node.children:
        out[int(child.deck_id)] = (child.new_count, child.learn_count, child.review_count)
        _anki_tree_counts(child, out)


def _our_tree_counts(nodes: list[dict[str, Any]], out: dict[int, tuple[int, int, int]]) -> None:
    for node in nodes:
        out[node["id"]] = (node["new"], node["learning"], node["review"])
        _our_tree_counts(node["children"], out)


@pytest.mark.parametrize(
    "deck_limits",
    [
        pytest.param({"newLimit": 7, "reviewLimit": 5}, id="this-deck"),
        pytest.param(
            lambda today: {"newLimitToday": {"limit": 2, "today": today}, "reviewLimit": 30},
            id="today-only",
        ),
    ],
)
def test_deck_list_counts_are_anki_counts(
    queue_pair: Callable[..., QueuePair], deck_limits: Any
) -> None:
    pair = queue_pair(
        {"new": {"perDay": 12}},
        child_options={"new": {"perDay": 2}, "rev": {"perDay": 3}},
        deck_limits=deck_limits,
    )
    theirs: dict[int, tuple[int, int, int]] = {}
    _anki_tree_counts(pair.anki.sched.deck_due_tree(), theirs)
    ours: dict[int, tuple[int, int, int]] = {}
    _our_tree_counts(Scheduler(pair.ours).deck_due_tree(), ours)
    assert 1 not in theirs  # Anki leaves the empty Default deck out (the API says hide_default)
    ours.pop(1)
    assert ours == theirs


@pytest.mark.parametrize("order", [5, 6, 7, 11], ids=["ease-asc", "ease-desc", "r-asc", "r-desc"])
def test_fsrs_review_orders_are_anki_orders(
    queue_pair: Callable[..., QueuePair], order: int
) -> None:
    """With FSRS on, ease orders sort by difficulty and retrievability by the memory state."""
    pair = queue_pair({"reviewOrder": order}, fsrs=True)
    assert pair.our_queue(200) == pair.anki_queue(200)


def _study_today(ignore_review_limit: bool, all_parent_limits: bool) -> Any:
    """Answers new and review cards of the parent deck and of its subdeck today, with Anki, after
    setting the collection's two limit switches."""

    def study(anki: Any, parent: int, child: int) -> None:
        anki.set_config("newCardsIgnoreReviewLimit", ignore_review_limit)
        anki.set_config("applyAllParentLimits", all_parent_limits)
        for deck, answers in ((parent, 5), (child, 3)):
            anki.decks.select(deck)
            for _ in range(answers):
                card = anki.get_card(anki.sched.get_queued_cards().cards[0].card.id)
                # new and review cards (the fixture's interday learning cards have no history)
                assert card.queue in (0, 2)
                card.start_timer()
                anki.sched.answerCard(card, 3)

    return study


@pytest.mark.parametrize(
    ("ignore_review_limit", "all_parent_limits"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["v3", "new-ignore-review-limit", "all-parent-limits", "both"],
)
def test_limits_after_studying_today(
    queue_pair: Callable[..., QueuePair], ignore_review_limit: bool, all_parent_limits: bool
) -> None:
    """Today's new cards use up the review limit unless new cards ignore it; a subdeck is
    capped by the limits above the studied deck when all parent limits apply."""
    pair = queue_pair(
        {"new": {"perDay": 6}, "rev": {"perDay": 9}, "interdayLearningMix": 1},
        child_options={"new": {"perDay": 4}, "rev": {"perDay": 12}},
        prepare=_study_today(ignore_review_limit, all_parent_limits),
    )
    child = int(pair.anki.decks.id("Lang::Verbs"))
    for deck_id in (pair.deck_id, child):
        studied = QueuePair(pair.anki, pair.ours, deck_id)
        assert studied.our_queue(200) == studied.anki_queue(200)
        assert studied.our_counts() == studied.anki_counts()
    theirs: dict[int, tuple[int, int, int]] = {}
    _anki_tree_counts(pair.anki.sched.deck_due_tree(), theirs)
    ours: dict[int, tuple[int, int, int]] = {}
    _our_tree_counts(Scheduler(pair.ours).deck_due_tree(), ours)
    ours.pop(1)
    assert ours == theirs
