"""The statistics page, computed in SQL with a handful of single-pass aggregate queries.

``collection_stats(col, deck_id=None, days=30)`` returns one JSON-able dict. Day numbers follow
the collection's scheduling day (``col.day_cutoff()``, rollover hour included): ``day`` is 0 for
today, -1 for yesterday (history) or +1 for tomorrow (forecast). Only real answers count as
reviews (revlog ``ease`` 1-4 and ``type`` learn/review/relearn/filtered), not manual reschedules.
With ``deck_id`` every figure is limited to that deck and its children.

Keys and shapes:

- ``today``: ``{"day", "studied", "time_secs", "again", "learn", "review", "relearn",
  "filtered", "mature_passed", "mature_answers"}`` (``day`` is today's day number since ``crt``).
- ``reviews_per_day``: ``days`` entries, oldest first, ``{"day", "date", "count", "time_secs",
  "learn", "review", "relearn", "filtered", "again"}`` (``date`` is the local ISO date).
- ``forecast``: ``days`` entries ``{"day", "review", "learning"}`` from today (overdue cards
  count as due today); suspended and buried cards excluded.
- ``intervals``: ``{"buckets": [{"ivl", "count"}], "total", "mean", "max"}`` over review cards.
- ``eases``: ``{"buckets": [{"ease", "count"}], "total", "mean"}`` (ease in percent, review
  cards without FSRS difficulty).
- ``difficulty``: ``{"buckets": [{"difficulty", "count"}], "total", "mean"}``: FSRS difficulty
  (0-100 %, buckets of 10) of cards whose ``data`` holds one; ``total`` 0 when FSRS is unused.
- ``hourly``: 24 entries ``{"hour", "count", "correct", "rate"}`` over the last ``days`` days by
  local hour; ``rate`` is correct/count (``None`` for an empty hour).
- ``retention``: true retention of review answers (revlog type review; pass = not Again), for
  periods ``today``, ``yesterday``, ``week``, ``month``, ``year``, ``all``, each ``{"young":
  {"passed", "failed", "rate"}, "mature": {...}, "total": {...}}``; mature = last interval ≥ 21
  days.
- ``streak``: ``{"current", "longest", "studied_today"}``: consecutive days with at least one
  review, the current one ending today or (if nothing yet today) yesterday.
- ``card_counts``: ``{"new", "learning", "relearning", "young", "mature", "suspended", "buried",
  "total"}`` (suspended/buried counted apart from their type).
- ``calendar``: ``{"start", "end", "days": [{"date", "day", "count"}]}``: review counts for the
  last 365 days, listing only days with reviews.
- ``due_counts``: per deck ``{"deck_id", "name", "new", "learning", "review"}`` (children's cards
  included; the deck's own daily new/review limits applied, minus what was studied today).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset
from javumbo.collection.decks import child_deck_ids

MATURE_IVL = 21
CALENDAR_DAYS = 365
DAY_MS = 86_400_000
DEFAULT_NEW_PER_DAY = 20
DEFAULT_REV_PER_DAY = 200
DEFAULT_LEARN_AHEAD_SECS = 1200
# Four per-day counters share one 64-bit sum; no one answers 32,768 cards of one kind in a day.
COUNTER_BITS = 15

# A real answer: a button pressed while learning, reviewing, relearning or in a filtered deck.
ANSWERED = "r.ease between 1 and 4 and r.type between 0 and 3"


@dataclass
class _DayRow:
    """One scheduling day's revlog aggregates (``ago`` 0 = today)."""

    ago: int
    count: int
    time_ms: int
    learn: int
    review: int
    relearn: int
    filtered: int
    again: int
    young_passed: int
    young_failed: int
    mature_passed: int
    mature_failed: int


def collection_stats(
    col: Collection, *, deck_id: int | None = None, days: int = 30
) -> dict[str, Any]:
    """Everything the stats page charts; see the module docstring for the shapes."""
    days = max(1, min(int(days), 3650))
    scope = _Scope(col, deck_id)
    history = _day_rows(col, scope)
    by_ago = {row.ago: row for row in history}
    today = by_ago.get(0)
    return {
        "today": _today(col, today),
        "reviews_per_day": _reviews_per_day(col, by_ago, days),
        "forecast": _forecast(col, scope, days),
        **_distributions(col, scope),
        "hourly": _hourly(col, scope, days),
        "retention": _retention(history),
        "streak": _streak(by_ago),
        "card_counts": _card_counts(col, scope),
        "calendar": _calendar(col, by_ago),
        "due_counts": deck_due_counts(col, deck_id=deck_id),
    }


