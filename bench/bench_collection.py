"""The collection layer against Anki's own backend on a 10,000-card collection
(``python -m bench collection``).

One run measures, for our layer and then for the ``anki`` package on identical copies of the
same file (made by Anki: 10,000 Basic notes, 1,000 of them due for review today):

* time to open the collection;
* fetching the next card and answering it "good", median and p95 over 1,000 answers (the
  1,000 due reviews, new cards suspended meanwhile: Anki's default mixes them in), and again
  over 300 new cards (the reviews suspended);
* deck due counts (the deck list);
* the stats page (``collection_stats``; Anki's ``graphs`` backend call for the same 30 days).

Each line prints ours, Anki's and the ratio (ours / Anki; below 1 means we are faster).
Goal: answering under 1 ms and no slower than Anki.
"""

from __future__ import annotations

import importlib
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from javumbo.collection import Collection
from javumbo.collection.cards import suspend_cards, unsuspend_cards
from javumbo.collection.scheduler import Scheduler

NOTES = 10_000
DUE_REVIEWS = 1_000
ANSWERS = 1_000
NEW_ANSWERS = 300
OPENS = 20
REPEATS = 20
DECK_NAME = "Synthetic 10k"


def build_with_anki(path: Path) -> None:
    """A schema-11 file made by Anki itself, limits raised so every due card is studied."""
    from anki.collection import AddNoteRequest
    from anki.collection import Collection as AnkiCollection

    col = AnkiCollection(str(path))
    basic = col.models.by_name("Basic")
    did = col.decks.id(DECK_NAME)
    requests = []
    for i in range(NOTES):
        note = col.new_note(basic)
        note["Front"] = f"Question {i:05d}: what is {i} squared?"
        note["Back"] = str(i * i)
        requests.append(AddNoteRequest(note=note, deck_id=did))
    for start in range(0, len(requests), 2_000):
        col.add_notes(requests[start : start + 2_000])
    cids = col.db.list(f"select id from cards where did = {did} order by id limit {DUE_REVIEWS}")
    col.sched.set_due_date(cids, "0")
    conf = col.decks.config_dict_for_deck_id(did)
    conf["new"]["perDay"] = 9_999
    conf["rev"]["perDay"] = 9_999
    col.decks.update_config(conf)
    col.decks.select(did)
    col.close(downgrade=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _median_of(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report(label: str, ours: float, theirs: float | None) -> None:
    if theirs is None:
        print(f"{label:<46} ours {_ms(ours)}   anki        n/a")
        return
    ratio = ours / theirs if theirs else float("inf")
    print(f"{label:<46} ours {_ms(ours)}   anki {_ms(theirs)}   ratio {ratio:5.2f}")


# ------------------------------------------------------------------ ours


def measure_ours(path: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}

    def open_close() -> None:
        Collection.open(path).db.close()

    results["open"] = _median_of(open_close, OPENS)
    col = Collection.open(path)
    try:
        did = next(int(d["id"]) for d in col.decks.values() if d["name"] == DECK_NAME)
        results["counts"] = _median_of(lambda: Scheduler(col).due_counts(did))
        results["tree"] = _median_of(lambda: Scheduler(col).deck_due_tree())
        new_ids = [r[0] for r in col.db.execute("select id from cards where type = 0")]
        suspend_cards(col, new_ids)
        results["reviews"] = _study(Scheduler(col), did, ANSWERS, expect_type=2)
        unsuspend_cards(col, new_ids)
        suspend_cards(col, [r[0] for r in col.db.execute("select id from cards where type != 0")])
        results["new"] = _study(Scheduler(col), did, NEW_ANSWERS, expect_type=0)
        try:
            stats = importlib.import_module("javumbo.collection.stats")
        except ImportError:
            results["stats"] = None
        else:
            results["stats"] = _median_of(lambda: stats.collection_stats(col, days=30), 5)
    finally:
        col.close()
    return results


def _study(sched: Scheduler, did: int, count: int, expect_type: int) -> dict[str, float]:
    per_card: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        card = sched.next_cards(did, 1)[0]
        sched.answer_card(card.id, 3, 5_000)
        per_card.append(time.perf_counter() - start)
        if card.type != expect_type:
            raise RuntimeError(f"expected card type {expect_type}, got {card.type}")
    return {"median": statistics.median(per_card), "p95": _p95(per_card)}


# ------------------------------------------------------------------ anki


def measure_anki(path: Path) -> dict[str, Any]:
    from anki.collection import Collection as AnkiCollection

    AnkiCollection(str(path)).close()  # upgrade to its native schema once, outside the timing
    results: dict[str, Any] = {}
    results["open"] = _median_of(lambda: AnkiCollection(str(path)).close(), OPENS)
    col = AnkiCollection(str(path))
    try:
        results["counts"] = _median_of(lambda: col.sched.counts())
        results["tree"] = _median_of(lambda: col.sched.deck_due_tree())
        new_ids = col.db.list("select id from cards where type = 0")
        col.sched.suspend_cards(new_ids)
        results["reviews"] = _anki_study(col, ANSWERS, expect_type=2)
        col.sched.unsuspend_cards(new_ids)
        col.sched.suspend_cards(col.db.list("select id from cards where type != 0"))
        results["new"] = _anki_study(col, NEW_ANSWERS, expect_type=0)
        results["stats"] = _median_of(lambda: col._backend.graphs(search="", days=30), 5)
    finally:
        col.close()
    return results


def _anki_study(col: Any, count: int, expect_type: int) -> dict[str, float]:
    """Anki may slip in a learning card due within its learn-ahead window; most must be of
    the expected type for the comparison to mean anything."""
    per_card: list[float] = []
    kinds: dict[int, int] = {}
    for _ in range(count):
        start = time.perf_counter()
        card = col.sched.getCard()
        kind = card.type  # answerCard reloads the card object
        col.sched.answerCard(card, 3)
        per_card.append(time.perf_counter() - start)
        kinds[kind] = kinds.get(kind, 0) + 1
    if kinds.get(expect_type, 0) < count * 0.9:
        raise RuntimeError(f"anki: expected cards of type {expect_type}, got {kinds}")
    return {"median": statistics.median(per_card), "p95": _p95(per_card)}


# ------------------------------------------------------------------ main


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-collection-") as tmp:
        source = Path(tmp) / "anki-made.anki2"
        start = time.perf_counter()
        build_with_anki(source)
        print(f"built {NOTES:,} cards with Anki in {time.perf_counter() - start:.2f} s")
        ours_path = Path(tmp) / "ours.anki2"
        anki_path = Path(tmp) / "anki.anki2"
        shutil.copy(source, ours_path)
        shutil.copy(source, anki_path)
        ours = measure_ours(ours_path)
        theirs = measure_anki(anki_path)
    _report("open collection", ours["open"], theirs["open"])
    for kind, count in (("reviews", ANSWERS), ("new", NEW_ANSWERS)):
        for stat in ("median", "p95"):
            _report(
                f"next card + answer ({kind}, {stat}, n={count})",
                ours[kind][stat],
                theirs[kind][stat],
            )
    _report("due counts (anki: its cached queue)", ours["counts"], theirs["counts"])
    _report("deck list (due tree)", ours["tree"], theirs["tree"])
    if ours["stats"] is None:
        print("stats page: javumbo.collection.stats not available, skipped")
    else:
        _report("stats page (30 days)", ours["stats"], theirs["stats"])
    goal = ours["reviews"]["median"]
    verdict = "met" if goal < 0.001 and goal <= theirs["reviews"]["median"] else "NOT met"
    print(f"goal (answer < 1 ms and no slower than Anki): {verdict}")


if __name__ == "__main__":
    main()
