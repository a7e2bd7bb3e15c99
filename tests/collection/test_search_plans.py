"""Deck searches read the cards through Anki's index, filtered decks included, and a search
runs under a time budget.

A collection with filtered decks is built by real Anki; deck, ``did:`` and state searches must
find what Anki finds (the cards moved into a filtered deck count for their home deck too),
SQLite's plan for them must go through ``ix_cards_sched`` rather than read the whole table,
and one page of the browse table is one statement over the matches.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection.search import (
    SearchTooExpensiveError,
    compile_search,
    find_cards,
    find_notes,
    search_cards_page,
)
from javumbo.collection.search import time_budget as budget_module
from javumbo.collection.search.time_budget import time_budget

DECKS = ["Lang", "Lang::Spanish", "Lang::French", "Geo", "Geo::Asia", "Other"]


def _build(anki: Any) -> dict[str, int]:
    ids = {name: anki.decks.id(name) for name in DECKS}
    basic = anki.models.by_name("Basic")
    for k in range(60):
        note = anki.new_note(basic)
        note["Front"] = f"word {k}"
        note["Back"] = f"back {k}"
        anki.add_note(note, ids[DECKS[k % len(DECKS)]])
    for name, terms in (("Cram", "deck:Lang::Spanish"), ("Review Geo", "deck:Geo")):
        fid = anki.decks.new_filtered(name)
        deck = anki.decks.get(fid)
        deck["terms"] = [[terms, 100, 0]]  # every card of the searched decks moves in
        anki.decks.save(deck)
        anki.sched.rebuild_filtered_deck(fid)
        ids[name] = fid
    return ids


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Any]:
    """The Anki-made file, its deck ids and Anki's answers (query -> (cards, notes))."""
    from anki.collection import Collection as AnkiCol

    path = tmp_path_factory.mktemp("plans") / "anki.anki2"
    anki = AnkiCol(str(path))
    try:
        ids = _build(anki)
        answers = {
            query: (sorted(anki.find_cards(query)), sorted(anki.find_notes(query)))
            for query in _queries(ids)
        }
    finally:
        anki.close(downgrade=True)
    return path, ids, answers


def _queries(ids: dict[str, int]) -> list[str]:
    return [
        "deck:Lang",
        "deck:Lang::Spanish",
        "deck:lang::span*",
        "deck:Geo",
        "deck:Cram",
        '"deck:Review Geo"',
        "deck:filtered",
        "-deck:Lang",
        "-deck:filtered",
        "deck:Lang is:new",
        "deck:Lang is:due",
        "deck:Geo or deck:Other",
        "deck:G*",
        "deck:*",
        "deck:nosuch",
        f"did:{ids['Lang::Spanish']}",
        f"did:{ids['Cram']}",
        f"did:{ids['Geo']},{ids['Other']}",
        "is:new",
        "-is:new deck:Lang",
    ]


@pytest.fixture(scope="module")
def ours(reference: tuple[Path, dict[str, int], Any]) -> Iterator[Collection]:
    col = Collection.open(reference[0])
    yield col
    col.close()


def test_filtered_decks_hold_cards_of_the_searched_decks(
    reference: tuple[Path, dict[str, int], Any], ours: Collection
) -> None:
    """Guards the comparison below: cards of Lang::Spanish and Geo sit in filtered decks."""
    _, ids, answers = reference
    moved = ours.db.execute("select odid, count() from cards where odid != 0 group by odid")
    assert {odid for odid, _ in moved} == {ids["Lang::Spanish"], ids["Geo"], ids["Geo::Asia"]}
    assert answers["deck:Cram"][0] and answers['"deck:Review Geo"'][0]


def test_deck_searches_find_what_anki_finds(
    reference: tuple[Path, dict[str, int], Any], ours: Collection
) -> None:
    _, ids, answers = reference
    for query in _queries(ids):
        cards, notes = answers[query]
        assert sorted(find_cards(ours, query)) == cards, query
        assert sorted(find_notes(ours, query)) == notes, query


def _plan(col: Collection, query: str) -> list[str]:
    where, params = compile_search(col, query)
    rows = col.db.execute(
        f"explain query plan select c.id from cards c join notes n on c.nid = n.id where {where}",
        params,
    )
    return [str(row[-1]) for row in rows]


@pytest.mark.parametrize(
    "query",
    ["deck:Lang", "deck:Lang is:due", "deck:Lang::Spanish is:new", "deck:Geo or deck:Other"],
)
def test_deck_searches_use_the_scheduling_index(query: str, ours: Collection) -> None:
    plan = _plan(ours, query)
    assert any("USING INDEX ix_cards_sched (did=?" in step for step in plan), plan
    assert not any(step.startswith("SCAN c") for step in plan), plan


def test_a_due_search_in_a_deck_seeks_the_queues_and_skips_new_cards(ours: Collection) -> None:
    plan = _plan(ours, "deck:Lang is:due")
    assert any("USING INDEX ix_cards_sched (did=? AND queue=?)" in step for step in plan), plan


