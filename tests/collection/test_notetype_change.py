"""Change Note Type: the same notes and cards as real Anki's ``change_notetype_of_notes`` on a
copy of the same collection, and a collection Anki checks clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, NotFoundError, ValidationError
from javumbo.collection.notes import add_note
from javumbo.collection.notetype_change import change_notetype, default_field_map
from javumbo.collection.notetypes import get_notetype, notetype_by_name
from tests.collection.notetype_referee import anki_verdict


def mid(col: Collection, name: str) -> int:
    nt = notetype_by_name(col, name)
    assert nt is not None
    return int(nt["id"])


def snapshot(db: Any) -> tuple[set[tuple[int, int, str]], set[tuple[int, int, int]]]:
    notes = {(int(i), int(m), str(f)) for i, m, f in db.execute("select id, mid, flds from notes")}
    cards = {(int(i), int(n), int(o)) for i, n, o in db.execute("select id, nid, ord from cards")}
    return notes, cards


def anki_changes(
    col: Collection,
    work: Path,
    nids: list[int],
    new_mid: int,
    fields: list[int | None],
    templates: list[int | None] | None,
) -> tuple[set[tuple[int, int, str]], set[tuple[int, int, int]]]:
    """What real Anki makes of the same change, on a copy of ``col`` (new card ids differ:
    new cards are compared by note and ord)."""
    from anki.collection import Collection as AnkiCollection

    work.mkdir()
    copy = work / "anki.anki2"
    col.backup_to(copy)
    old_ids = {int(r[0]) for r in col.db.execute("select id from cards")}
    acol = AnkiCollection(str(copy))
    try:
        old_mid = acol.db.scalar("select mid from notes where id = ?", nids[0])
        info = acol.models.change_notetype_info(old_notetype_id=old_mid, new_notetype_id=new_mid)
        request = info.input
        request.note_ids.extend(nids)
        del request.new_fields[:]
        request.new_fields.extend(-1 if f is None else f for f in fields)
        if templates is not None:
            del request.new_templates[:]
            request.new_templates.extend(-1 if t is None else t for t in templates)
        acol.models.change_notetype_of_notes(request)
        notes, cards = snapshot(acol.db)
    finally:
        acol.close()
    return notes, {(i if i in old_ids else 0, n, o) for i, n, o in cards}


def ours(
    col: Collection, old_ids: set[int]
) -> tuple[set[tuple[int, int, str]], set[tuple[int, int, int]]]:
    """Our notes and cards, new cards (ids not in ``old_ids``) compared by note and ord."""
    notes, cards = snapshot(col.db)
    return notes, {(i if i in old_ids else 0, n, o) for i, n, o in cards}


CASES = [
    # Anki's own test: the existing card moves to template 2, a new forward card is made
    ("Basic", ["one", "two"], "Basic (and reversed card)", [0, 1], [None, 0]),
    ("Basic (and reversed card)", ["one", "two"], "Basic", [1, 1], [1]),
    (
        "Basic (and reversed card)",
        ["one", "two"],
        "Basic (optional reversed card)",
        [0, 1, None],
        [0, 1],
    ),
    ("Cloze", ["{{c1::a}} {{c3::b}}", "extra"], "Basic (and reversed card)", [0, None], None),
    ("Basic", ["a {{c2::b}}", "x"], "Cloze", [0, 1], None),
]


@pytest.mark.parametrize(("old", "values", "new", "fields", "templates"), CASES)
def test_same_notes_and_cards_as_anki(
    col: Collection,
    clock: FixedClock,
    tmp_path: Path,
    old: str,
    values: list[str],
    new: str,
    fields: list[int | None],
    templates: list[int | None] | None,
) -> None:
    note = add_note(col, mid(col, old), values, 1)
    other = add_note(col, mid(col, old), values, 1)  # not changed
    expected = anki_changes(col, tmp_path / "anki", [note.id], mid(col, new), fields, templates)
    old_ids = {int(r[0]) for r in col.db.execute("select id from cards")}
    before = col.scm
    clock.advance(5)
    change_notetype(col, [note.id], mid(col, new), fields, templates)
    assert col.scm > before
    assert ours(col, old_ids) == expected
    assert get_notetype(col, mid(col, old))  # the old type stays
    assert col.db.execute("select mid from notes where id = ?", (other.id,)).fetchone()[0] == mid(
        col, old
    )
    anki_verdict(col, tmp_path / "referee")


def test_default_maps_match_by_name_then_fill_in_order(col: Collection) -> None:
    basic = get_notetype(col, mid(col, "Basic"))
    cloze = get_notetype(col, mid(col, "Cloze"))
    optional = get_notetype(col, mid(col, "Basic (optional reversed card)"))
    assert default_field_map(basic, cloze) == [0, 1]
    assert default_field_map(cloze, optional) == [0, 1, None]


def test_notes_of_two_types_are_refused(col: Collection) -> None:
    a = add_note(col, mid(col, "Basic"), ["a", "b"], 1)
    b = add_note(col, mid(col, "Cloze"), ["{{c1::a}}", ""], 1)
    with pytest.raises(ValidationError, match="only one note type"):
        change_notetype(col, [a.id, b.id], mid(col, "Basic"))
    with pytest.raises(NotFoundError):
        change_notetype(col, [a.id, 12345], mid(col, "Cloze"))


@pytest.mark.parametrize(
    ("fields", "templates", "message"),
    [
        ([0], [0, None], "one field entry per field"),
        ([0, 5], [0, None], "field 5"),
        ([0, 1], [0, 0], "one new template only"),
        ([0, 1], [0], "one template entry per template"),
    ],
)
def test_bad_maps_are_refused(
    col: Collection, fields: list[int | None], templates: list[int | None], message: str
) -> None:
    note = add_note(col, mid(col, "Basic"), ["a", "b"], 1)
    with pytest.raises(ValidationError, match=message):
        change_notetype(col, [note.id], mid(col, "Basic (and reversed card)"), fields, templates)
    assert col.db.execute("select mid from notes").fetchone()[0] == mid(col, "Basic")
