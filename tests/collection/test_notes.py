"""Notes: adding, editing, deleting and tagging, with the derived columns Anki relies on."""

from __future__ import annotations

from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection.cards import cards_of_note
from javumbo.collection.notes import (
    add_note,
    add_tags,
    delete_notes,
    field_checksum,
    get_note,
    new_guid,
    remove_tags,
    sort_field_value,
    strip_html_media,
    update_note,
)
from javumbo.collection.notetypes import get_notetype, notetype_by_name


def mid_of(col: Collection, name: str) -> int:
    nt = notetype_by_name(col, name)
    assert nt is not None
    return int(nt["id"])


def note_row(col: Collection, nid: int) -> tuple[Any, ...]:
    row = col.db.execute(
        "select guid, mid, mod, usn, tags, flds, sfld, csum, flags, data from notes where id = ?",
        (nid,),
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_add_note_writes_anki_columns(col: Collection) -> None:
    note = add_note(col, mid_of(col, "Basic"), ["<b>Hola</b> &amp; adiós", "hello"], 1, ["es", "a"])
    guid, mid, mod, usn, tags, flds, sfld, csum, flags, data = note_row(col, note.id)
    assert guid == note.guid and 8 <= len(guid) <= 11
    assert mid == mid_of(col, "Basic")
    assert mod == col.now_secs() and usn == -1
    assert tags == " es a "
    assert flds == "<b>Hola</b> &amp; adiós\x1fhello"
    assert sfld == "Hola & adiós"
    assert csum == field_checksum("<b>Hola</b> &amp; adiós")
    assert (flags, data) == (0, "")
    assert note.id == col.now_ms()
    assert get_note(col, note.id) == note


def test_note_with_dict_fields_fills_missing_with_empty(col: Collection) -> None:
    note = add_note(col, mid_of(col, "Basic (optional reversed card)"), {"Front": "f"}, 1)
    assert note.fields == ["f", "", ""]
    assert [c.ord for c in cards_of_note(col, note.id)] == [0]


def test_guids_are_base91_and_distinct() -> None:
    guids = {new_guid() for _ in range(2000)}
    assert len(guids) == 2000
    assert all(1 <= len(g) <= 10 and " " not in g and '"' not in g for g in guids)


def test_sort_field_follows_sortf_and_keeps_media_names(col: Collection) -> None:
    nt = dict(get_notetype(col, mid_of(col, "Basic")))
    nt["sortf"] = 1
    assert sort_field_value(nt, ["front", '<img src="cell.png"> <i>x</i>']) == " cell.png  x"
    assert strip_html_media("<!-- c --><style>p{}</style>a&nbsp;b") == "a b"


def test_update_note_changes_fields_and_tags(col: Collection, clock: Any) -> None:
    note = add_note(col, mid_of(col, "Basic"), ["front", "back"], 1, ["old"])
    clock.advance(60)
    updated = update_note(col, note.id, {"Back": "new back"}, tags=["new", "New"])
    assert updated.fields == ["front", "new back"]
    assert updated.tags == ["new"]
    *_, tags, flds, sfld, csum, _, _ = note_row(col, note.id)
    assert (tags, flds, sfld) == (" new ", "front\x1fnew back", "front")
    assert csum == field_checksum("front")
    assert note_row(col, note.id)[2] == col.now_secs()
    assert "new" in col.tags and "old" in col.tags


def test_update_note_adds_cards_for_new_cloze_numbers_and_keeps_old(col: Collection) -> None:
    note = add_note(col, mid_of(col, "Cloze"), ["{{c1::a}} {{c2::b}}", ""], 1)
    before = {c.ord: c.id for c in cards_of_note(col, note.id)}
    assert set(before) == {0, 1}
    update_note(col, note.id, ["{{c1::a}} only {{c4::d}}", "extra"])
    after = {c.ord: c.id for c in cards_of_note(col, note.id)}
    assert set(after) == {0, 1, 3}
    assert after[0] == before[0] and after[1] == before[1]
    positions = {c.due for c in cards_of_note(col, note.id)}
    assert len(positions) == 1  # siblings share one new-queue position


def test_optional_reverse_card_appears_when_field_filled(col: Collection) -> None:
    mid = mid_of(col, "Basic (optional reversed card)")
    note = add_note(col, mid, ["f", "b", ""], 1)
    assert [c.ord for c in cards_of_note(col, note.id)] == [0]
    update_note(col, note.id, {"Add Reverse": "y"})
    assert [c.ord for c in cards_of_note(col, note.id)] == [0, 1]


def test_delete_notes_removes_cards_and_writes_graves(col: Collection) -> None:
    note = add_note(col, mid_of(col, "Basic (and reversed card)"), ["a", "b"], 1)
    keep = add_note(col, mid_of(col, "Basic"), ["k", ""], 1)
    cids = [c.id for c in cards_of_note(col, note.id)]
    delete_notes(col, [note.id])
    graves = set(col.db.execute("select usn, oid, type from graves").fetchall())
    assert graves == {(-1, note.id, 1), *((-1, cid, 0) for cid in cids)}
    assert col.db.execute("select count() from cards where nid = ?", (note.id,)).fetchone()[0] == 0
    assert get_note(col, keep.id).fields == ["k", ""]
    with pytest.raises(NotFoundError):
        get_note(col, note.id)


def test_tags_added_and_removed_case_insensitively(col: Collection) -> None:
    a = add_note(col, mid_of(col, "Basic"), ["a", ""], 1, ["Geo"])
    b = add_note(col, mid_of(col, "Basic"), ["b", ""], 1)
    add_tags(col, [a.id, b.id], ["geo", "x::y"])
    assert get_note(col, a.id).tags == ["Geo", "x::y"]
    assert get_note(col, b.id).tags == ["Geo", "x::y"]  # spelled as already registered
    remove_tags(col, [a.id], ["GEO"])
    assert get_note(col, a.id).tags == ["x::y"]
    assert note_row(col, b.id)[4] == " Geo x::y "


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["only one"], "has 2 fields"),
        (["a", "b", "c"], "has 2 fields"),
        (["", "back"], "first field .Front. is empty"),
        (["<br> <div></div>", "back"], "is empty"),
        ({"Nope": "x"}, "no field 'Nope'"),
        ("front", "must be a list"),
        ([1, "b"], "must be text"),
    ],
)
def test_bad_fields_are_refused(col: Collection, fields: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        add_note(col, mid_of(col, "Basic"), fields, 1)
    assert col.db.execute("select count() from notes").fetchone()[0] == 0


def test_cloze_without_deletion_is_refused(col: Collection) -> None:
    with pytest.raises(ValidationError, match="at least one deletion"):
        add_note(col, mid_of(col, "Cloze"), ["no deletion here", ""], 1)


def test_unknown_ids_are_not_found(col: Collection) -> None:
    with pytest.raises(NotFoundError, match="note type"):
        add_note(col, 42, ["a", "b"], 1)
    with pytest.raises(NotFoundError, match="deck"):
        add_note(col, mid_of(col, "Basic"), ["a", "b"], 42)
    with pytest.raises(NotFoundError):
        update_note(col, 42, ["a", "b"])
    with pytest.raises(NotFoundError):
        delete_notes(col, [42])
