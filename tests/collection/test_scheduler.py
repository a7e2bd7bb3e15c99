"""The scheduler on its own collections: queue order, daily limits (with parents), the day
rollover, sibling burying, undo across processes, labels, bad input, and real Anki's verdict on
a collection after every kind of answer. (Agreement with Anki's own scheduler, answer by answer,
is in ``test_scheduler_vs_anki.py``.)"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, NotFoundError, ValidationError
from javumbo.collection.cards import get_card, suspend_cards
from javumbo.collection.decks import add_deck, add_deck_config, set_deck_config, update_deck_config
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.scheduler import DueCounts, Scheduler
from javumbo.collection.scheduler.fuzz import with_review_fuzz
from javumbo.collection.scheduler.labels import answer_button_label, answer_button_time
from javumbo.collection.scheduler.states import Steps

DAY = 86_400
MINUTE = 60


def _add_basic(col: Collection, count: int, deck_id: int = 1, kind: str = "Basic") -> list[int]:
    nt = notetype_by_name(col, kind)
    assert nt is not None
    cids: list[int] = []
    for i in range(count):
        note = add_note(col, int(nt["id"]), [f"front {i}", f"back {i}"], deck_id)
        cids += [
            r[0]
            for r in col.db.execute("select id from cards where nid = ? order by ord", (note.id,))
        ]
    return cids


def _row(col: Collection, cid: int) -> tuple[Any, ...]:
    return tuple(col.db.execute("select * from cards where id = ?", (cid,)).fetchone())


def _revlog_count(col: Collection) -> int:
    return int(col.db.execute("select count() from revlog").fetchone()[0])


# ----------------------------------------------------------------- Anki's rules in isolation


def test_fuzz_ranges_are_ankis() -> None:
    # From rslib/src/scheduler/states/fuzz.rs: (interval, min, max) -> lower, middle, upper.
    cases = [
        (1.0, 1, 1000, 1, 1, 1),
        (2.49, 1, 1000, 2, 2, 2),
        (2.5, 1, 1000, 2, 3, 4),
        (7.0, 1, 1000, 5, 7, 9),
        (17.0, 1, 1000, 14, 17, 20),
        (37.0, 1, 1000, 33, 37, 41),
        (2.0, 3, 1000, 3, 4, 4),
        (100.0, 101, 1000, 101, 105, 108),
        (100.0, 1, 99, 92, 96, 99),
    ]
    for interval, low, high, lower, middle, upper in cases:
        got = [with_review_fuzz(f, interval, low, high) for f in (0.0, 0.5, 0.99)]
        assert got == [lower, middle, upper], interval
    assert with_review_fuzz(None, 1.5, 1, 100) == 2


def test_learning_steps_are_ankis() -> None:
    # From rslib/src/scheduler/states/steps.rs.
    one = Steps((10.0,))
    assert (one.again_delay(), one.hard_delay(1), one.good_delay(1)) == (600, 900, None)
    two = Steps((1.0, 10.0))
    assert (two.hard_delay(2), two.good_delay(2), two.hard_delay(1)) == (330, 600, 600)
    three = Steps((1.0, 10.0, 100.0))
    assert (three.hard_delay(2), three.good_delay(2), three.hard_delay(1)) == (600, 6000, 6000)
    assert Steps((3 * 1440.0,)).hard_delay(1) == 4 * DAY


def test_labels_are_formatted_like_anki() -> None:
    assert answer_button_time(30) == "30s"
    assert answer_button_time(70) == "1m"
    assert answer_button_time(int(1.1 * 30.417 * DAY)) == "1.1mo"
    assert answer_button_time(90 * MINUTE) == "1.5h"
    assert answer_button_time(4 * DAY) == "4d"
    assert answer_button_time(2 * 365 * DAY) == "2y"
    assert answer_button_label(60, 1200) == "<1m"
    assert answer_button_label(1200, 1200) == "20m"


# ----------------------------------------------------------------- queues and limits


def test_new_cards_come_in_position_order_up_to_the_daily_limit(col: Collection) -> None:
    cids = _add_basic(col, 30)
    sched = Scheduler(col)
    queue = sched.next_cards(1, limit=100)
    assert [c.id for c in queue] == cids[:20]
    assert sched.due_counts(1) == DueCounts(new=20, learning=0, review=0)


def test_learning_cards_come_first_once_due(col: Collection, clock: FixedClock) -> None:
    cids = _add_basic(col, 5)
    sched = Scheduler(col)
    sched.answer_card(cids[0], 3, 5_000)  # -> 10 minute step
    assert sched.due_counts(1) == DueCounts(new=4, learning=1, review=0)
    assert sched.next_cards(1, 1)[0].id == cids[1]  # learning card not due yet
    clock.advance(16 * MINUTE)
    assert sched.next_cards(1, 1)[0].id == cids[0]


def test_studied_cards_count_against_the_limit_in_a_new_process(
    col: Collection, col_path: Path, clock: FixedClock
) -> None:
    cids = _add_basic(col, 25)
    sched = Scheduler(col)
    for cid in cids[:7]:
        sched.answer_card(cid, 4, 1_000)
    col.close()
    reopened = Collection.open(col_path, clock=clock)
    try:
        assert Scheduler(reopened).due_counts(1).new == 13
        clock.advance(DAY)  # a new day: the limit is whole again
        assert Scheduler(reopened).due_counts(1).new == 18  # only 18 new cards are left
    finally:
        reopened.close()


def test_parent_limit_caps_children_when_studying_the_parent(col: Collection) -> None:
    parent = add_deck(col, "Languages")
    child = add_deck(col, "Languages::Spanish")
    small = add_deck_config(col, "small")
    update_deck_config(col, small, {"new": {"perDay": 5}})
    set_deck_config(col, parent, small)
    cids = _add_basic(col, 12, deck_id=child)
    sched = Scheduler(col)
    assert len(sched.next_cards(parent, 50)) == 5
    assert len(sched.next_cards(child, 50)) == 12  # the parent's limit is not applied above
    for cid in cids[:3]:
        sched.answer_card(cid, 4, 1_000)
    assert sched.due_counts(parent).new == 2
    tree = sched.deck_due_tree()
    languages = next(n for n in tree if n["id"] == parent)
    assert languages["new"] == 2 and languages["children"][0]["new"] == 9


def test_review_limit_also_caps_new_cards(col: Collection) -> None:
    cids = _add_basic(col, 4)
    update_deck_config(col, 1, {"rev": {"perDay": 3}})
    today = col.today()
    col.db.execute(
        "update cards set type = 2, queue = 2, ivl = 5, factor = 2500, due = ? where id in (?, ?)",
        (today, cids[0], cids[1]),
    )
    sched = Scheduler(col)
    queue = sched.next_cards(1, 10)
    # the one new card the limit leaves is mixed evenly between the two reviews, as in Anki
    assert queue[1].id == cids[2] and {queue[0].id, queue[2].id} == {cids[0], cids[1]}
    assert len(queue) == 3
    assert sched.due_counts(1) == DueCounts(new=1, learning=0, review=2)


def test_rollover_hour_decides_the_day(tmp_path: Path) -> None:
    # 2026-11-15 03:30 UTC, then 04:30 UTC: the default rollover is 04:00.
    clock = FixedClock(1_795_231_800.0)
    col = Collection.create(tmp_path / "c.anki2", clock=clock)
    try:
        conf = dict(col.conf)
        conf["localOffset"] = 0
        col.save_json("conf", conf)
        cid = _add_basic(col, 1)[0]
        before = col.today()
        sched = Scheduler(col)
        sched.answer_card(cid, 4, 1_000)  # easy: review in a few days
        card = get_card(col, cid)
        assert card.due == before + card.ivl
        clock.advance(3600)
        assert col.today() == before + 1
        clock.advance((card.ivl - 2) * DAY)
        assert sched.next_cards(1, 5) == []
        clock.advance(DAY)
        assert [c.id for c in sched.next_cards(1, 5)] == [cid]
    finally:
        col.close()


def test_learning_step_past_the_rollover_becomes_interday(col: Collection) -> None:
    update_deck_config(col, 1, {"new": {"delays": [1.0, 1440.0 * 2]}})
    cid = _add_basic(col, 1)[0]
    Scheduler(col).answer_card(cid, 3, 1_000)
    card = get_card(col, cid)
    assert (card.type, card.queue, card.due) == (1, 3, col.today() + 2)
    revlog_ivl = col.db.execute("select ivl from revlog").fetchone()[0]
    assert revlog_ivl == 2


# ----------------------------------------------------------------- burying


def test_siblings_are_buried_until_the_next_day(col: Collection, clock: FixedClock) -> None:
    update_deck_config(col, 1, {"new": {"bury": True}})
    front, back = _add_basic(col, 1, kind="Basic (and reversed card)")
    sched = Scheduler(col)
    assert [c.id for c in sched.next_cards(1, 10)] == [front]  # sibling held back in a batch
    result = sched.answer_card(front, 3, 1_000)
    assert result.buried_sibling_ids == (back,)
    assert get_card(col, back).queue == -2
    with pytest.raises(ValidationError, match="buried"):
        sched.answer_card(back, 3, 1_000)
    clock.advance(DAY)
    # the learning front would bury its new sibling again in today's queue, as in Anki
    assert sched.due_counts(1).new == 0
    suspend_cards(col, [front])
    assert sched.due_counts(1).new == 1  # burials end with the day, before any answer
    assert [c.id for c in sched.next_cards(1, 10)] == [back]
    col.db.execute("update cards set queue = 1 where id = ?", (front,))
    again = sched.answer_card(front, 3, 1_000)  # the day's first answer writes the unburying
    assert col.conf["lastUnburied"] == col.today()
    assert again.buried_sibling_ids == (back,)  # ...and buries the sibling anew


# ----------------------------------------------------------------- undo


def test_undo_restores_card_and_revlog_from_another_process(
    col: Collection, col_path: Path, clock: FixedClock
) -> None:
    cid = _add_basic(col, 1)[0]
    before = _row(col, cid)
    Scheduler(col).answer_card(cid, 3, 4_000)
    assert _revlog_count(col) == 1
    col.close()
    reopened = Collection.open(col_path, clock=clock)
    try:
        assert Scheduler(reopened).undo_last_answer() == cid
        assert _row(reopened, cid) == before
        assert _revlog_count(reopened) == 0
        assert Scheduler(reopened).undo_last_answer() is None
    finally:
        reopened.close()


def test_undo_of_a_leech_removes_the_tag_and_unsuspends(col: Collection) -> None:
    update_deck_config(col, 1, {"lapse": {"leechFails": 1, "leechAction": 0}})
    cid = _add_basic(col, 1)[0]
    sched = Scheduler(col)
    sched.answer_card(cid, 4, 1_000)
    before = _row(col, cid)
    col.db.execute("update cards set due = ? where id = ?", (col.today(), cid))
    before = _row(col, cid)
    result = sched.answer_card(cid, 1, 1_000)
    assert result.leeched and get_card(col, cid).queue == -1
    nid = get_card(col, cid).nid
    assert "leech" in col.db.execute("select tags from notes where id = ?", (nid,)).fetchone()[0]
    assert sched.undo_last_answer() == cid
    assert _row(col, cid) == before
    assert (
        "leech" not in col.db.execute("select tags from notes where id = ?", (nid,)).fetchone()[0]
    )


# ----------------------------------------------------------------- bad input


def test_bad_answers_get_clear_errors(col: Collection) -> None:
    cid = _add_basic(col, 2)[0]
    sched = Scheduler(col)
    for rating in (0, 5, "3", True, None, 2.0):
        with pytest.raises(ValidationError, match="rating"):
            sched.answer_card(cid, rating, 1_000)  # type: ignore[arg-type]
    for taken in (-1, "10", 1.5):
        with pytest.raises(ValidationError, match="time taken"):
            sched.answer_card(cid, 3, taken)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        sched.answer_card(424242, 3, 1_000)
    suspend_cards(col, [cid])
    with pytest.raises(ValidationError, match="suspended"):
        sched.answer_card(cid, 3, 1_000)
    with pytest.raises(NotFoundError):
        sched.next_cards(999, 5)
    with pytest.raises(NotFoundError):
        sched.interval_labels(424242)
    assert _revlog_count(col) == 0


@pytest.mark.parametrize("fsrs", [False, True])
@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("new", "delays", ["1m"]),
        ("lapse", "delays", "10"),
        ("new", "ints", [None, 4]),
        ("rev", "maxIvl", "36500"),
        ("rev", "ease4", None),
        (None, "desiredRetention", "0.9"),
        (None, "fsrsParams6", ["0.2"] * 21),
        (None, "rev", []),
    ],
)
def test_a_preset_value_of_the_wrong_kind_reads_as_the_default(
    col: Collection, fsrs: bool, section: str | None, key: str, value: Any
) -> None:
    """A sync client may send a preset whose JSON holds a string where Anki writes a number:
    the scheduler takes Anki's default for that value instead of failing every answer."""
    cids = _add_basic(col, 3)
    sched = Scheduler(col)
    col.save_json("conf", {**col.conf, "fsrs": fsrs})
    expected = [sched.interval_labels(cid) for cid in cids]  # the Default preset: Anki's defaults
    preset = dict(col.dconf["1"])
    if section is None:
        preset[key] = value
    else:
        preset[section] = {**preset[section], key: value}
    col.save_json("dconf", {**col.dconf, "1": preset})
    assert [sched.interval_labels(cid) for cid in cids] == expected
    for cid in cids:
        sched.answer_card(cid, 3, 1_000)
    assert sched.due_counts(1).learning == len(cids)