class _Scope:
    """Which cards the figures cover, as SQL fragments with their parameters."""

    def __init__(self, col: Collection, deck_id: int | None) -> None:
        self.deck_ids = None if deck_id is None else child_deck_ids(col, deck_id)
        self.ids_json = json.dumps(self.deck_ids or [])

    def cards(self, alias: str = "c") -> tuple[str, list[Any]]:
        if self.deck_ids is None:
            return "1", []
        return (
            f"({alias}.did in (select value from json_each(?))"
            f" or {alias}.odid in (select value from json_each(?)))",
            [self.ids_json, self.ids_json],
        )

    def revlog(self) -> tuple[str, str, list[Any]]:
        """(join, where, params) limiting ``revlog r`` to the scope's cards."""
        if self.deck_ids is None:
            return "", "1", []
        where, params = self.cards("c")
        return "join cards c on c.id = r.cid", where, params


# --------------------------------------------------------------------------- time helpers


def _mins_west(col: Collection) -> int | None:
    created = col.conf_int("creationOffset", None)
    return None if created is None else col.conf_int("localOffset", created)


def _date_of_day(col: Collection, ago: int) -> date:
    """The local calendar date of the scheduling day ``ago`` days before today."""
    start = col.day_cutoff() - 86_400 * (ago + 1)
    mins_west = _mins_west(col) or 0
    return datetime.fromtimestamp(start, timezone(timedelta(minutes=-mins_west))).date()


# --------------------------------------------------------------------------- revlog by day


def _day_rows(col: Collection, scope: _Scope) -> list[_DayRow]:
    """All answers grouped by day, in one pass over revlog (history, calendar, streak and
    retention are all read from this).

    Per-kind counts are summed as fields of one integer (``COUNTER_BITS`` each) instead of one
    ``sum()`` per kind: it halves the cost of this, the heaviest query of the page.
    """
    cutoff_ms = col.day_cutoff() * 1000
    join, where, params = scope.revlog()
    rows = col.db.execute(
        "select (? - 1 - r.id) / ? as ago, count(), coalesce(sum(r.time), 0),"
        f" sum(1 << ({COUNTER_BITS} * r.type)), sum(r.ease = 1), sum(case when r.type = 1 then"
        f" 1 << ({COUNTER_BITS} * ((r.ease = 1) * 2 + (r.lastIvl >= {MATURE_IVL}))) else 0 end)"
        f" from revlog r {join} where {ANSWERED} and r.id < ? and {where}"
        " group by ago order by ago",
        [cutoff_ms, DAY_MS, cutoff_ms, *params],
    ).fetchall()
    out = []
    for ago, count, time_ms, by_type, again, by_outcome in rows:
        learn, review, relearn, filtered = _unpack(by_type)
        young_passed, mature_passed, young_failed, mature_failed = _unpack(by_outcome)
        out.append(
            _DayRow(
                ago,
                count,
                time_ms,
                learn,
                review,
                relearn,
                filtered,
                again,
                young_passed,
                young_failed,
                mature_passed,
                mature_failed,
            )
        )
    return out


def _unpack(packed: int) -> tuple[int, int, int, int]:
    mask = (1 << COUNTER_BITS) - 1
    a, b, c, d = (packed >> (COUNTER_BITS * k) & mask for k in range(4))
    return a, b, c, d


