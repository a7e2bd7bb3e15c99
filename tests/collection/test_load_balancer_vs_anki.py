"""Anki's load balancer and easy days against our interval choice, on the same collection.

Anki builds the file: a few hundred review cards spread unevenly over the next two months in
two presets, one with easy days (days off and reduced days) and burying of review siblings,
and cards due today whose hard/good/easy intervals land inside the balanced range (up to 90
days). With Anki's queue built (its load balancer lives there), every due card's next review
intervals must be Anki's, day for day: the same weights and the same seeded draw. Then cards
are answered on both sides and the rows compared.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.scheduler import load_balancer as balancer_module
from javumbo.collection.scheduler.load_balancer import (
    LoadBalancer,
    easy_day_loads,
    easy_days_modifiers,
    load_balancer,
    weekday_of,
)
from javumbo.collection.scheduler.states import RelearnState, ReviewState

NOTES = 160
DUE_TODAY = 48
NEW = 40  # the last cards stay new; their positions count as load, as in Anki
# Monday..Sunday: normal, day off, reduced, normal, day off, reduced, normal
EASY_DAYS = [1.0, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0]


class Pair:
    def __init__(self, anki: Any, ours: Collection) -> None:
        self.anki = anki
        self.ours = ours

    def due_today(self) -> list[int]:
        """Reviews due today and new cards (whose "easy" graduates them)."""
        today = self.anki.sched.today
        return [
            int(c)
            for c in self.anki.db.list(
                "select id from cards where (queue = 2 and due <= ?) or queue = 0 order by id",
                today,
            )
        ]

    def anki_days(self, cid: int) -> list[int | None]:
        states = self.anki._backend.get_scheduling_states(cid)
        return [_anki_review_days(s) for s in (states.hard, states.good, states.easy)]

    def our_days(self, cid: int) -> list[int | None]:
        states = Scheduler(self.ours).next_states(cid)
        return [_our_review_days(s) for s in (states.hard, states.good, states.easy)]


def _anki_review_days(state: Any) -> int | None:
    normal = state.normal if state.WhichOneof("kind") == "normal" else state.filtered.rescheduling
    kind = normal.WhichOneof("kind")
    if kind == "review":
        return int(normal.review.scheduled_days)
    if kind == "relearning":
        return int(normal.relearning.review.scheduled_days)
    return None


def _our_review_days(state: Any) -> int | None:
    if isinstance(state, ReviewState):
        return state.scheduled_days
    if isinstance(state, RelearnState):
        return state.review.scheduled_days
    return None


def _make_collection(path: Path, *, easy_days: bool, bury: bool, fsrs: bool) -> None:
    from anki.collection import Collection as AnkiCollection

    anki = AnkiCollection(str(path))
    anki.set_config("fsrs", fsrs)
    other = anki.decks.id("Other")
    reversed_type = anki.models.by_name("Basic (and reversed card)")
    for index in range(NOTES):
        note = anki.new_note(reversed_type)
        note["Front"], note["Back"] = f"q{index}", f"a{index}"
        anki.add_note(note, 1 if index % 4 else other)
    today = anki.sched.today
    cids = [int(c) for c in anki.db.list("select id from cards order by id")]
    for n, cid in enumerate(cids[:-NEW]):
        if n < 2 * DUE_TODAY and n % 2 == 0:
            due, ivl = today - n % 3, 2 + (n * 7) % 40
        elif n < 2 * DUE_TODAY:
            # the sibling of a card due today, due where that card's "good" would go
            late, partner_ivl = (n - 1) % 3, 2 + ((n - 1) * 7) % 40
            ease = (1700 + ((n - 1) * 130) % 1500) / 1000
            due, ivl = today + round((partner_ivl + late / 2) * ease), 20
        else:
            # every one of the next 75 days holds cards, some days more than others
            due, ivl = today + 1 + (n * 37) % 75 if n % 5 else today + 3 + n % 9, 10 + n % 30
        anki.db.execute(
            "update cards set type = 2, queue = 2, due = ?, ivl = ?, factor = ? where id = ?",
            due,
            ivl,
            1700 + (n * 130) % 1500,
            cid,
        )
    for k, cid in enumerate(cids[-NEW:]):
        # new card positions within the next 99 "days": Anki's balancer counts them as due
        anki.db.execute("update cards set due = ? where id = ?", today + 1 + k % 30, cid)
    conf = anki.decks.get_config(1)
    if easy_days:
        conf["easyDaysPercentages"] = EASY_DAYS
    conf["rev"]["bury"] = bury
    anki.decks.update_config(conf)
    other_conf = anki.decks.add_config_returning_id("Other")
    deck = anki.decks.get(other)
    deck["conf"] = other_conf
    anki.decks.save(deck)
    anki.close(downgrade=True)


@pytest.fixture
def make_pair(tmp_path: Path) -> Iterator[Any]:
    from anki.collection import Collection as AnkiCollection

    opened: list[Pair] = []

    def make(*, easy_days: bool = True, bury: bool = True, fsrs: bool = False) -> Pair:
        source = tmp_path / f"anki-{len(opened)}.anki2"
        _make_collection(source, easy_days=easy_days, bury=bury, fsrs=fsrs)
        ours_path = tmp_path / f"ours-{len(opened)}.anki2"
        shutil.copy(source, ours_path)
        anki = AnkiCollection(str(source))
        ours = Collection.open(ours_path, clock=FixedClock(time.time()))
        pair = Pair(anki, ours)
        opened.append(pair)
        anki.decks.select(1)
        anki.sched.get_queued_cards()  # Anki's load balancer is built with its queue
        return pair

    yield make
    for pair in opened:
        pair.anki.close()
        pair.ours.close()


@pytest.mark.parametrize(
    ("easy_days", "bury", "fsrs"),
    [(True, True, False), (True, False, False), (False, False, False), (True, True, True)],
    ids=["easy-days-and-siblings", "easy-days", "plain", "fsrs"],
)
def test_balanced_intervals_are_anki_intervals(
    make_pair: Any, easy_days: bool, bury: bool, fsrs: bool
) -> None:
    pair = make_pair(easy_days=easy_days, bury=bury, fsrs=fsrs)
    compared = 0
    for cid in pair.due_today():
        theirs = pair.anki_days(cid)
        assert pair.our_days(cid) == theirs, f"card {cid}"
        compared += sum(1 for days in theirs if days is not None and 2 < days <= 90)
    assert compared > 60  # most of the choices were balanced ones


def test_balancing_differs_from_plain_fuzz(make_pair: Any) -> None:
    """The balancer really chooses: with it off, some intervals come out otherwise."""
    pair = make_pair()
    balanced = {cid: pair.our_days(cid) for cid in pair.due_today()}
    pair.ours.save_json("conf", {**pair.ours.conf, "loadBalancerEnabled": False})
    plain = {cid: pair.our_days(cid) for cid in pair.due_today()}
    assert sum(balanced[cid] != plain[cid] for cid in balanced) > 5


def test_answers_after_balancing_match_anki(make_pair: Any) -> None:
    pair = make_pair()
    for _ in range(12):
        queued = pair.anki.sched.get_queued_cards().cards
        card = pair.anki.get_card(queued[0].card.id)
        if card.queue != 2:
            break
        expected = pair.anki_days(card.id)[2]
        assert pair.our_days(card.id)[2] == expected
        card.start_timer()
        pair.anki.sched.answerCard(card, 3)
        Scheduler(pair.ours).answer_card(card.id, 3, 1000)
        sql = "select type, queue, due, ivl, factor from cards where id = ?"
        assert pair.ours.db.execute(sql, (card.id,)).fetchone() == tuple(
            pair.anki.db.first(sql, card.id)
        )


def test_days_off_get_almost_no_cards() -> None:
    loads = easy_day_loads(EASY_DAYS)
    # a range Monday..Sunday with equal load: the days off close, reduced days too (they
    # already hold as many cards as a normal day)
    modifiers = easy_days_modifiers(loads, list(range(7)), [4] * 7)
    assert modifiers == [1.0, 0.0001, 0.0001, 1.0, 0.0001, 0.0001, 1.0]
    # a reduced day holding less than half the others' average stays open
    assert easy_days_modifiers(loads, [0, 2, 3], [6, 1, 6])[1] == 1.0
    assert easy_day_loads([]) == (1.0,) * 7


def test_switched_off_load_balancer_is_none(make_pair: Any) -> None:
    pair = make_pair(easy_days=False, bury=False)
    assert load_balancer(pair.ours) is not None
    pair.ours.save_json("conf", {**pair.ours.conf, "loadBalancerEnabled": False})
    assert load_balancer(pair.ours) is None


def test_weekdays_are_the_learners_local_ones() -> None:
    # the day starts at 04:00 in UTC+10 on Monday 2026-12-07, which is Sunday 18:00 in UTC
    next_day_at = 1796580000
    assert weekday_of(1, next_day_at, -600) == 0  # Monday where the learner is
    assert weekday_of(1, next_day_at, 0) == 6  # still Sunday in UTC
    assert weekday_of(8, next_day_at, -600) == 0
    assert weekday_of(3, next_day_at, -600) == 2


def _days(balancer: LoadBalancer | None) -> dict[int, list[list[tuple[int, int]]]]:
    assert balancer is not None
    return {
        preset: [sorted(day) for day in days]
        for preset, days in balancer.days_by_preset.items()
        if any(days)
    }


def test_answers_keep_the_balancer_instead_of_reading_it_again(
    make_pair: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the balancer's window costs more the larger the collection, so an answer moves
    its card in the cached balancer once it commits: the next answer reads nothing again, and
    the balancer holds what a fresh read gives (one answer at a time or several in one
    transaction; a rolled-back answer leaves nothing behind)."""
    pair = make_pair()
    col = pair.ours
    fresh = balancer_module.build_load_balancer
    builds: list[int] = []

    def counted(*args: Any) -> LoadBalancer:
        builds.append(1)
        return fresh(*args)

    monkeypatch.setattr(balancer_module, "build_load_balancer", counted)

    def read_again() -> LoadBalancer:
        timing = col.sched_timing()
        return fresh(col, timing.days_elapsed, timing.next_day_at)

    def waiting(cid: int) -> bool:
        return (
            int(col.db.execute("select queue from cards where id = ?", (cid,)).fetchone()[0]) >= 0
        )

    sched = Scheduler(col)
    answered = 0
    for k, cid in enumerate(pair.due_today()[:24]):
        if not waiting(cid):
            continue  # buried with a sibling answered before
        sched.answer_card(cid, (3, 1, 4, 2)[k % 4], 1000)
        answered += 1
        assert _days(load_balancer(col)) == _days(read_again()), f"after card {cid}"
    assert answered > 10
    assert len(builds) == 1

    rest = [cid for cid in pair.due_today() if waiting(cid)][:2]
    with col.transaction():
        for cid in rest:
            sched.answer_card(cid, 3, 1000)
    assert _days(load_balancer(col)) == _days(read_again())

    before = _days(load_balancer(col))
    builds.clear()
    with pytest.raises(RuntimeError), col.transaction():
        sched.answer_card(next(cid for cid in pair.due_today() if waiting(cid)), 4, 1000)
        raise RuntimeError("the request failed after answering")
    assert _days(load_balancer(col)) == before == _days(read_again())
    assert builds == [1]  # read again: a rolled-back answer still moved SQLite's counters
