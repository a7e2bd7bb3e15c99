"""Statistics: equal to what Anki's own stats backend reports for a collection Anki made, and to
hand-computed figures on a collection whose cards and revlog are written with known times."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, NotFoundError
from javumbo.collection.stats import collection_stats, deck_due_counts

DAY = 86_400
HOUR = 3_600

# ------------------------------------------------------------------ against real Anki


def _anki_build(anki: Any) -> dict[str, Any]:
    """Cards in every state, today's answers; returns what Anki itself reports about them."""
    did = anki.decks.id("Stats::Sub")
    cids: list[int] = []
    for i in range(12):
        note = anki.new_note(anki.models.by_name("Basic (and reversed card)"))
        note["Front"], note["Back"] = f"q{i}", f"a{i}"
        anki.add_note(note, did if i % 2 else 1)
        cids += [c.id for c in note.cards()]
    sched = anki.sched
    sched.set_due_date(cids[0:6], "0!")
    sched.set_due_date(cids[6:8], "3-5!")
    sched.set_due_date(cids[8:10], "0")
    for i, cid in enumerate(cids[:14]):
        card = anki.get_card(cid)
        card.start_timer()
        sched.answerCard(card, [3, 1, 4, 2][i % 4])
    sched.set_due_date(cids[14:17], "0")  # due today, left unanswered
    sched.set_due_date(cids[17:19], "25!")  # mature, then answered early: pass and lapse
    for cid, ease in ((cids[17], 3), (cids[18], 1)):
        card = anki.get_card(cid)
        card.start_timer()
        sched.answerCard(card, ease)
    sched.suspend_cards([cids[20]])
    sched.bury_cards([cids[21]], manual=True)
    for k, cid in enumerate(cids[:3]):
        card = anki.get_card(cid)
        card.factor, card.ivl = 2100 + 100 * k, 30 + k
        anki.update_card(card)
    graphs = anki._backend.graphs(search="", days=30)
    return {
        "graphs": graphs,
        "counts": anki.sched.counts(),
        "studied_today": anki.studied_today(),
        "rollover": anki.get_config("rollover"),
        "deck_1_counts": anki.sched.counts(),
        "is": {q: len(anki.find_cards(q)) for q in ("is:due -is:learn",)},
    }


@pytest.fixture(scope="module")
def anki_reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Collection, Any]]:
    from anki.collection import Collection as AnkiCol

    path = tmp_path_factory.mktemp("stats") / "anki.anki2"
    anki = AnkiCol(str(path))
    try:
        reported = _anki_build(anki)
    finally:
        anki.close(downgrade=True)
    ours = Collection.open(path)
    yield ours, reported
    ours.close()


def test_today_matches_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    today = collection_stats(ours)["today"]
    anki_today = reported["graphs"].today
    assert today["studied"] == anki_today.answer_count == 16
    assert today["studied"] - today["again"] == anki_today.correct_count
    assert today["learn"] == anki_today.learn_count
    assert today["review"] + today["relearn"] == anki_today.review_count
    studied_text = re.sub(r"[\u2068\u2069]", "", reported["studied_today"])
    assert f"Studied {today['studied']} cards" in studied_text


def test_card_counts_match_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    counts = collection_stats(ours)["card_counts"]
    anki_counts = reported["graphs"].card_counts.excluding_inactive
    assert counts == {
        "new": anki_counts.newCards,
        "learning": anki_counts.learn,
        "relearning": anki_counts.relearn,
        "young": anki_counts.young,
        "mature": anki_counts.mature,
        "suspended": anki_counts.suspended,
        "buried": anki_counts.buried,
        "total": 24,
    }


def test_distributions_match_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    stats = collection_stats(ours)
    graphs = reported["graphs"]
    assert {b["ivl"]: b["count"] for b in stats["intervals"]["buckets"]} == dict(
        graphs.intervals.intervals
    )
    assert {b["ease"]: b["count"] for b in stats["eases"]["buckets"]} == dict(graphs.eases.eases)
    assert stats["difficulty"]["total"] == 0


