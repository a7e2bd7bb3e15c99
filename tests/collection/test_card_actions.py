"""Card actions against real Anki: the same collection file open in Anki (the ``anki``
package) and in our layer, the same action on both, then every card row (all but mod/usn),
the revlog rows and ``nextPos`` must be equal. Each action is one step of our undo too."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, NotFoundError, ValidationError
from javumbo.collection import card_actions as actions
from javumbo.collection import dialog_choices as choices
from javumbo.collection import undo as undo_ops
from javumbo.collection.card_info import card_info

CARD_COLUMNS = "id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left, odue, odid"
CARD_ROWS = f"select {CARD_COLUMNS}, flags, data from cards order by id"
REVLOG_ROWS = "select cid, ease, ivl, lastIvl, factor, time, type from revlog order by cid, id"


class Pair:
    def __init__(self, anki: Any, ours: Collection) -> None:
        self.anki = anki
        self.ours = ours

    def cards(self) -> tuple[list[list[Any]], list[list[Any]]]:
        theirs = [list(r) for r in self.anki.db.all(CARD_ROWS)]
        ours = [list(r) for r in self.ours.db.execute(CARD_ROWS)]
        return theirs, ours

    def assert_same(self) -> None:
        theirs, ours = self.cards()
        diff = [(t, o) for t, o in zip(theirs, ours, strict=True) if t != o]
        assert not diff, diff
        assert [list(r) for r in self.ours.db.execute(REVLOG_ROWS)] == [
            list(r) for r in self.anki.db.all(REVLOG_ROWS)
        ]
        assert self.ours.conf.get("nextPos") == self.anki.get_config("nextPos")

    def ids(self, where: str = "1") -> list[int]:
        return [
            int(c) for c in self.anki.db.list(f"select id from cards where {where} order by id")
        ]


def _study(anki: Any, cid: int, *eases: int) -> None:
    for ease in eases:
        anki.db.execute(
            "update cards set due = case when queue = 1 then 0 when queue in (2, 3) then ? "
            "else due end where id = ?",
            anki.sched.today,
            cid,
        )
        card = anki.get_card(cid)
        card.timer_started = time.time() - 4
        anki.sched.answerCard(card, ease)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    """Six notes of "Basic (and reversed card)" in Default and Default::Sub, some studied into
    learning, review and relearning, some in a filtered deck, all made by Anki."""
    from anki.collection import Collection as AnkiCollection

    source = tmp_path / "anki.anki2"
    anki = AnkiCollection(str(source))
    reversed_type = anki.models.by_name("Basic (and reversed card)")
    sub = anki.decks.id("Default::Sub")
    for i in range(6):
        note = anki.new_note(reversed_type)
        note["Front"], note["Back"] = f"question {i}", f"answer {i}"
        anki.add_note(note, 1 if i < 4 else sub)
    cids = [int(c) for c in anki.db.list("select id from cards order by id")]
    _study(anki, cids[0], 3, 3)  # review
    _study(anki, cids[1], 3)  # learning
    _study(anki, cids[2], 4, 1)  # relearning
    _study(anki, cids[3], 4)  # review
    anki.sched.suspend_cards([cids[5]])
    anki.sched.bury_cards([cids[6]])
    filtered = anki.decks.new_filtered("Cram")
    deck = anki.decks.get(filtered)
    deck["terms"] = [["deck:Default::Sub", 100, 0]]
    anki.decks.save(deck)
    anki.sched.rebuild_filtered_deck(filtered)
    anki.close(downgrade=True)
    ours_path = tmp_path / "ours.anki2"
    shutil.copy(source, ours_path)
    anki = AnkiCollection(str(source))
    ours = Collection.open(ours_path, clock=FixedClock(time.time()))
    try:
        yield Pair(anki, ours)
    finally:
        anki.close()
        with contextlib.suppress(sqlite3.ProgrammingError):
            ours.close()


def _note_ids(pair: Pair, cids: list[int]) -> list[int]:
    return [int(pair.anki.get_card(c).nid) for c in cids]


def test_starting_point_is_the_same(pair: Pair) -> None:
    pair.assert_same()
    assert pair.ids("odid != 0"), "the filtered deck holds cards"


def test_bury_cards_and_notes_match_anki(pair: Pair) -> None:
    cids = pair.ids()
    chosen = [cids[0], cids[1], cids[5], cids[6], cids[9]]
    pair.anki.sched.bury_cards(chosen)
    assert actions.bury_cards(pair.ours, chosen) == 3
    pair.assert_same()
    nids = _note_ids(pair, [cids[2], cids[10]])
    pair.anki.sched.bury_notes(nids)
    actions.bury_cards(pair.ours, actions.cards_of_notes(pair.ours, nids), label="Bury Note")
    pair.assert_same()


def test_suspend_notes_and_unbury_match_anki(pair: Pair) -> None:
    cids = pair.ids()
    nids = _note_ids(pair, [cids[3]])
    pair.anki.sched.suspend_notes(nids)
    actions.suspend_cards(pair.ours, actions.cards_of_notes(pair.ours, nids))
    pair.assert_same()
    pair.anki.sched.unbury_cards([cids[3], cids[5], cids[6], cids[0]])
    assert actions.unbury_cards(pair.ours, [cids[3], cids[5], cids[6], cids[0]]) == 3
    pair.assert_same()


@pytest.mark.parametrize("mode", ["all", "user", "sched"])
def test_unbury_deck_matches_anki(pair: Pair, mode: str) -> None:
    from anki.scheduler.base import UnburyDeck

    cids = pair.ids()
    pair.anki.sched.bury_cards(cids[8:10])
    actions.bury_cards(pair.ours, cids[8:10])
    sql = "update cards set queue = -2 where id = ?"
    pair.anki.db.execute(sql, cids[11])
    pair.ours.db.execute(sql, (cids[11],))
    pair.anki.sched.unbury_deck(
        1,
        {"all": UnburyDeck.ALL, "user": UnburyDeck.USER_ONLY, "sched": UnburyDeck.SCHED_ONLY}[mode],
    )
    actions.unbury_deck(pair.ours, 1, mode)
    pair.assert_same()


@pytest.mark.parametrize(("restore", "reset"), [(True, False), (False, True), (True, True)])
def test_forget_matches_anki(pair: Pair, restore: bool, reset: bool) -> None:
    cids = pair.ids()
    chosen = [cids[9], cids[0], cids[2], cids[1], cids[7], cids[5], cids[11], cids[10]]
    pair.anki.sched.schedule_cards_as_new(chosen, restore_position=restore, reset_counts=reset)
    actions.forget_cards(pair.ours, chosen, restore_position=restore, reset_counts=reset)
    pair.assert_same()


@pytest.mark.parametrize("days", ["0", "3", "7!", "12-12", "2-2!"])
def test_set_due_date_matches_anki(pair: Pair, days: str) -> None:
    cids = pair.ids()
    chosen = [cids[0], cids[1], cids[2], cids[4], cids[5], cids[6], cids[9], cids[8]]
    pair.anki.sched.set_due_date(chosen, days)
    actions.set_due_date(pair.ours, chosen, days)
    pair.assert_same()


def test_set_due_date_range_stays_in_range(pair: Pair) -> None:
    cids = pair.ids("type = 0 and odid = 0")
    actions.set_due_date(pair.ours, cids, "3-7", random.Random(4))
    today = pair.ours.today()
    placeholders = ",".join("?" * len(cids))
    rows = pair.ours.db.execute(f"select due from cards where id in ({placeholders})", cids)
    dues = {int(r[0]) - today for r in rows}
    assert dues <= set(range(3, 8)) and len(dues) > 1


@pytest.mark.parametrize("text", ["", "x", "-1", "1-", "5!!", " 3", "3 ", "1e3", "100001"])
def test_bad_due_dates_are_refused_and_change_nothing(pair: Pair, text: str) -> None:
    before = pair.cards()[1]
    with pytest.raises(ValidationError):
        actions.set_due_date(pair.ours, pair.ids(), text)
    assert pair.cards()[1] == before


@pytest.mark.parametrize(
    ("start", "step", "shift"), [(1, 1, False), (0, 3, True), (5, 2, True), (100, 1, False)]
)
def test_reposition_matches_anki(pair: Pair, start: int, step: int, shift: bool) -> None:
    cids = pair.ids()
    chosen = [cids[11], cids[0], cids[8], cids[9], cids[4], cids[10]]
    result = pair.anki.sched.reposition_new_cards(chosen, start, step, False, shift)
    moved = actions.reposition_new_cards(pair.ours, chosen, start=start, step=step, shift=shift)
    assert moved == result.count
    pair.assert_same()


def test_reposition_randomized_keeps_siblings_together(pair: Pair) -> None:
    chosen = pair.ids("type = 0 and odid = 0")
    actions.reposition_new_cards(pair.ours, chosen, start=1, randomize=True, rng=random.Random(1))
    rows = pair.ours.db.execute("select nid, due from cards where type = 0 and odid = 0")
    by_note: dict[int, set[int]] = {}
    for nid, due in rows:
        by_note.setdefault(nid, set()).add(due)
    assert all(len(d) == 1 for d in by_note.values())
    assert sorted(next(iter(d)) for d in by_note.values()) == list(range(1, len(by_note) + 1))


def test_mark_toggles_the_marked_tag_as_anki(pair: Pair) -> None:
    cids = pair.ids()
    assert actions.set_marked(pair.ours, [cids[0], cids[2]]) is True
    tags = [r[0] for r in pair.ours.db.execute("select tags from notes order by id")]
    assert tags[:2] == [" marked ", " marked "] and tags[2] == ""
    assert actions.set_marked(pair.ours, [cids[0]]) is False
    assert "marked" not in pair.ours.db.execute("select tags from notes order by id").fetchone()[0]
    assert actions.set_marked(pair.ours, [cids[2]], marked=True) is True


def test_every_action_is_one_undo_step(pair: Pair) -> None:
    start = pair.cards()[1]
    cids = pair.ids()
    actions.bury_cards(pair.ours, cids[:3])
    actions.forget_cards(pair.ours, cids[:2])
    actions.set_due_date(pair.ours, cids[8:10], "4")
    actions.reposition_new_cards(pair.ours, cids[10:], start=0, shift=True)
    actions.set_marked(pair.ours, cids[:1])
    labels = [undo_ops.undo(pair.ours).label for _ in range(5)]
    assert labels == ["Toggle Mark", "Reposition", "Set Due Date", "Forget", "Bury"]
    assert pair.cards()[1] == start
    assert pair.ours.db.execute("select count() from revlog where type = 4").fetchone()[0] == 0


def test_unknown_cards_are_refused_before_anything_changes(pair: Pair) -> None:
    before = pair.cards()[1]
    with pytest.raises(NotFoundError):
        actions.bury_cards(pair.ours, [pair.ids()[0], 42])
    assert pair.cards()[1] == before and undo_ops.undo_status(pair.ours) is None


def test_card_info_matches_ankis_card_stats(pair: Pair) -> None:
    for cid in pair.ids():
        theirs = pair.anki.card_stats_data(cid)
        ours = card_info(pair.ours, cid)
        assert (ours.card_id, ours.note_id, ours.deck, ours.added) == (
            theirs.card_id,
            theirs.note_id,
            theirs.deck,
            theirs.added,
        )
        assert ours.original_deck == (
            theirs.original_deck if theirs.HasField("original_deck") else None
        )
        assert (ours.notetype, ours.card_type, ours.preset) == (
            theirs.notetype,
            theirs.card_type,
            theirs.preset,
        )
        assert (ours.interval, ours.ease, ours.reviews, ours.lapses) == (
            theirs.interval,
            theirs.ease,
            theirs.reviews,
            theirs.lapses,
        )
        first = theirs.first_review if theirs.HasField("first_review") else None
        latest = theirs.latest_review if theirs.HasField("latest_review") else None
        assert (ours.first_review, ours.latest_review) == (first, latest)
        position = theirs.due_position if theirs.HasField("due_position") else None
        assert ours.due_position == position
        if theirs.HasField("due_date"):
            assert ours.due_date is not None and abs(ours.due_date - theirs.due_date) <= 5
        else:
            assert ours.due_date is None
        assert ours.total_secs == pytest.approx(theirs.total_secs)
        assert ours.average_secs == pytest.approx(theirs.average_secs)
        assert [
            (e.time, e.review_kind, e.button_chosen, e.interval, e.last_interval, e.ease)
            for e in ours.revlog
        ] == [
            (e.time, e.review_kind, e.button_chosen, e.interval, e.last_interval, e.ease)
            for e in theirs.revlog
        ]


@pytest.mark.parametrize("context", choices.DIALOG_CONTEXTS)
def test_the_reset_dialogs_choice_is_kept_where_anki_keeps_it(pair: Pair, context: str) -> None:
    from anki.collection import Config

    keys = {
        "reviewer": (Config.Bool.RESTORE_POSITION_REVIEWER, Config.Bool.RESET_COUNTS_REVIEWER),
        "browser": (Config.Bool.RESTORE_POSITION_BROWSER, Config.Bool.RESET_COUNTS_BROWSER),
    }[context]
    theirs = tuple(pair.anki.get_config_bool(key) for key in keys)
    ours = choices.forget_choice(pair.ours, context)
    assert (ours.restore_position, ours.reset_counts) == theirs == (True, False)
    choices.remember_forget_choice(pair.ours, context, choices.ForgetChoice(False, True))
    for key, value in zip(keys, (False, True), strict=True):
        pair.anki.set_config_bool(key, value)
    names = {"restorePositionReviewer", "resetCountsReviewer"}
    names |= {"restorePositionBrowser", "resetCountsBrowser"}
    theirs_conf = {k: v for k, v in pair.anki.all_config().items() if k in names}
    assert {k: v for k, v in pair.ours.conf.items() if k in names} == theirs_conf
    assert choices.forget_choice(pair.ours, context) == choices.ForgetChoice(False, True)


@pytest.mark.parametrize("context", choices.DIALOG_CONTEXTS)
def test_the_set_due_date_dialogs_days_are_kept_where_anki_keeps_them(
    pair: Pair, context: str
) -> None:
    from anki.collection import Config

    key = {"reviewer": Config.String.SET_DUE_REVIEWER, "browser": Config.String.SET_DUE_BROWSER}
    assert choices.due_days_choice(pair.ours, context) == pair.anki.get_config_string(key[context])
    choices.remember_due_days(pair.ours, context, "3-7!")
    pair.anki.set_config_string(key[context], "3-7!")
    names = {"setDueReviewer", "setDueBrowser"}
    theirs = {k: v for k, v in pair.anki.all_config().items() if k in names}
    assert {k: v for k, v in pair.ours.conf.items() if k in names} == theirs
    assert choices.due_days_choice(pair.ours, context) == "3-7!"


CHOICE_KEYS = {
    "randomOrderReposition",
    "shiftPositionOfExistingCards",
    "restorePositionBrowser",
    "resetCountsBrowser",
    "setDueBrowser",
    "nextPos",
}


@pytest.mark.parametrize("action", ["reposition", "forget", "set-due"])
def test_undo_puts_back_the_choices_an_action_remembered_as_anki(pair: Pair, action: str) -> None:
    """Anki's undo covers the settings its actions write (the dialog's last choice, the next
    new-card position); after doing and undoing, both collections hold what they held."""
    from anki.collection import Config
    from anki.scheduler.base import ScheduleCardsAsNew

    def chosen(conf: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in conf.items() if k in CHOICE_KEYS}

    cids = [int(c) for c in pair.anki.db.list("select id from cards order by id")][:4]
    before = chosen(pair.ours.conf)
    assert before == chosen(pair.anki.all_config())
    if action == "reposition":
        pair.anki.sched.reposition_new_cards(cids, 3, 1, True, True)
        actions.reposition_new_cards(pair.ours, cids, start=3, randomize=True, shift=True)
    elif action == "forget":
        context = ScheduleCardsAsNew.Context.BROWSER
        pair.anki.sched.schedule_cards_as_new(
            cids, restore_position=False, reset_counts=True, context=context
        )
        actions.forget_cards(
            pair.ours, cids, restore_position=False, reset_counts=True, remember="browser"
        )
    else:
        pair.anki.sched.set_due_date(cids, "3-7", config_key=Config.String.SET_DUE_BROWSER)
        actions.set_due_date(pair.ours, cids, "3-7", remember="browser")
    assert chosen(pair.ours.conf) == chosen(pair.anki.all_config()) != before
    pair.anki.undo()
    undo_ops.undo(pair.ours)
    assert chosen(pair.ours.conf) == chosen(pair.anki.all_config()) == before
