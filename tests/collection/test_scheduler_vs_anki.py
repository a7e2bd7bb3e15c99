"""Our scheduler against Anki's own (the ``anki`` package), answer by answer.

Both sides start from the same file (made by Anki, so card ids — and with them Anki's fuzz
seeds — are equal) and get the same ratings. Anki runs on the wall clock, so instead of waiting
for cards to come due we make the card due now on both sides with the same SQL (what Anki's own
tests do) and set our ``FixedClock`` to the wall clock before each answer.

With Anki's load balancer off, the two must agree exactly: type, queue, due, interval, ease,
reps, lapses, steps left, ``data`` and the revlog row, and the four button labels. The one
allowances are a learning card's due time and the card's last review time (``lrt`` in ``data``),
both epoch seconds, which may differ by the seconds that pass between the two answers (at most
2 here). With the load balancer on (Anki's default), Anki
moves a review interval to a less busy day *inside the fuzz range*, which we do not do; those
intervals are checked to lie in the same fuzz range as ours.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.scheduler.fuzz import constrained_fuzz_bounds

COLUMNS = "type, queue, due, ivl, factor, reps, lapses, left, odue, odid, data"
REVLOG = "ease, ivl, lastIvl, factor, time, type"
LEARN_DUE_SLACK_SECS = 2
DATA = COLUMNS.split(", ").index("data")
# new → learning → review → lapses → relearning, every button in every state.
SEQUENCE = [3, 3, 3, 3, 1, 2, 3, 4, 4, 2, 1, 1, 3, 3, 2, 4, 1, 3, 2, 3, 4]
# eight lapses in a row reach the default leech threshold (8); tagging is the default action.
LEECH_SEQUENCE = [4] + [1, 3] * 8


class Pair:
    """The same collection open in Anki and in our layer."""

    def __init__(self, anki: Any, ours: Collection, clock: FixedClock) -> None:
        self.anki = anki
        self.ours = ours
        self.clock = clock
        self.sched = Scheduler(ours)

    def make_due(self, cid: int) -> None:
        today = self.anki.sched.today
        now = int(time.time()) - 1
        sql = (
            "update cards set due = case when queue = 1 then ? when queue in (2, 3) then ? "
            "else due end where id = ?"
        )
        self.anki.db.execute(sql, now, today, cid)
        self.ours.db.execute(sql, (now, today, cid))

    def labels(self, cid: int) -> tuple[list[str], list[str]]:
        states = self.anki._backend.get_scheduling_states(cid)
        theirs = [
            label.replace("\u2068", "").replace("\u2069", "")
            for label in self.anki.sched.describe_next_states(states)
        ]
        return theirs, self.sched.interval_labels(cid)

    def answer(self, cid: int, ease: int, taken_ms: int = 75_000) -> None:
        self.clock.set(time.time())
        card = self.anki.get_card(cid)
        card.timer_started = time.time() - taken_ms / 1000
        self.anki.sched.answerCard(card, ease)
        self.sched.answer_card(cid, ease, taken_ms)

    def rows(self, cid: int) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        theirs = list(self.anki.db.first(f"select {COLUMNS} from cards where id = ?", cid))
        ours = list(
            self.ours.db.execute(f"select {COLUMNS} from cards where id = ?", (cid,)).fetchone()
        )
        last = f"select {REVLOG} from revlog where cid = ? order by id desc limit 1"
        their_log = list(self.anki.db.first(last, cid))
        our_log = list(self.ours.db.execute(last, (cid,)).fetchone())
        return theirs, ours, their_log, our_log


@pytest.fixture
def pair_factory(tmp_path: Path) -> Iterator[Callable[..., Pair]]:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import Config

    opened: list[tuple[Any, Collection]] = []

    def make(*, load_balancer: bool = False, fsrs: bool = False, notes: int = 3) -> Pair:
        source = tmp_path / "anki.anki2"
        anki = AnkiCollection(str(source))
        anki.set_config_bool(Config.Bool.LOAD_BALANCER_ENABLED, load_balancer)
        if fsrs:
            anki.set_config("fsrs", True)
        basic = anki.models.by_name("Basic")
        for i in range(notes):
            note = anki.new_note(basic)
            note["Front"] = f"question {i}"
            note["Back"] = f"answer {i}"
            anki.add_note(note, 1)
        anki.close(downgrade=True)
        ours_path = tmp_path / "ours.anki2"
        shutil.copy(source, ours_path)
        anki = AnkiCollection(str(source))
        clock = FixedClock(time.time())
        ours = Collection.open(ours_path, clock=clock)
        opened.append((anki, ours))
        return Pair(anki, ours, clock)

    yield make
    for anki, ours in opened:
        anki.close()
        with contextlib.suppress(sqlite3.ProgrammingError):  # the test closed it already
            ours.close()


def _same_except_answer_second(theirs: list[Any], ours: list[Any]) -> bool:
    """Equal rows, except for the epoch seconds that depend on when each side answered."""
    theirs, ours = list(theirs), list(ours)
    if theirs[1] == 1 and ours[1] == 1:  # intraday learning: due is epoch seconds
        if abs(theirs[2] - ours[2]) > LEARN_DUE_SLACK_SECS:
            return False
        theirs[2] = ours[2]
    if len(theirs) <= DATA or len(ours) <= DATA:  # the caller compared ``data`` itself
        return theirs == ours
    their_data, our_data = json.loads(theirs[DATA] or "{}"), json.loads(ours[DATA] or "{}")
    their_lrt, our_lrt = their_data.pop("lrt", None), our_data.pop("lrt", None)
    if (their_lrt is None) != (our_lrt is None):
        return False
    if their_lrt is not None and abs(their_lrt - our_lrt) > LEARN_DUE_SLACK_SECS:
        return False
    return theirs[:DATA] == ours[:DATA] and their_data == our_data


def _card_ids(pair: Pair) -> list[int]:
    return [int(c) for c in pair.anki.db.list("select id from cards order by id")]


def test_sm2_answers_match_anki_exactly(pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    first, second, third = _card_ids(pair)
    for cid, sequence in ((first, SEQUENCE), (second, SEQUENCE[::-1]), (third, LEECH_SEQUENCE)):
        for step, ease in enumerate(sequence):
            pair.make_due(cid)
            their_labels, our_labels = pair.labels(cid)
            assert our_labels == their_labels, f"card {cid} step {step}: labels differ"
            pair.answer(cid, ease)
            theirs, ours, their_log, our_log = pair.rows(cid)
            assert _same_except_answer_second(theirs, ours), (
                f"card {cid} step {step} (ease {ease}): anki {theirs} ours {ours}"
            )
            assert our_log == their_log, f"card {cid} step {step}: revlog differs"
    nid = pair.anki.get_card(third).nid
    their_tags = pair.anki.get_note(nid).tags
    our_tags = pair.ours.db.execute("select tags from notes where id = ?", (nid,)).fetchone()[0]
    assert "leech" in their_tags
    assert our_tags.split() == their_tags


def test_leech_suspend_matches_anki(pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory(notes=1)
    conf = pair.anki.decks.config_dict_for_deck_id(1)
    conf["lapse"]["leechFails"] = 2
    conf["lapse"]["leechAction"] = 0
    pair.anki.decks.update_config(conf)
    dconf = dict(pair.ours.dconf)
    dconf["1"] = {**dconf["1"], "lapse": {**dconf["1"]["lapse"], "leechFails": 2, "leechAction": 0}}
    pair.ours.save_json("dconf", dconf)
    (cid,) = _card_ids(pair)
    for ease in (4, 1, 3, 1):
        pair.make_due(cid)
        pair.answer(cid, ease)
    theirs, ours, their_log, our_log = pair.rows(cid)
    assert theirs[1] == -1  # suspended by Anki
    assert _same_except_answer_second(theirs, ours)
    assert our_log == their_log


def test_default_load_balancer_stays_inside_our_fuzz_range(
    pair_factory: Callable[..., Pair],
) -> None:
    pair = pair_factory(load_balancer=True, notes=2)
    for cid in _card_ids(pair):
        for ease in (4, 3, 3, 3, 2, 4):
            pair.make_due(cid)
            ivl_before = pair.ours.db.execute(
                "select ivl from cards where id = ?", (cid,)
            ).fetchone()
            pair.answer(cid, ease)
            theirs, ours, _, _ = pair.rows(cid)
            assert theirs[0] == ours[0] == 2  # both review cards
            their_ivl, our_ivl = theirs[3], ours[3]
            low, high = constrained_fuzz_bounds(float(our_ivl), 1, 36500)
            spread = max(high - low, 1)
            assert abs(their_ivl - our_ivl) <= spread, (ivl_before, their_ivl, our_ivl)
            # continue from Anki's choice so that the next step starts equal
            pair.ours.db.execute(
                "update cards set ivl = ?, due = ? where id = ?", (their_ivl, theirs[2], cid)
            )


def test_fsrs_memory_state_matches_anki(
    pair_factory: Callable[..., Pair], anki_validate: Callable[..., tuple[int, Any]]
) -> None:
    pair = pair_factory(fsrs=True, notes=2)
    for cid in _card_ids(pair):
        for step, ease in enumerate([3, 3, 3, 1, 3, 4, 2]):
            pair.make_due(cid)
            pair.answer(cid, ease)
            theirs, ours, their_log, our_log = pair.rows(cid)
            their_data, our_data = json.loads(theirs.pop()), json.loads(ours.pop())
            assert set(our_data) == set(their_data), (their_data, our_data)
            for key in ("s", "d"):
                assert our_data[key] == pytest.approx(their_data[key], rel=1e-3), (step, key)
            assert our_data["dr"] == their_data["dr"]
            assert our_data["decay"] == their_data["decay"]
            assert _same_except_answer_second(theirs, ours), (step, theirs, ours)
            assert our_log == their_log, (step, their_log, our_log)
    path = pair.ours.path
    pair.ours.close()
    rc, report = anki_validate(path)
    assert rc == 0, report
