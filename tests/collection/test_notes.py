"""Notes: adding, editing, deleting and tagging, with the derived columns Anki relies on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection.cards import cards_of_note
from javumbo.collection.decks import add_deck, deck_by_name, delete_deck, rename_deck
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
    assert tags == " a es "  # sorted, as Anki stores them
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


@pytest.mark.parametrize("tag", ["x\x00y", "bell\x07", "del\x7f", "\x1f"])
def test_tags_with_control_characters_are_refused(col: Collection, tag: str) -> None:
    note = add_note(col, mid_of(col, "Basic"), ["a", ""], 1, ["kept"])
    with pytest.raises(ValidationError, match="control character"):
        add_note(col, mid_of(col, "Basic"), ["b", ""], 1, [tag])
    with pytest.raises(ValidationError, match="control character"):
        add_tags(col, [note.id], [tag])
    with pytest.raises(ValidationError, match="control character"):
        update_note(col, note.id, tags=[tag])
    assert get_note(col, note.id).tags == ["kept"]
    assert col.db.execute("select count() from notes").fetchone()[0] == 1


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


# ----------------------------------------------------------------- checked against real Anki

TRICKY_FIELDS = [
    "<b>Hola</b> &amp; adiós",
    'Look: <img src="cell.png"> and <IMG alt="x" SRC=\'bandera_españa.png\'>',
    "<img src=unquoted.jpg>[sound:voice.mp3]",
    "a&nbsp;b &lt;tag&gt; &quot;q&quot; &#39;s&#39; &eacute; &#x4e2d;",
    "<!-- comment -->x<style>.a{}</style>y<script>z()</script>",
    "<div>line</div><div><br></div>中文 العربية Русский 🙂",
    "  spaced   out  ",
    "12345",
    "<a href='https://example.com'>link</a> <span style=\"color: red\">red</span>",
]


def test_checksum_and_sort_field_match_anki(
    anki_made_collection: Callable[..., Path], col: Collection
) -> None:
    def build(anki_col: Any) -> None:
        basic = anki_col.models.by_name("Basic")
        for value in TRICKY_FIELDS:
            note = anki_col.new_note(basic)
            note["Front"], note["Back"] = value, "back"
            anki_col.add_note(note, 1)

    path = anki_made_collection(build)
    anki_file = Collection.open(path)
    try:
        written = anki_file.db.execute("select flds, sfld, csum from notes").fetchall()
    finally:
        anki_file.close()
    assert len(written) == len(TRICKY_FIELDS)
    nt = get_notetype(col, mid_of(col, "Basic"))
    for flds, sfld, csum in written:
        front = flds.split("\x1f")[0]
        assert field_checksum(front) == csum, front
        assert sort_field_value(nt, [front, "back"]) == str(sfld), front


def test_notes_made_by_anki_read_back(anki_made_collection: Callable[..., Path]) -> None:
    expected: dict[int, dict[str, Any]] = {}

    def build(anki_col: Any) -> None:
        geo = anki_col.decks.id("Geo::Europe")
        rows = [
            ("Basic", ["Capital of <b>Spain</b>?", "Madrid"], ["geo::capitals", "es"], geo),
            ("Basic (and reversed card)", ["perro", "dog"], [], 1),
            ("Basic (optional reversed card)", ["gato", "cat", ""], ["x"], 1),
            ("Cloze", ["{{c1::Paris}} in {{c3::France::country}}", "🙂"], [], geo),
        ]
        for notetype, fields, tags, did in rows:
            note = anki_col.new_note(anki_col.models.by_name(notetype))
            note.fields[:] = fields
            note.tags = tags
            anki_col.add_note(note, did)
            expected[note.id] = {
                "mid": note.mid,
                "guid": note.guid,
                "fields": fields,
                "tags": sorted(note.tags),
                "cards": sorted((c.ord, anki_col.decks.name(c.did)) for c in note.cards()),
            }

    col = Collection.open(anki_made_collection(build))
    try:
        for nid, want in expected.items():
            note = get_note(col, nid)
            assert (note.mid, note.guid, note.fields) == (want["mid"], want["guid"], want["fields"])
            assert sorted(note.tags) == want["tags"]
            cards = cards_of_note(col, nid)
            assert [(c.ord, col.decks[str(c.did)]["name"]) for c in cards] == want["cards"]
        # and our writes on top of Anki's notes keep working
        cloze_nid = next(n for n, w in expected.items() if w["cards"][0][0] == 0 and
                         "{{c1::" in w["fields"][0])  # fmt: skip
        update_note(col, cloze_nid, {"Text": "{{c1::Paris}} {{c2::Seine}} {{c3::France}}"})
        assert [c.ord for c in cards_of_note(col, cloze_nid)] == [0, 1, 2]
    finally:
        col.close()


def with_parents(names: list[str]) -> list[str]:
    parts = [name.split("::") for name in names]
    return sorted({"::".join(p[:i]) for p in parts for i in range(1, len(p) + 1)})


def test_collection_edited_through_our_layer_passes_anki_check(
    col: Collection, col_path: Path, clock: Any, anki_validate: Callable[..., tuple[int, dict]]
) -> None:
    lang = add_deck(col, "Lang::Spanish::Verbs")
    science = add_deck(col, "Science::Physics")
    scratch = add_deck(col, "Scratch::Inner")
    added: list[tuple[str, list[str], int, list[str]]] = [
        ("Basic", ["<b>hablar</b>", "to speak"], lang, ["es", "verbs"]),
        ("Basic", ['<img src="cell.png">', "a cell"], science, []),
        ("Basic (and reversed card)", ["perro &amp; gato", "dog & cat"], lang, ["es"]),
        ("Basic (and reversed card)", ["中文", "Chinese 🙂"], 1, []),
        ("Basic (optional reversed card)", ["rojo", "red", ""], lang, []),
        ("Basic (optional reversed card)", ["azul", "blue", "yes"], lang, []),
        ("Cloze", ["{{c1::Newton}} found {{c2::gravity::force}} in {{c3::1687}}", ""], science,
         ["physics"]),
        ("Cloze", ["<i>{{c1::E}}</i> = {{c2::mc{{c3::²}}}}", "[sound:e.mp3]"], science, []),
        ("Basic", ["temp", "to delete"], scratch, []),
        ("Basic", ["moved", "kept"], deck_by_name(col, "Scratch")["id"], []),  # type: ignore[index]
    ]  # fmt: skip
    notes = [add_note(col, mid_of(col, nt), f, did, tags) for nt, f, did, tags in added]
    clock.advance(3600)
    # edits: a new cloze number, a reverse card switched on, tags changed
    update_note(col, notes[6].id, {"Text": notes[6].fields[0] + " {{c4::Principia}}"})
    update_note(col, notes[4].id, {"Add Reverse": "y"}, tags=["colour"])
    add_tags(col, [notes[0].id, notes[1].id], ["review-me"])
    delete_notes(col, [notes[3].id])
    rename_deck(col, deck_by_name(col, "Lang")["id"], "Languages")  # type: ignore[index]
    delete_deck(col, deck_by_name(col, "Scratch::Inner")["id"])  # type: ignore[index]
    delete_deck(col, deck_by_name(col, "Scratch")["id"], move_cards_to=science)  # type: ignore[index]

    cards_per_note = {0: 1, 1: 1, 2: 2, 4: 2, 5: 2, 6: 4, 7: 3, 9: 1}  # after the edits above
    surviving = set(cards_per_note)
    for i, note in enumerate(notes):
        got = col.db.execute("select count() from cards where nid = ?", (note.id,)).fetchone()[0]
        assert got == cards_per_note.get(i, 0), i
    expected = {
        "notes": len(surviving),
        "cards": sum(cards_per_note.values()),
        "type_new": sum(cards_per_note.values()),
        "revlog": 0,
        "deck_names": [
            "Default", "Languages", "Languages::Spanish", "Languages::Spanish::Verbs",
            "Science", "Science::Physics",
        ],
        # Anki's count includes parents of decks holding cards; Default lost notes[3]
        "decks_with_cards": with_parents(["Languages::Spanish::Verbs", "Science::Physics"]),
        "note_types_used": sorted({added[i][0] for i in surviving}),
    }  # fmt: skip
    graves = col.db.execute("select type, count() from graves group by type").fetchall()
    assert dict(graves) == {0: 2 + 1, 1: 2, 2: 2}  # notes[3] (2 cards), notes[8] (1); 2 decks
    col.close()

    rc, report = anki_validate(col_path, expect=expected)
    assert rc == 0, report
    assert report["problems"] == [] and report["warnings"] == []


def test_note_writes_leave_note_types_and_decks_untouched(col: Collection, clock: Any) -> None:
    """Every write is journaled, so a note change must not rewrite the big JSON columns."""

    def big_columns() -> tuple[str, str, str]:
        row = col.db.execute("select models, decks, dconf from col").fetchone()
        return (row[0], row[1], row[2])

    before = big_columns()
    note = add_note(col, mid_of(col, "Cloze"), ["{{c1::a}}", ""], 1, ["t"])
    clock.advance(10)
    update_note(col, note.id, ["{{c1::a}} {{c2::b}}", "x"])
    delete_notes(col, [note.id])
    assert big_columns() == before
    assert col.db.execute("select mod from col").fetchone()[0] == col.now_ms()