def test_hourly_and_history_match_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    stats = collection_stats(ours)
    graphs = reported["graphs"]
    anki_hours = [(h.total, h.correct) for h in graphs.hours.one_month]
    assert [(h["count"], h["correct"]) for h in stats["hourly"]] == anki_hours
    day0 = graphs.reviews.count[0]
    last = stats["reviews_per_day"][-1]
    assert last["day"] == 0
    assert last["learn"] == day0.learn
    assert last["review"] + last["relearn"] == day0.young + day0.mature + day0.relearn
    retention = stats["retention"]["today"]
    anki_ret = graphs.true_retention.today
    assert retention["young"]["passed"] == anki_ret.young_passed
    assert retention["young"]["failed"] == anki_ret.young_failed
    assert retention["mature"]["passed"] == anki_ret.mature_passed == 1
    assert retention["mature"]["failed"] == anki_ret.mature_failed == 1
    assert stats["streak"] == {"current": 1, "longest": 1, "studied_today": True}


def test_forecast_matches_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    forecast = collection_stats(ours, days=14)["forecast"]
    anki_due = dict(reported["graphs"].future_due.future_due)
    assert {
        f["day"]: f["review"] + f["learning"] for f in forecast if f["review"] + f["learning"]
    } == {d: n for d, n in anki_due.items() if d < 14}
    assert forecast[0]["review"] == reported["is"]["is:due -is:learn"] == 3


def test_due_counts_of_the_current_deck_match_anki(anki_reference: tuple[Collection, Any]) -> None:
    ours, reported = anki_reference
    default = next(d for d in deck_due_counts(ours) if d["deck_id"] == 1)
    new, learning, review = reported["deck_1_counts"]
    assert (default["new"], default["review"]) == (new, review)
    assert default["learning"] == learning
    assert review > 0


# ------------------------------------------------------------------ hand-built collection

START = 1_794_651_200.0  # 2026-11-14 10:13:20 UTC; the collection's day 0 starts 04:00 UTC


class Builder:
    """Writes notes, cards and revlog rows directly, with chosen ids and times."""

    def __init__(self, col: Collection) -> None:
        self.col = col
        self.next_id = 1_700_000_000_000
        self.mid = int(next(iter(col.models)))

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def card(self, did: int = 1, **columns: Any) -> int:
        nid, cid = self._id(), self._id()
        row = {
            "type": 0,
            "queue": 0,
            "due": 1,
            "ivl": 0,
            "factor": 0,
            "reps": 0,
            "lapses": 0,
            "left": 0,
            "odue": 0,
            "odid": 0,
            "flags": 0,
            "data": "{}",
        }
        row.update(columns)
        with self.col.transaction() as db:
            db.execute(
                "insert into notes values (?, ?, ?, 0, -1, '', ?, '', 0, 0, '')",
                (nid, f"g{nid}", self.mid, f"n{nid}\x1fx"),
            )
            db.execute(
                "insert into cards values (?, ?, ?, 0, 0, -1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    nid,
                    did,
                    row["type"],
                    row["queue"],
                    row["due"],
                    row["ivl"],
                    row["factor"],
                    row["reps"],
                    row["lapses"],
                    row["left"],
                    row["odue"],
                    row["odid"],
                    row["flags"],
                    row["data"],
                ),
            )
        return cid

    def answer(
        self,
        at: float,
        cid: int,
        *,
        ease: int = 3,
        kind: int = 1,
        last_ivl: int = 1,
        time_ms: int = 1000,
    ) -> None:
        with self.col.transaction() as db:
            db.execute(
                "insert into revlog values (?, ?, -1, ?, 10, ?, 2500, ?, ?)",
                (int(at * 1000), cid, ease, last_ivl, time_ms, kind),
            )


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Collection, Builder, FixedClock]]:
    clock = FixedClock(START)
    col = Collection.create(tmp_path / "c.anki2", clock=clock)
    clock.set(col.crt + 40 * DAY + 10 * HOUR)  # day 40, 14:00 UTC
    yield col, Builder(col), clock
    col.close()