@pytest.mark.parametrize("fsrs", [False, True])
@pytest.mark.parametrize("conf", [424242, "x", None])
def test_a_deck_naming_no_preset_uses_the_default_one(
    col: Collection, fsrs: bool, conf: Any
) -> None:
    """A deck whose ``conf`` names no preset (one deleted on another device, or not an id at
    all) is scheduled with the Default preset, as Anki falls back."""
    deck = add_deck(col, "Orphan")
    cids = _add_basic(col, 3, deck)
    col.save_json("conf", {**col.conf, "fsrs": fsrs})
    sched = Scheduler(col)
    expected = [sched.interval_labels(cid) for cid in cids]
    col.save_json("decks", {**col.decks, str(deck): {**col.decks[str(deck)], "conf": conf}})
    assert [sched.interval_labels(cid) for cid in cids] == expected
    assert sched.due_counts(deck).new == 3
    for cid in cids:
        sched.answer_card(cid, 3, 1_000)
    assert sched.due_counts(deck).learning == 3


def test_config_values_of_the_wrong_kind_never_stop_studying(col: Collection) -> None:
    """The day's timing, the learn-ahead limit and new-card positions read Anki's defaults
    when the config holds something else (as a sync client could write it)."""
    keys = ("rollover", "creationOffset", "localOffset", "nextPos", "collapseTime")
    col.save_json("conf", {**col.conf, **dict.fromkeys(keys, "x")})
    cids = _add_basic(col, 3)
    assert [get_card(col, cid).due for cid in cids] == [1, 2, 3]
    sched = Scheduler(col)
    for card in sched.next_cards(1, 3):
        assert sched.interval_labels(card.id)[0] == "<1m"
        sched.answer_card(card.id, 3, 1_000)
    assert sched.due_counts(1).learning == 3
    assert sched.deck_due_tree()[0]["learning"] == 3


