"""Filtered decks against Anki's own (the ``anki`` package) on the same collection file.

Anki makes the collection (notes in two decks, cards in every state: new, learning, review due
today and later, suspended, buried), the file is copied, and both sides build, empty and answer
in the same filtered deck: the same cards must move, with the same ``did``/``odid``/``due``/
``odue``/``queue``, and come back the same.
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
from javumbo.collection.decks import delete_deck
from javumbo.collection.errors import ValidationError
from javumbo.collection.filtered_decks import (
    ORDER_ADDED,
    ORDER_DUE,
    ORDER_INTERVALS_DESCENDING,
    FilteredDeckConfig,
    SearchTerm,
    empty,
    fnvhash,
    rebuild,
    save_filtered_deck,
)
from javumbo.collection.scheduler import Scheduler
from tests.support import rollover_far_from_now

CARD_COLUMNS = "id, did, odid, due, odue, queue, type, ivl, factor, reps, lapses, left"
DECK_KEYS = (
    "dyn",
    "resched",
    "terms",
    "separate",
    "delays",
    "previewAgainSecs",
    "previewHardSecs",
    "previewGoodSecs",
)
LEARN_DUE_SLACK_SECS = 3


class Pair:
    """The same collection open in Anki and in our layer."""

    def __init__(self, anki: Any, ours: Collection, clock: FixedClock) -> None:
        self.anki = anki
        self.ours = ours
        self.clock = clock

    def cards(self) -> tuple[list[list[Any]], list[list[Any]]]:
        sql = f"select {CARD_COLUMNS} from cards order by id"
        theirs = [list(r) for r in self.anki.db.all(sql)]
        ours = [list(r) for r in self.ours.db.execute(sql).fetchall()]
        return theirs, ours

    def anki_filtered(self, name: str, config: FilteredDeckConfig) -> int:
        did = int(self.anki.decks.new_filtered(name))
        deck = self.anki.decks.get(did)
        deck["terms"] = [t.as_json() for t in config.terms]
        deck["resched"] = config.reschedule
        deck["previewAgainSecs"] = config.preview_again_secs
        deck["previewHardSecs"] = config.preview_hard_secs
        deck["previewGoodSecs"] = config.preview_good_secs
        self.anki.decks.save(deck)
        self.anki.sched.rebuild_filtered_deck(did)
        return did

    def answer(self, cid: int, ease: int, taken_ms: int = 5_000) -> None:
        self.clock.set(time.time())
        card = self.anki.get_card(cid)
        card.timer_started = time.time() - taken_ms / 1000
        self.anki.sched.answerCard(card, ease)
        Scheduler(self.ours).answer_card(cid, ease, taken_ms)


def _make_anki_collection(path: Path) -> None:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import Config

    anki = AnkiCollection(str(path))
    anki.set_config("rollover", rollover_far_from_now())
    anki.set_config_bool(Config.Bool.LOAD_BALANCER_ENABLED, False)
    other = anki.decks.id("Other")
    basic = anki.models.by_name("Basic (and reversed card)")
    for i in range(8):
        note = anki.new_note(basic)
        note["Front"] = f"question {i}"
        note["Back"] = f"answer {i}"
        note.tags = ["even"] if i % 2 == 0 else ["odd"]
        anki.add_note(note, 1 if i < 6 else other)
    cids = [int(c) for c in anki.db.list("select id from cards order by id")]
    # reviews (two made due today, one overdue), learning, relearning, suspended, buried
    for cid, eases in (
        (cids[0], [4]),
        (cids[1], [4]),
        (cids[2], [3, 3, 3]),
        (cids[3], [1]),
        (cids[4], [4, 1]),
        (cids[5], [4]),
        (cids[12], [4]),
    ):
        for ease in eases:
            card = anki.get_card(cid)
            card.timer_started = time.time() - 3
            anki.sched.answerCard(card, ease)
    today = anki.sched.today
    anki.db.execute("update cards set due = ? where id = ?", today, cids[0])
    anki.db.execute("update cards set due = ? where id = ?", today - 3, cids[1])
    anki.sched.suspend_cards([cids[6]])
    anki.sched.bury_cards([cids[7]])
    anki.close(downgrade=True)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    _make_anki_collection(source)
    ours_path = tmp_path / "ours.anki2"
    shutil.copy(source, ours_path)
    anki = AnkiCollection(str(source))
    clock = FixedClock(time.time())
    ours = Collection.open(ours_path, clock=clock)
    yield Pair(anki, ours, clock)
    anki.close()
    with contextlib.suppress(sqlite3.ProgrammingError):
        ours.close()


def _same_cards(theirs: list[list[Any]], ours: list[list[Any]], filtered: tuple[int, int]) -> None:
    """Equal rows once our filtered deck id is spelled as Anki's; a learning card's due (epoch
    seconds, when it was answered) may differ by the seconds between the two answers."""
    anki_did, our_did = filtered
    for their_row, our_row in zip(theirs, ours, strict=True):
        mine = [
            anki_did if value == our_did and k == 1 else value for k, value in enumerate(our_row)
        ]
        if (
            mine[5] in (1, 4)
            and their_row[5] == mine[5]
            and abs(mine[3] - their_row[3]) <= (LEARN_DUE_SLACK_SECS)
        ):
            mine[3] = their_row[3]
        if mine[2] and abs(mine[4] - their_row[4]) <= LEARN_DUE_SLACK_SECS and mine[4] > 1e9:
            mine[4] = their_row[4]
        assert mine == their_row, f"card {their_row[0]}: anki {their_row} ours {our_row}"


CONFIGS = {
    "due order, rescheduling": FilteredDeckConfig((SearchTerm("deck:Default", 100, ORDER_DUE),)),
    "two filters, limit": FilteredDeckConfig(
        (SearchTerm("is:due", 2, ORDER_DUE), SearchTerm("tag:even", 5, ORDER_ADDED))
    ),
    "preview, no rescheduling": FilteredDeckConfig(
        (SearchTerm("", 100, ORDER_INTERVALS_DESCENDING),), reschedule=False
    ),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_build_and_empty_match_anki(pair: Pair, config: FilteredDeckConfig) -> None:
    before = pair.cards()
    assert before[0] == before[1]
    anki_did = pair.anki_filtered("Filtered", config)
    our_did, count = save_filtered_deck(pair.ours, "Filtered", config)
    theirs, ours = pair.cards()
    _same_cards(theirs, ours, (anki_did, our_did))
    assert count == sum(1 for row in ours if row[1] == our_did) > 0
    their_deck = pair.anki.decks.get(anki_did)
    our_deck = pair.ours.decks[str(our_did)]
    assert {k: our_deck[k] for k in DECK_KEYS} == {k: their_deck[k] for k in DECK_KEYS}
    assert pair.ours.conf["curDeck"] == our_did

    # A rebuild empties first, which stamps the cards' mod with the time, and ties of the
    # order are broken by fnvhash(id, mod): our clock reads the second Anki's rebuild read.
    pair.anki.sched.rebuild_filtered_deck(anki_did)
    pair.clock.set(pair.anki.db.scalar("select max(mod) from cards where did = ?", anki_did))
    assert rebuild(pair.ours, our_did) == count
    _same_cards(*pair.cards(), (anki_did, our_did))

    pair.anki.sched.empty_filtered_deck(anki_did)
    empty(pair.ours, our_did)
    theirs, ours = pair.cards()
    assert ours == theirs == before[0]
    assert not any(row[2] for row in ours)


def test_deleting_a_filtered_deck_returns_its_cards(pair: Pair) -> None:
    config = CONFIGS["due order, rescheduling"]
    anki_did = pair.anki_filtered("Filtered", config)
    our_did, _ = save_filtered_deck(pair.ours, "Filtered", config)
    pair.anki.decks.remove([anki_did])
    delete_deck(pair.ours, our_did)
    theirs, ours = pair.cards()
    assert ours == theirs
    assert str(our_did) not in pair.ours.decks


def test_a_search_matching_nothing_changes_nothing(pair: Pair) -> None:
    decks_before = dict(pair.ours.decks)
    with pytest.raises(ValidationError, match="matched no cards"):
        save_filtered_deck(
            pair.ours, "Nothing", FilteredDeckConfig((SearchTerm("tag:absent", 10, 0),))
        )
    assert pair.ours.decks == decks_before
    with pytest.raises(ValidationError):
        save_filtered_deck(pair.ours, "Bad", FilteredDeckConfig((SearchTerm("(", 10, 0),)))


@pytest.mark.parametrize("ratings", [[3, 3, 3], [1, 3, 4], [2, 1, 3]])
def test_answering_in_a_rescheduling_deck_matches_anki(pair: Pair, ratings: list[int]) -> None:
    config = CONFIGS["due order, rescheduling"]
    anki_did = pair.anki_filtered("Filtered", config)
    our_did, _ = save_filtered_deck(pair.ours, "Filtered", config)
    studied = [
        int(r[0])
        for r in pair.ours.db.execute(
            "select id from cards where did = ? order by due limit 6", (our_did,)
        )
    ]
    for cid in studied:
        for rating in ratings:
            pair.answer(cid, rating)
            _same_cards(*pair.cards(), (anki_did, our_did))
    sql = "select cid, ease, ivl, lastIvl, factor, type from revlog order by id"
    assert [list(r) for r in pair.ours.db.execute(sql)] == [list(r) for r in pair.anki.db.all(sql)]


def test_preview_answers_match_anki_and_return_cards_home(pair: Pair) -> None:
    config = FilteredDeckConfig(
        (SearchTerm("deck:Default", 100, ORDER_ADDED),),
        reschedule=False,
        preview_again_secs=60,
        preview_hard_secs=600,
        preview_good_secs=300,
    )
    anki_did = pair.anki_filtered("Preview", config)
    our_did, _ = save_filtered_deck(pair.ours, "Preview", config)
    cids = [
        int(r[0])
        for r in pair.ours.db.execute("select id from cards where did = ? order by due", (our_did,))
    ]
    sched = Scheduler(pair.ours)
    assert sched.next_intervals(cids[0]) == [60, 600, 300, 0]
    # the answer buttons read as Anki's: "<1m", "<10m", "<5m", "(end)"
    pair.anki.decks.select(anki_did)
    queued = pair.anki.sched.get_queued_cards().cards[0]
    assert queued.card.id == cids[0]
    theirs = [
        label.replace("\u2068", "").replace("\u2069", "")
        for label in pair.anki.sched.describe_next_states(queued.states)
    ]
    assert sched.interval_labels(cids[0]) == theirs
    for cid, ratings in zip(cids, ([1, 2, 3], [4], [3, 1, 4]), strict=False):
        for rating in ratings:
            pair.answer(cid, rating)
            _same_cards(*pair.cards(), (anki_did, our_did))
    sql = "select cid, ease, ivl, lastIvl, factor, type from revlog where type = 3 order by id"
    ours = [list(r) for r in pair.ours.db.execute(sql)]
    assert ours == [list(r) for r in pair.anki.db.all(sql)]
    assert len(ours) == 7
    home = pair.ours.db.execute("select did, odid from cards where id = ?", (cids[1],)).fetchone()
    assert home == (1, 0)
    due = Scheduler(pair.ours).next_cards(our_did, limit=50)
    assert (
        cids[0] in {c.id for c in due}
        or pair.ours.db.execute("select queue from cards where id = ?", (cids[0],)).fetchone()[0]
        == 4
    )


def test_a_preview_delay_past_the_rollover_reads_in_days_as_in_anki(pair: Pair) -> None:
    # the rollover is eleven to twelve hours away (rollover_far_from_now): thirteen hours pass it
    config = FilteredDeckConfig(
        (SearchTerm("deck:Default", 100, ORDER_ADDED),),
        reschedule=False,
        preview_again_secs=60,
        preview_hard_secs=13 * 3600,
        preview_good_secs=0,
    )
    anki_did = pair.anki_filtered("Preview", config)
    our_did, _ = save_filtered_deck(pair.ours, "Preview", config)
    pair.anki.decks.select(anki_did)
    queued = pair.anki.sched.get_queued_cards().cards[0]
    theirs = [
        label.replace("\u2068", "").replace("\u2069", "")
        for label in pair.anki.sched.describe_next_states(queued.states)
    ]
    assert theirs[1] == "1d"
    assert Scheduler(pair.ours).interval_labels(queued.card.id) == theirs
    # the card still comes back thirteen hours from now, in Anki's preview queue
    pair.answer(queued.card.id, 2)
    _same_cards(*pair.cards(), (anki_did, our_did))


def test_the_deck_is_studied_in_the_order_it_was_built(pair: Pair) -> None:
    config = FilteredDeckConfig((SearchTerm("deck:Default", 100, ORDER_INTERVALS_DESCENDING),))
    our_did, count = save_filtered_deck(pair.ours, "Order", config)
    shown = Scheduler(pair.ours).next_cards(our_did, limit=100)
    assert len(shown) == count
    for queue in (0, 2):
        built = [
            int(r[0])
            for r in pair.ours.db.execute(
                "select id from cards where did = ? and queue = ? order by due", (our_did, queue)
            )
        ]
        assert len(built) > 1
        assert [c.id for c in shown if c.queue == queue] == built


def test_fnvhash_is_anki_tie_break(pair: Pair) -> None:
    for values in ((1,), (1, 2), (1796479953291, 1796479953), (-5, 0, 2**62)):
        args = ", ".join(str(v) for v in values)
        assert fnvhash(*values) == pair.anki.db.scalar(f"select fnvhash({args})")


def test_undoing_a_build_or_an_edit_matches_anki(pair: Pair) -> None:
    from javumbo.collection.undo import undo, undoable

    before = pair.cards()
    config = CONFIGS["due order, rescheduling"]
    edited = CONFIGS["two filters, limit"]

    def anki_save(deck_id: int, name: str, cfg: FilteredDeckConfig) -> int:
        deck = pair.anki.sched.get_or_create_filtered_deck(deck_id)
        deck.name = name
        del deck.config.search_terms[:]
        for term in cfg.terms:
            deck.config.search_terms.add(search=term.search, limit=term.limit, order=term.order)
        deck.config.reschedule = cfg.reschedule
        return int(pair.anki.sched.add_or_update_filtered_deck(deck).id)

    anki_did = anki_save(0, "Filtered", config)
    with undoable(pair.ours, "Build Deck") as step:
        our_did, _ = save_filtered_deck(pair.ours, "Filtered", config, step=step)
    built = pair.cards()
    anki_save(anki_did, "Renamed", edited)
    with undoable(pair.ours, "Build Deck") as step:
        save_filtered_deck(pair.ours, "Renamed", edited, deck_id=our_did, step=step)
    _same_cards(*pair.cards(), (anki_did, our_did))

    label = pair.anki.undo_status().undo
    pair.anki.undo()
    assert undo(pair.ours).label == label == "Build Deck"
    theirs, ours = pair.cards()
    assert theirs == built[0]
    _same_cards(theirs, ours, (anki_did, our_did))
    assert pair.ours.decks[str(our_did)]["name"] == pair.anki.decks.get(anki_did)["name"]

    pair.anki.undo()
    undo(pair.ours)
    theirs, ours = pair.cards()
    assert ours == theirs == before[0]
    assert str(our_did) not in pair.ours.decks
    assert pair.anki.decks.by_name("Filtered") is None