def test_history_buckets_by_scheduling_day(built: tuple[Collection, Builder, FixedClock]) -> None:
    col, b, _ = built
    assert col.today() == 40
    day0 = col.day_cutoff() - DAY  # today's 04:00 UTC rollover
    cid = b.card(type=2, queue=2, due=45, ivl=30, factor=2500)
    b.answer(day0, cid, kind=0, time_ms=2000)  # exactly at the rollover: today
    b.answer(day0 + 1 * HOUR, cid, ease=3, last_ivl=30, time_ms=4000)  # 05:00 mature pass
    b.answer(day0 + 5.5 * HOUR, cid, ease=1, last_ivl=5, time_ms=6000)  # 09:30 young fail
    b.answer(day0 - 1, cid, ease=3, last_ivl=10)  # 03:59:59: still yesterday
    b.answer(day0 - 2 * DAY + 19 * HOUR, cid, ease=2, last_ivl=25)  # day -2, 23:00
    for ago in (5, 6, 7, 8):
        b.answer(day0 - ago * DAY + 2 * HOUR, cid, kind=2, ease=3)
    b.answer(day0 - 400 * DAY, cid, ease=1, last_ivl=50)  # outside the calendar year
    b.answer(day0 + 2 * HOUR, cid, ease=0, kind=4)  # a manual reschedule is not a review
    stats = collection_stats(col, days=10)

    assert stats["today"] == {
        "day": 40,
        "studied": 3,
        "time_secs": 12.0,
        "again": 1,
        "learn": 1,
        "review": 2,
        "relearn": 0,
        "filtered": 0,
        "mature_passed": 1,
        "mature_answers": 1,
    }
    per_day = stats["reviews_per_day"]
    assert len(per_day) == 10
    assert [(d["day"], d["count"]) for d in per_day] == [
        (-9, 0),
        (-8, 1),
        (-7, 1),
        (-6, 1),
        (-5, 1),
        (-4, 0),
        (-3, 0),
        (-2, 1),
        (-1, 1),
        (0, 3),
    ]
    assert per_day[-1]["date"] == "2026-12-24" and per_day[-2]["date"] == "2026-12-23"
    assert per_day[-3]["date"] == "2026-12-22"  # 23:00 on the 22nd counts on the 22nd
    assert per_day[1]["relearn"] == 1

    retention = stats["retention"]
    assert retention["today"]["mature"] == {"passed": 1, "failed": 0, "rate": 1.0}
    assert retention["today"]["young"] == {"passed": 0, "failed": 1, "rate": 0.0}
    assert retention["yesterday"]["young"] == {"passed": 1, "failed": 0, "rate": 1.0}
    assert retention["week"]["mature"] == {"passed": 2, "failed": 0, "rate": 1.0}
    assert retention["all"]["mature"] == {"passed": 2, "failed": 1, "rate": 2 / 3}
    assert retention["all"]["total"]["passed"] == 3

    assert stats["streak"] == {"current": 3, "longest": 4, "studied_today": True}
    calendar = stats["calendar"]
    assert [(d["day"], d["count"]) for d in calendar["days"]] == [
        (-8, 1),
        (-7, 1),
        (-6, 1),
        (-5, 1),
        (-2, 1),
        (-1, 1),
        (0, 3),
    ]
    assert calendar["end"] == "2026-12-24" and calendar["start"] == "2025-12-25"

    hourly = {h["hour"]: (h["count"], h["correct"]) for h in stats["hourly"] if h["count"]}
    assert hourly == {4: (1, 1), 5: (1, 1), 9: (1, 0), 3: (1, 1), 23: (1, 1), 6: (4, 4)}
    assert stats["hourly"][9]["rate"] == 0.0 and stats["hourly"][0]["rate"] is None
    json.dumps(stats)


def test_streak_ending_yesterday_and_none(built: tuple[Collection, Builder, FixedClock]) -> None:
    col, b, clock = built
    assert collection_stats(col)["streak"] == {"current": 0, "longest": 0, "studied_today": False}
    cid = b.card()
    day0 = col.day_cutoff() - DAY
    for ago in (1, 2):
        b.answer(day0 - ago * DAY + HOUR, cid)
    assert collection_stats(col)["streak"] == {"current": 2, "longest": 2, "studied_today": False}
    clock.advance(DAY)  # tomorrow: yesterday was not studied, the streak is broken
    assert collection_stats(col)["streak"]["current"] == 0


