"""The browser sorts as Anki's browser sorts: for every sortable column, in cards and notes
mode, ascending and reversed, the rows come in the order real Anki (the ``anki`` package) gives
for the same search on the same collection file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.collection.browser import ColumnError, Mode, browse_page, page_ids
from javumbo.collection.browser.columns import sort_order

# Our column -> Anki's column key (cards mode, notes mode).
ANKI_COLUMNS = {
    "sort_field": "noteFld",
    "deck": "deck",
    "due": "cardDue",
    "interval": "cardIvl",
    "ease": "cardEase",
    "reviews": "cardReps",
    "lapses": "cardLapses",
    "created": "noteCrt",
    "modified": "noteMod",
    "card_modified": "cardMod",
    "notetype": "note",
    "card_type": "template",
    "tags": "noteTags",
}
SEARCHES = ["", "deck:Lang*", "-is:new"]


def _build(anki: Any) -> None:
    decks = [anki.decks.id(name) for name in ("Lang::Spanish", "Lang French", "Zoo", "alpha")]
    basic = anki.models.by_name("Basic (and reversed card)")
    cloze = anki.models.by_name("Cloze")
    for k in range(24):
        note = anki.new_note(basic)
        note["Front"] = f"<b>word</b> {(k * 7) % 24:02d}"
        note["Back"] = f"back {k}"
        note.tags = [f"t{k % 5}", "Common"] if k % 3 else []
        anki.add_note(note, decks[k % len(decks)])
    for k in range(6):
        note = anki.new_note(cloze)
        note["Text"] = f"{{{{c1::cloze {k}}}}} and {{{{c2::two {k}}}}}"
        anki.add_note(note, decks[(k + 1) % len(decks)])
    cids = sorted(anki.find_cards(""))
    # Distinct review states: intervals, eases, reps, lapses, due days.
    for k, cid in enumerate(cids[: len(cids) // 2]):
        card = anki.get_card(cid)
        card.type = card.queue = 2 if k % 4 else 1
        if card.type == 1:
            card.due = int(anki.sched.day_cutoff) - 3600 * (k + 1)
        else:
            card.due = anki.sched.today + (k * 5) % 17 - 4
        card.ivl = (k * 3) % 11 + 1
        card.factor = 1300 + (k * 130) % 1700
        card.reps = (k * 7) % 9
        card.lapses = k % 4
        anki.update_card(card)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Any, list[int]]]:
    from anki.collection import Collection as AnkiCol

    path = tmp_path_factory.mktemp("browser") / "anki.anki2"
    anki = AnkiCol(str(path))
    answers: dict[Any, list[int]] = {}
    try:
        _build(anki)
        for search in SEARCHES:
            for ours, key in ANKI_COLUMNS.items():
                column = anki.get_browser_column(key)
                for reverse in (False, True):
                    answers[(Mode.CARDS, search, ours, reverse)] = list(
                        anki.find_cards(search, order=column, reverse=reverse)
                    )
                    if column.sorting_notes != 0:
                        answers[(Mode.NOTES, search, ours, reverse)] = list(
                            anki.find_notes(search, order=column, reverse=reverse)
                        )
    finally:
        anki.close(downgrade=True)
    return path, answers


@pytest.fixture(scope="module")
def ours(reference: tuple[Path, dict[Any, list[int]]]) -> Any:
    col = Collection.open(reference[0])
    yield col
    col.close()


CASES = [
    (mode, search, column, reverse)
    for mode in (Mode.CARDS, Mode.NOTES)
    for search in SEARCHES
    for column in ANKI_COLUMNS
    for reverse in (False, True)
]


@pytest.mark.parametrize(("mode", "search", "column", "reverse"), CASES)
def test_rows_come_in_ankis_order(
    mode: Mode,
    search: str,
    column: str,
    reverse: bool,
    reference: tuple[Path, dict[Any, list[int]]],
    ours: Collection,
) -> None:
    expected = reference[1].get((mode, search, column, reverse))
    if expected is None:
        pytest.skip("Anki cannot sort this mode by this column")
    ids, total = page_ids(ours, search, mode=mode, sort=column, reverse=reverse, page_size=None)
    assert total == len(expected)
    # Rows tied on the column come in whatever order SQLite's plan reads them (in Anki too):
    # the order is the same when the sequence of sort keys is.
    rank = _ranks(ours, mode, column, reverse)
    assert sorted(ids) == sorted(expected)
    assert [rank[i] for i in ids] == [rank[i] for i in expected]


def _ranks(col: Collection, mode: Mode, column: str, reverse: bool) -> dict[int, int]:
    """Each row's place among the distinct values of the sort key."""
    if mode is Mode.NOTES and column == "deck":
        # A note's position is unique; its key is its number of decks and their name.
        page = browse_page(col, "", mode=mode, sort=column, columns=["deck"], page_size=500)
        return {row.id: hash(row.cells["deck"]) for row in page.rows}
    order = sort_order(col, column, mode, reverse=reverse)
    with_sql = f"with {order.with_clause} " if order.with_clause else ""
    source = "from cards c join notes n on c.nid = n.id" if mode is Mode.CARDS else "from notes n"
    item = "c.id" if mode is Mode.CARDS else "n.id"
    rows = col.db.execute(
        f"{with_sql}select {item}, dense_rank() over (order by {order.by_column}) {source}",
        order.params,
    ).fetchall()
    return {int(i): int(r) for i, r in rows}


def test_a_page_is_a_slice_of_the_order_with_the_whole_total(ours: Collection) -> None:
    every, total = page_ids(ours, "", sort="due", page_size=None)
    page = browse_page(ours, "", sort="due", page=2, page_size=7, columns=["due", "deck"])
    assert page.total == total == len(every)
    assert [row.id for row in page.rows] == every[7:14]
    assert all(set(row.cells) == {"due", "deck"} for row in page.rows)


def test_two_cloze_cards_of_one_note_are_two_rows_with_their_card_type(ours: Collection) -> None:
    page = browse_page(ours, "note:Cloze", columns=["card_type"], sort="created", page_size=100)
    by_note: dict[int, list[str]] = {}
    for row in page.rows:
        by_note.setdefault(row.note_id, []).append(row.cells["card_type"])
    assert len(by_note) == 6
    assert all(types == ["Cloze 1", "Cloze 2"] for types in by_note.values())
    notes = browse_page(ours, "note:Cloze", mode=Mode.NOTES, columns=["card_type"])
    assert [len(row.card_ids) for row in notes.rows] == [2] * 6
    assert {row.cells["card_type"] for row in notes.rows} == {"2"}


def test_question_and_answer_are_text_lines(ours: Collection) -> None:
    page = browse_page(ours, "word", columns=["question", "answer", "sort_field"], page_size=3)
    row = page.rows[0]
    assert row.cells["question"].startswith("word")
    assert "<" not in row.cells["question"]
    assert row.cells["answer"].startswith("back") or row.cells["answer"].startswith("word")


def test_unknown_or_unsortable_columns_are_refused(ours: Collection) -> None:
    with pytest.raises(ColumnError):
        page_ids(ours, "", sort="question")
    with pytest.raises(ColumnError):
        browse_page(ours, "", columns=["nope"])