# ----------------------------------------------------------------- real Anki's verdict


def test_many_answers_leave_a_collection_anki_accepts(
    tmp_path: Path, anki_validate: Callable[..., tuple[int, dict[str, Any]]]
) -> None:
    # Anki calls ids more than a day ahead of its wall clock "in the future", so the simulated
    # fortnight ends before now; it starts at a fixed time of day so the run is repeatable.
    clock = FixedClock((int(time.time()) // DAY - 20) * DAY + 10 * 3600)  # 10:00 UTC
    col_path = tmp_path / "studied.anki2"
    col = Collection.create(col_path, clock=clock)
    update_deck_config(
        col, 1, {"lapse": {"leechFails": 3, "leechAction": 0}, "rev": {"bury": True}}
    )
    _add_basic(col, 15)
    _add_basic(col, 5, kind="Basic (and reversed card)")
    sched = Scheduler(col)
    ratings = [3, 3, 1, 4, 2, 3, 1, 1, 3, 4]
    answered = 0
    for day in range(12):
        for step, card in enumerate(sched.next_cards(1, 40)):
            sched.answer_card(card.id, ratings[(step + day) % len(ratings)], 3_000 + step)
            answered += 1
            clock.advance(11 * MINUTE)
        clock.advance(DAY)
    leech = col.db.execute("select id from cards where queue = 2 limit 1").fetchone()[0]
    for _ in range(3):  # three lapses reach the threshold: tagged and suspended
        col.db.execute("update cards set due = ? where id = ?", (col.today(), leech))
        sched.answer_card(leech, 1, 2_000)
        clock.advance(11 * MINUTE)
        if get_card(col, leech).queue != -1:
            sched.answer_card(leech, 3, 2_000)
        answered += 2
    answered -= 1  # the last lapse suspended the card, so it was not answered again
    assert get_card(col, leech).queue == -1
    kinds = {r[0] for r in col.db.execute("select distinct type from revlog")}
    assert kinds == {0, 1, 2}
    assert col.db.execute("select count() from cards where queue = -1").fetchone()[0] > 0
    assert answered == _revlog_count(col)
    col.close()
    rc, report = anki_validate(col_path)
    assert rc == 0, report
    with sqlite3.connect(col_path) as db:
        assert (
            db.execute(
                "select count() from cards where type > 0 and data not like '%lrt%'"
            ).fetchone()[0]
            == 0
        )