def _today(col: Collection, row: _DayRow | None) -> dict[str, Any]:
    r = row or _DayRow(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    return {
        "day": col.today(),
        "studied": r.count,
        "time_secs": round(r.time_ms / 1000, 1),
        "again": r.again,
        "learn": r.learn,
        "review": r.review,
        "relearn": r.relearn,
        "filtered": r.filtered,
        "mature_passed": r.mature_passed,
        "mature_answers": r.mature_passed + r.mature_failed,
    }


def _reviews_per_day(
    col: Collection, by_ago: dict[int, _DayRow], days: int
) -> list[dict[str, Any]]:
    out = []
    for ago in range(days - 1, -1, -1):
        r = by_ago.get(ago)
        out.append(
            {
                "day": -ago,
                "date": _date_of_day(col, ago).isoformat(),
                "count": r.count if r else 0,
                "time_secs": round(r.time_ms / 1000, 1) if r else 0,
                "learn": r.learn if r else 0,
                "review": r.review if r else 0,
                "relearn": r.relearn if r else 0,
                "filtered": r.filtered if r else 0,
                "again": r.again if r else 0,
            }
        )
    return out


def _rate(passed: int, failed: int) -> dict[str, Any]:
    total = passed + failed
    return {"passed": passed, "failed": failed, "rate": passed / total if total else None}


def _retention(history: list[_DayRow]) -> dict[str, Any]:
    periods = {
        "today": (0, 0),
        "yesterday": (1, 1),
        "week": (0, 6),
        "month": (0, 29),
        "year": (0, 364),
        "all": (0, None),
    }
    out: dict[str, Any] = {}
    for name, (first, last) in periods.items():
        rows = [r for r in history if r.ago >= first and (last is None or r.ago <= last)]
        yp = sum(r.young_passed for r in rows)
        yf = sum(r.young_failed for r in rows)
        mp = sum(r.mature_passed for r in rows)
        mf = sum(r.mature_failed for r in rows)
        out[name] = {
            "young": _rate(yp, yf),
            "mature": _rate(mp, mf),
            "total": _rate(yp + mp, yf + mf),
        }
    return out


def _streak(by_ago: dict[int, _DayRow]) -> dict[str, Any]:
    studied = sorted(by_ago)
    longest = run = 0
    previous: int | None = None
    for ago in studied:
        run = run + 1 if previous is not None and ago == previous + 1 else 1
        longest = max(longest, run)
        previous = ago
    current = 0
    start = 0 if 0 in by_ago else 1
    while start + current in by_ago:
        current += 1
    return {"current": current, "longest": longest, "studied_today": 0 in by_ago}


def _calendar(col: Collection, by_ago: dict[int, _DayRow]) -> dict[str, Any]:
    return {
        "start": _date_of_day(col, CALENDAR_DAYS - 1).isoformat(),
        "end": _date_of_day(col, 0).isoformat(),
        "days": [
            {"date": _date_of_day(col, ago).isoformat(), "day": -ago, "count": by_ago[ago].count}
            for ago in sorted(by_ago, reverse=True)
            if ago < CALENDAR_DAYS
        ],
    }


def _hourly(col: Collection, scope: _Scope, days: int) -> list[dict[str, Any]]:
    since_ms = (col.day_cutoff() - 86_400 * days) * 1000
    shift = -60 * (_mins_west(col) or 0)
    join, where, params = scope.revlog()
    rows = col.db.execute(
        "select ((r.id / 1000 + ?) % 86400) / 3600 as hour, count(), sum(r.ease > 1)"
        f" from revlog r {join} where {ANSWERED} and r.id >= ? and {where} group by hour",
        [shift, since_ms, *params],
    ).fetchall()
    by_hour = {int(h): (n, ok) for h, n, ok in rows}
    out = []
    for hour in range(24):
        n, ok = by_hour.get(hour, (0, 0))
        out.append({"hour": hour, "count": n, "correct": ok, "rate": ok / n if n else None})
    return out


# --------------------------------------------------------------------------- cards


def _forecast(col: Collection, scope: _Scope, days: int) -> list[dict[str, Any]]:
    today, cutoff = col.today(), col.day_cutoff()
    where, params = scope.cards()
    rows = col.db.execute(
        "select case when c.queue = 1 then"
        " (case when c.due < ? then 0 else (c.due - ?) / 86400 + 1 end)"
        " else max(c.due - ?, 0) end as day, sum(c.queue = 2), sum(c.queue in (1, 3))"
        f" from cards c where c.queue in (1, 2, 3) and {where} group by day having day < ?",
        [cutoff, cutoff, today, *params, days],
    ).fetchall()
    by_day = {int(d): (rev, lrn) for d, rev, lrn in rows}
    return [
        {"day": d, "review": by_day.get(d, (0, 0))[0], "learning": by_day.get(d, (0, 0))[1]}
        for d in range(days)
    ]


def _histogram(rows: list[tuple[Any, int]], key: str) -> dict[str, Any]:
    total = sum(n for _, n in rows)
    weighted = sum(float(v) * n for v, n in rows)
    return {
        "buckets": [{key: v, "count": n} for v, n in rows],
        "total": total,
        "mean": weighted / total if total else None,
    }


def _distributions(col: Collection, scope: _Scope) -> dict[str, Any]:
    """Interval, ease and FSRS-difficulty distributions of review cards."""
    where, params = scope.cards()
    review = f"c.type in (2, 3) and {where}"
    intervals = col.db.execute(
        f"select c.ivl, count() from cards c where {review} group by c.ivl order by c.ivl",
        params,
    ).fetchall()
    difficulty_expr = (
        "(case when json_valid(c.data) and json_type(c.data, '$.d') in ('real', 'integer')"
        " then json_extract(c.data, '$.d') end)"
    )
    eases = col.db.execute(
        "select c.factor / 10, count() from cards c"
        f" where {review} and {difficulty_expr} is null group by 1 order by 1",
        params,
    ).fetchall()
    difficulty = col.db.execute(
        f"select min(cast(({difficulty_expr} - 1) / 9.0 * 10 as integer), 9) * 10 as bucket,"
        f" count() from cards c where {where} and {difficulty_expr} is not null"
        " group by bucket order by bucket",
        params,
    ).fetchall()
    ivl_hist = _histogram(intervals, "ivl")
    ivl_hist["max"] = intervals[-1][0] if intervals else None
    return {
        "intervals": ivl_hist,
        "eases": _histogram(eases, "ease"),
        "difficulty": _histogram(difficulty, "difficulty"),
    }


def _card_counts(col: Collection, scope: _Scope) -> dict[str, int]:
    where, params = scope.cards()
    row = col.db.execute(
        "select sum(c.queue >= 0 and c.type = 0), sum(c.queue >= 0 and c.type = 1),"
        " sum(c.queue >= 0 and c.type = 3),"
        f" sum(c.queue >= 0 and c.type = 2 and c.ivl < {MATURE_IVL}),"
        f" sum(c.queue >= 0 and c.type = 2 and c.ivl >= {MATURE_IVL}),"
        " sum(c.queue = -1), sum(c.queue in (-2, -3)), count()"
        f" from cards c where {where}",
        params,
    ).fetchone()
    keys = ("new", "learning", "relearning", "young", "mature", "suspended", "buried", "total")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


# --------------------------------------------------------------------------- due counts


def deck_due_counts(col: Collection, *, deck_id: int | None = None) -> list[dict[str, Any]]:
    """New/learning/review due now per deck (children included), with the deck's own daily
    limits minus what it already studied today.

    A simpler figure than the scheduler's queue building (parents' limits are not applied);
    it is what the stats page shows beside each deck.
    """
    today, now = col.today(), col.now_secs()
    learn_ahead = col.conf_int("collapseTime", DEFAULT_LEARN_AHEAD_SECS)
    rows = col.db.execute(
        "select c.did, sum(c.queue = 0), sum((c.queue = 1 and c.due <= ?)"
        " or (c.queue = 3 and c.due <= ?)), sum(c.queue = 2 and c.due <= ?)"
        " from cards c where c.queue in (0, 1, 2, 3) group by c.did",
        [now + learn_ahead, today, today],
    ).fetchall()
    own = {int(did): (new, lrn, rev) for did, new, lrn, rev in rows}
    decks = sorted(col.decks.values(), key=lambda d: str(d["name"]))
    if deck_id is not None:
        wanted = set(child_deck_ids(col, deck_id))
        decks = [d for d in decks if int(d["id"]) in wanted]
    out = []
    for deck in decks:
        did = int(deck["id"])
        members = child_deck_ids(col, did)
        new = sum(own.get(m, (0, 0, 0))[0] for m in members)
        learning = sum(own.get(m, (0, 0, 0))[1] for m in members)
        review = sum(own.get(m, (0, 0, 0))[2] for m in members)
        if not deck.get("dyn"):
            new_limit, rev_limit = _remaining_limits(col, deck, today)
            new, review = min(new, new_limit), min(review, rev_limit)
        out.append(
            {
                "deck_id": did,
                "name": deck["name"],
                "new": new,
                "learning": learning,
                "review": review,
            }
        )
    return out


def _remaining_limits(col: Collection, deck: dict[str, Any], today: int) -> tuple[int, int]:
    conf = deck_preset(col, deck)
    new_per_day = int(conf.get("new", {}).get("perDay", DEFAULT_NEW_PER_DAY))
    rev_per_day = int(conf.get("rev", {}).get("perDay", DEFAULT_REV_PER_DAY))
    return (
        max(0, new_per_day - _studied_today(deck, "newToday", today)),
        max(0, rev_per_day - _studied_today(deck, "revToday", today)),
    )


def _studied_today(deck: dict[str, Any], key: str, today: int) -> int:
    value = deck.get(key) or [0, 0]
    return int(value[1]) if int(value[0]) == today else 0
