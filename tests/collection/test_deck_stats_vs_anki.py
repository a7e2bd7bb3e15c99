"""The decks' today counters (``newToday``, ``revToday``, ``lrnToday``, ``timeToday``) after
answers, against Anki's own (the ``anki`` package) on copies of one collection file.

Anki makes the collection: decks ``Parent``, ``Parent::Child`` (counters of yesterday, to be
reset), ``Other``; cards new, learning, review, relearning, interday learning; a rescheduling
filtered deck ``Parent::Filtered`` and a previewing one ``Preview``. Both sides answer the same
cards with the same times (one above the preset's 60 s cap) and every deck's four counters must
then be Anki's; undoing the answers one by one must give Anki's counters back at each step.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.custom_study import extend_limits
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.scheduler.limits import APPLY_ALL_PARENT_LIMITS_KEY
from javumbo.collection.undo import undo
from tests.support import rollover_far_from_now

TODAY_KEYS = ("newToday", "revToday", "lrnToday", "timeToday")
YESTERDAYS_COUNT = 5


class Pair:
    """The same collection open in Anki and in our layer, with the cards by role."""

    def __init__(self, anki: Any, ours: Collection, clock: FixedClock, roles: dict[str, int]):
        self.anki = anki
        self.ours = ours
        self.clock = clock
        self.roles = roles

    def answer(self, role: str, ease: int, taken_ms: int) -> None:
        from anki.scheduler.v3 import CardAnswer

        cid = self.roles[role]
        self.clock.set(time.time())
        card = self.anki.get_card(cid)
        card.timer_started = time.time()
        states = self.anki._backend.get_scheduling_states(cid)
        ratings = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
        answer = self.anki.sched.build_answer(card=card, states=states, rating=ratings[ease])
        answer.milliseconds_taken = taken_ms
        self.anki.sched.answer_card(answer)
        Scheduler(self.ours).answer_card(cid, ease, taken_ms)

    def counters(self) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """Every deck's four counters, Anki's and ours."""
        theirs: dict[int, dict[str, Any]] = {}
        ours: dict[int, dict[str, Any]] = {}
        for entry in self.anki.decks.all_names_and_ids():
            did = int(entry.id)
            deck = self.anki.decks.get(did)
            theirs[did] = {k: list(deck[k]) for k in TODAY_KEYS}
            mine = self.ours.decks[str(did)]
            ours[did] = {k: list(mine[k]) for k in TODAY_KEYS}
        return theirs, ours

    def deck_id(self, name: str) -> int:
        return int(self.anki.decks.id_for_name(name))


def _filtered(anki: Any, name: str, search: str, *, resched: bool) -> None:
    did = anki.decks.new_filtered(name)
    deck = anki.decks.get(did)
    deck["terms"] = [[search, 100, 0]]
    deck["resched"] = resched
    anki.decks.save(deck)
    anki.sched.rebuild_filtered_deck(did)


def _answer_in_anki(anki: Any, cid: int, eases: list[int]) -> None:
    for ease in eases:
        card = anki.get_card(cid)
        card.timer_started = time.time() - 3
        anki.sched.answerCard(card, ease)


def _make_collection(path: Path) -> dict[str, int]:
    """Cards by role; decks and counters as the module docstring says."""
    from anki.collection import Collection as AnkiCollection
    from anki.collection import Config

    anki = AnkiCollection(str(path))
    # ten days old, so that yesterday is a day of the collection
    anki.db.execute("update col set crt = crt - ?", 10 * 86_400)
    anki.close()
    anki = AnkiCollection(str(path))
    anki.set_config("rollover", rollover_far_from_now())
    anki.set_config_bool(Config.Bool.LOAD_BALANCER_ENABLED, False)
    child = anki.decks.id("Parent::Child")
    other = anki.decks.id("Other")
    basic = anki.models.by_name("Basic")
    homes = [child, child, child, 1, 1, other, other, 1, other, child]
    for i, did in enumerate(homes):
        note = anki.new_note(basic)
        note["Front"] = f"question {i}"
        note["Back"] = f"answer {i}"
        note.tags = ["borrowed"] if i == 7 else ["previewed"] if i == 8 else []
        anki.add_note(note, did)
    cids = [int(c) for c in anki.db.list("select id from cards order by id")]
    roles = {
        "new": cids[0],
        "learning": cids[1],
        "review in subdeck": cids[2],
        "review": cids[3],
        "relearning": cids[4],
        "interday learning": cids[5],
        "review capped": cids[6],
        "in filtered": cids[7],
        "in preview": cids[8],
    }
    _answer_in_anki(anki, roles["learning"], [1])
    for role in ("review in subdeck", "review", "relearning", "review capped", "in filtered"):
        _answer_in_anki(anki, roles[role], [4])
    _answer_in_anki(anki, roles["interday learning"], [3])
    today = anki.sched.today
    anki.db.execute(
        "update cards set due = ? where id in (?, ?, ?, ?, ?)",
        today,
        roles["review in subdeck"],
        roles["review"],
        roles["relearning"],
        roles["review capped"],
        roles["in filtered"],
    )
    anki.db.execute(
        "update cards set queue = 3, due = ? where id = ?", today, roles["interday learning"]
    )
    _filtered(anki, "Parent::Filtered", "tag:borrowed", resched=True)
    _filtered(anki, "Preview", "tag:previewed", resched=False)
    for name in ("Parent", "Parent::Child"):
        deck = anki.decks.by_name(name)
        for key in TODAY_KEYS:
            deck[key] = [today - 1, YESTERDAYS_COUNT]
        anki.decks.save(deck)
    anki.close(downgrade=True)
    return roles


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    roles = _make_collection(source)
    ours_path = tmp_path / "ours.anki2"
    shutil.copy(source, ours_path)
    anki = AnkiCollection(str(source))
    clock = FixedClock(time.time())
    ours = Collection.open(ours_path, clock=clock)
    yield Pair(anki, ours, clock, roles)
    anki.close()
    with contextlib.suppress(sqlite3.ProgrammingError):
        ours.close()


# role, rating, milliseconds taken
ANSWERS = [
    ("new", 3, 4_000),
    ("learning", 3, 2_500),
    ("review in subdeck", 3, 7_000),
    ("review", 3, 1_234),
    ("relearning", 1, 3_000),
    ("relearning", 3, 2_000),
    ("interday learning", 3, 6_000),
    ("review capped", 4, 100_000),
    ("in filtered", 3, 8_000),
    ("in preview", 3, 9_000),
]


def test_answers_count_in_the_decks_as_anki(pair: Pair) -> None:
    theirs, ours = pair.counters()
    assert ours == theirs
    for role, ease, taken in ANSWERS:
        pair.answer(role, ease, taken)
        theirs, ours = pair.counters()
        assert ours == theirs, f"after answering the {role} card"
    today = pair.ours.today()
    parent, child = pair.deck_id("Parent"), pair.deck_id("Parent::Child")
    filtered, preview = pair.deck_id("Parent::Filtered"), pair.deck_id("Preview")
    # the filtered decks count their own cards; the parent counts its subdecks' and the
    # filtered deck's; yesterday's counts of Parent and Child are gone
    assert ours[child]["newToday"] == [today, 1]
    assert ours[child]["revToday"] == [today, 1]
    assert ours[filtered]["revToday"] == [today, 1]
    assert ours[parent]["revToday"] == [today, 2]
    assert ours[parent]["timeToday"] == [today, 4_000 + 2_500 + 7_000 + 8_000]
    assert ours[preview]["timeToday"] == [today, 9_000]
    assert ours[1]["revToday"] == [today, 2]
    assert ours[1]["lrnToday"] == [today, 0]


def test_undo_gives_the_counters_back(pair: Pair) -> None:
    before = pair.counters()[1]
    for role, ease, taken in ANSWERS:
        pair.answer(role, ease, taken)
    for _ in ANSWERS:
        pair.anki.undo()
        undo(pair.ours)
        theirs, ours = pair.counters()
        assert ours == theirs
    assert ours == before


@pytest.mark.parametrize("all_parent_limits", [False, True], ids=["own limit", "parent limits"])
def test_increased_limit_and_answers_add_up_as_in_anki(pair: Pair, all_parent_limits: bool) -> None:
    """Custom study lowers today's counts of the deck (and of its parents when all parent
    limits apply); answers then add to them."""
    pair.anki.set_config(APPLY_ALL_PARENT_LIMITS_KEY, all_parent_limits)
    conf = dict(pair.ours.conf)
    conf[APPLY_ALL_PARENT_LIMITS_KEY] = all_parent_limits
    pair.ours.save_json("conf", conf)
    child = pair.deck_id("Parent::Child")
    pair.anki.decks.select(child)
    pair.anki.sched.extend_limits(3, 2)
    extend_limits(pair.ours, child, new_delta=3, review_delta=2)
    theirs, ours = pair.counters()
    assert ours == theirs
    for role, ease, taken in ANSWERS[:3]:
        pair.answer(role, ease, taken)
    theirs, ours = pair.counters()
    assert ours == theirs
    assert ours[child]["newToday"][1] == 1 - 3
    assert ours[pair.deck_id("Parent")]["newToday"][1] == (1 - 3 if all_parent_limits else 1)


def test_undo_step_keeps_only_the_counters(pair: Pair) -> None:
    """An answer's undo step holds the four counters of the decks, not whole deck entries."""
    pair.answer("new", 3, 1_000)
    step = pair.ours.conf["javumboUndoSteps"][-1]
    assert step["decks"] == {}
    child, parent = pair.deck_id("Parent::Child"), pair.deck_id("Parent")
    assert set(step["deck_counters"]) == {str(child), str(parent)}
    assert set(step["deck_counters"][str(child)]) == set(TODAY_KEYS)