def test_did_searches_use_the_scheduling_index(
    reference: tuple[Path, dict[str, int], Any], ours: Collection
) -> None:
    plan = _plan(ours, f"did:{reference[1]['Lang']} is:due")
    assert any("USING INDEX ix_cards_sched (did=?" in step for step in plan), plan
    assert not any(step.startswith("SCAN c") for step in plan), plan


def test_without_filtered_decks_a_deck_search_is_one_index_lookup(col: Collection) -> None:
    where, _ = compile_search(col, "deck:Default")
    assert where == "c.did in (select value from json_each(?))"


def _traced(col: Collection, query: str, **kwargs: Any) -> tuple[dict[str, Any], list[str]]:
    statements: list[str] = []
    col.db.set_trace_callback(statements.append)
    try:
        page = search_cards_page(col, query, **kwargs)
    finally:
        col.db.set_trace_callback(None)
    return page, [s for s in statements if "c.did in (select" in s]


def test_a_page_and_its_total_are_one_statement_when_the_search_reads_notes(
    ours: Collection,
) -> None:
    query = "deck:Lang word"
    page, matching = _traced(ours, query, page_size=3)
    assert len(matching) == 1, matching
    assert "count() over ()" in matching[0]
    assert page["total"] == len(find_cards(ours, query)) > 3
    assert [r["card_id"] for r in page["rows"]] == find_cards(ours, query)[:3]
    past_end = search_cards_page(ours, query, page=99, page_size=3)
    assert past_end["rows"] == [] and past_end["total"] == page["total"]


def test_a_search_on_cards_alone_sorts_only_its_page_and_counts_through_the_index(
    ours: Collection,
) -> None:
    """No window over every match (it sorts them all): the page's statement keeps only the
    page's cards, and a count beside it (none on the last page)."""
    for query in ("deck:Lang", "deck:Lang is:new"):
        expected = find_cards(ours, query)
        page, matching = _traced(ours, query, page_size=3)
        assert len(matching) == 2 and "over ()" not in matching[0], matching
        assert matching[1].startswith("select count()"), matching
        assert page["total"] == len(expected) > 3, query
        assert [r["card_id"] for r in page["rows"]] == expected[:3]
        last, matching = _traced(ours, query, page=2, page_size=len(expected) - 1)
        assert len(matching) == 1 and last["total"] == len(expected)
        past_end = search_cards_page(ours, query, page=99, page_size=3)
        assert past_end["rows"] == [] and past_end["total"] == len(expected)


@pytest.mark.parametrize("query", ["deck:Default", "deck:Default is:due"])
def test_without_filtered_decks_a_deck_search_counts_through_the_index_alone(
    col: Collection, query: str
) -> None:
    where, params = compile_search(col, query)
    plan = [
        str(row[-1])
        for row in col.db.execute(
            f"explain query plan select count() from cards c where {where}", params
        )
    ]
    assert any("COVERING INDEX ix_cards_sched" in step for step in plan), plan


def test_pages_of_every_card(ours: Collection) -> None:
    """The whole collection is paged with a plain count beside the page (no window over every
    card); the totals and pages are the same."""
    every = find_cards(ours, "")
    size = 7
    pages = [search_cards_page(ours, "", page=k, page_size=size) for k in range(1, 12)]
    assert all(page["total"] == len(every) for page in pages)
    assert [r["card_id"] for page in pages for r in page["rows"]] == every
    assert len(every) % size and pages[-1]["rows"] == []
    in_deck = search_cards_page(ours, "deck:Lang", page=2, page_size=size)
    assert in_deck["total"] == len(find_cards(ours, "deck:Lang"))


def test_a_search_past_its_budget_is_stopped(
    ours: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget_module, "SEARCH_TIME_BUDGET_SECONDS", 0.0)
    monkeypatch.setattr(budget_module, "PROGRESS_STEPS", 1)
    with pytest.raises(SearchTooExpensiveError, match="narrow it down"):
        find_cards(ours, "deck:Lang")
    with pytest.raises(SearchTooExpensiveError):
        search_cards_page(ours, "word")
    with pytest.raises(SearchTooExpensiveError):
        find_notes(ours, "tag:x")
    # the budget ends with the search: the connection runs anything afterwards
    assert ours.db.execute("select count() from cards").fetchone()[0] > 0


def test_the_budget_stops_a_long_statement_in_time() -> None:
    db = sqlite3.connect(":memory:")
    endless = (
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000000)"
        " select count() from n"
    )
    start = time.monotonic()
    with pytest.raises(SearchTooExpensiveError), time_budget(db, 0.2):
        db.execute(endless).fetchone()
    assert time.monotonic() - start < 2.0
    assert db.execute("select 1").fetchone() == (1,)


def test_other_sqlite_errors_pass_through_the_budget() -> None:
    db = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError, match="no such table"), time_budget(db, 5):
        db.execute("select * from nowhere")