def test_cards_forecast_and_distributions(built: tuple[Collection, Builder, FixedClock]) -> None:
    col, b, _ = built
    today, cutoff, now = col.today(), col.day_cutoff(), col.now_secs()
    b.card()
    b.card()
    b.card(type=1, queue=1, due=now + 600)  # learning, due later today
    b.card(type=3, queue=1, due=cutoff + HOUR, ivl=3, factor=2300)  # relearning, tomorrow
    b.card(type=1, queue=3, due=today + 2)  # interday learning, day 2
    b.card(type=2, queue=2, due=today - 2, ivl=5, factor=2500)  # overdue: today
    b.card(type=2, queue=2, due=today + 3, ivl=30, factor=2300)
    b.card(type=2, queue=2, due=today + 10, ivl=100, factor=2500)  # beyond a 7-day forecast
    b.card(type=2, queue=-1, due=today, ivl=8, factor=1300)  # suspended
    b.card(type=0, queue=-3)  # buried
    b.card(type=2, queue=2, due=today + 1, ivl=12, factor=2500, data='{"d": 5.5, "s": 3.1}')
    stats = collection_stats(col, days=7)

    assert stats["card_counts"] == {
        "new": 2,
        "learning": 2,
        "relearning": 1,
        "young": 2,
        "mature": 2,
        "suspended": 1,
        "buried": 1,
        "total": 11,
    }
    assert [(f["day"], f["review"], f["learning"]) for f in stats["forecast"]] == [
        (0, 1, 1),
        (1, 1, 1),
        (2, 0, 1),
        (3, 1, 0),
        (4, 0, 0),
        (5, 0, 0),
        (6, 0, 0),
    ]
    intervals = stats["intervals"]
    assert [(x["ivl"], x["count"]) for x in intervals["buckets"]] == [
        (3, 1),
        (5, 1),
        (8, 1),
        (12, 1),
        (30, 1),
        (100, 1),
    ]
    assert intervals["max"] == 100 and intervals["mean"] == pytest.approx(158 / 6)
    assert [(x["ease"], x["count"]) for x in stats["eases"]["buckets"]] == [
        (130, 1),
        (230, 2),
        (250, 2),
    ]
    assert stats["difficulty"]["buckets"] == [{"difficulty": 50, "count": 1}]

    due = {d["name"]: d for d in deck_due_counts(col)}
    assert (due["Default"]["new"], due["Default"]["learning"], due["Default"]["review"]) == (
        2,
        1,
        1,
    )


def test_deck_scope_and_daily_limits(built: tuple[Collection, Builder, FixedClock]) -> None:
    col, b, _ = built
    decks = dict(col.decks)
    for did, name in ((10, "Lang"), (11, "Lang::Es"), (12, "Other")):
        decks[str(did)] = {**decks["1"], "id": did, "name": name}
    decks["11"]["newToday"] = [col.today(), 19]
    col.save_json("decks", decks)
    es = [b.card(did=11) for _ in range(5)]
    other = b.card(did=12, type=2, queue=2, due=col.today(), ivl=3, factor=2500)
    day0 = col.day_cutoff() - DAY
    b.answer(day0 + HOUR, es[0], kind=0)
    b.answer(day0 + 2 * HOUR, other)

    lang = collection_stats(col, deck_id=10)
    assert lang["card_counts"]["total"] == 5
    assert lang["today"]["studied"] == 1 and lang["today"]["learn"] == 1
    assert lang["forecast"][0]["review"] == 0
    assert collection_stats(col)["today"]["studied"] == 2
    due = {d["name"]: d for d in lang["due_counts"]}
    assert set(due) == {"Lang", "Lang::Es"}
    assert due["Lang::Es"]["new"] == 1  # 20 a day, 19 already studied
    assert due["Lang"]["new"] == 5
    with pytest.raises(NotFoundError):
        collection_stats(col, deck_id=999)


def test_empty_collection_stats(built: tuple[Collection, Builder, FixedClock]) -> None:
    col, _, _ = built
    stats = collection_stats(col)
    assert set(stats) >= {
        "today",
        "reviews_per_day",
        "forecast",
        "intervals",
        "eases",
        "hourly",
        "retention",
        "streak",
        "card_counts",
        "calendar",
    }
    assert stats["today"]["studied"] == 0
    assert stats["intervals"] == {"buckets": [], "total": 0, "mean": None, "max": None}
    assert stats["retention"]["all"]["total"]["rate"] is None
    assert stats["calendar"]["days"] == []
    json.dumps(stats)
