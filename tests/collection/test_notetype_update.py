"""Changing a note type's fields and templates: notes and cards follow as in Anki, templates
follow renamed fields, Anki's template errors are refused, schema changes bump ``scm``; after
every change real Anki checks the collection clean."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, ValidationError
from javumbo.collection.cards import cards_of_note
from javumbo.collection.notes import add_note, get_note
from javumbo.collection.notetype_templates import TemplateProblem, rename_fields_in_template
from javumbo.collection.notetype_update import update_notetype
from javumbo.collection.notetypes import get_notetype, notetype_by_name
from tests.collection.notetype_referee import anki_verdict


def basic(col: Collection, name: str = "Basic") -> dict[str, Any]:
    nt = notetype_by_name(col, name)
    assert nt is not None
    return copy.deepcopy(nt)


def later(col: Collection, clock: FixedClock) -> int:
    """Move the clock on so a new ``scm`` is told from the old one; returns the old scm."""
    scm = col.scm
    clock.advance(5)
    return scm


def ords(col: Collection, nid: int) -> list[int]:
    return [c.ord for c in cards_of_note(col, nid)]


def test_field_added_at_the_end_keeps_every_value(
    col: Collection, clock: FixedClock, tmp_path: Path
) -> None:
    nt = basic(col)
    note = add_note(col, nt["id"], ["front", "back"], 1)
    before = later(col, clock)
    nt["flds"].append({"name": "Extra", "ord": None})
    saved = update_notetype(col, nt)
    assert saved.schema_changed and col.scm > before
    assert get_note(col, note.id).fields == ["front", "back", ""]
    stored = get_notetype(col, nt["id"])
    extra = stored["flds"][2]
    assert extra["ord"] == 2 and extra["font"] == "Arial" and extra["size"] == 20
    assert extra["plainText"] is False and isinstance(extra["id"], int)
    anki_verdict(col, tmp_path / "anki")


def test_rename_follows_in_templates_as_anki_renames(col: Collection, tmp_path: Path) -> None:
    nt = basic(col, "Basic (optional reversed card)")
    note = add_note(col, nt["id"], ["f", "b", "y"], 1)
    nt["tmpls"][1]["qfmt"] = (
        "{{#Add Reverse}}{{Back}}{{/Add Reverse}}{{^Add Reverse}}-{{/Add Reverse}}"
        "{{type:Add Reverse}}{{ Add Reverse }}{{text:Add Reverse}}"
    )
    update_notetype(col, nt)
    nt = basic(col, "Basic (optional reversed card)")
    before = col.scm
    nt["flds"][2]["name"] = "Rev"
    saved = update_notetype(col, nt)
    assert not saved.schema_changed and col.scm == before  # a rename syncs normally
    stored = get_notetype(col, nt["id"])
    assert stored["tmpls"][1]["qfmt"] == (
        "{{#Rev}}{{Back}}{{/Rev}}{{^Rev}}-{{/Rev}}{{type:Rev}}{{Rev}}{{text:Rev}}"
    )
    assert get_note(col, note.id).fields == ["f", "b", "y"]
    anki_verdict(col, tmp_path / "anki")


def test_rename_matches_anki_on_cloze_and_removed_fields() -> None:
    assert rename_fields_in_template("{{cloze:Text}}", {"Text": "Body"}) == "{{cloze:Body}}"
    # Anki's own example: a removed field's sections keep their contents
    template = "{{Test}}\n{{#Test}}{{some:Test}}{{Back}}{{/Test}}"
    assert rename_fields_in_template(template, {"Test": None}) == "\n{{Back}}"
    assert rename_fields_in_template("{{#A}}x", {"A": "B"}) == "{{#A}}x"  # unparsable: kept


def test_reorder_and_delete_fields(col: Collection, clock: FixedClock, tmp_path: Path) -> None:
    nt = basic(col)
    note = add_note(col, nt["id"], ["front", "back"], 1)
    before = later(col, clock)
    nt["flds"].reverse()
    nt["sortf"] = 1
    assert update_notetype(col, nt).schema_changed and col.scm > before
    assert get_note(col, note.id).fields == ["back", "front"]
    assert col.db.execute("select sfld from notes").fetchone()[0] == "front"
    nt = basic(col)
    del nt["flds"][0]  # "Back" goes: the card template loses {{Back}}
    nt["sortf"] = 0
    update_notetype(col, nt)
    assert get_note(col, note.id).fields == ["front"]
    assert get_notetype(col, nt["id"])["tmpls"][0]["afmt"] == "{{FrontSide}}\n\n<hr id=answer>\n\n"
    anki_verdict(col, tmp_path / "anki")


def test_sort_field_alone_is_a_schema_change_as_in_anki(col: Collection, clock: FixedClock) -> None:
    nt = basic(col)
    add_note(col, nt["id"], ["front", "<b>back</b>"], 1)
    before = later(col, clock)
    nt["sortf"] = 1
    assert update_notetype(col, nt).schema_changed and col.scm > before
    assert col.db.execute("select sfld from notes").fetchone()[0] == "back"


def test_field_options_are_stored_as_anki_stores_them(col: Collection, tmp_path: Path) -> None:
    nt = basic(col)
    nt["flds"][1].update(font="Noto Serif", size=28, plainText=True, collapsed=True, rtl=True)
    nt["css"] = ".card { color: red; }"
    before = col.scm
    assert not update_notetype(col, nt).schema_changed and col.scm == before
    back = get_notetype(col, nt["id"])["flds"][1]
    assert (back["font"], back["size"], back["plainText"], back["collapsed"], back["rtl"]) == (
        "Noto Serif",
        28,
        True,
        True,
        True,
    )
    assert get_notetype(col, nt["id"])["css"] == ".card { color: red; }"
    anki_verdict(col, tmp_path / "anki")


def test_templates_added_moved_and_deleted_carry_cards(
    col: Collection, clock: FixedClock, tmp_path: Path
) -> None:
    nt = basic(col)
    full = add_note(col, nt["id"], ["front", "back"], 1)
    half = add_note(col, nt["id"], ["front only", ""], 1)
    nt["tmpls"].append(
        {"name": "Reverse", "ord": None, "qfmt": "{{Back}}", "afmt": "{{FrontSide}}<hr>{{Front}}"}
    )
    before = later(col, clock)
    saved = update_notetype(col, nt)
    assert saved.schema_changed and col.scm > before and saved.cards_added == 1
    assert ords(col, full.id) == [0, 1] and ords(col, half.id) == [0]
    anki_verdict(col, tmp_path / "anki1")

    nt = basic(col)
    first_card = cards_of_note(col, full.id)[0].id
    nt["tmpls"].reverse()
    update_notetype(col, nt)
    moved = {c.id: c.ord for c in cards_of_note(col, full.id)}
    assert moved[first_card] == 1
    assert ords(col, half.id) == [1]
    anki_verdict(col, tmp_path / "anki2")

    nt = basic(col)
    nt["tmpls"] = [t for t in nt["tmpls"] if t["name"] == "Card 1"]
    saved = update_notetype(col, nt)
    assert saved.cards_removed == 1
    assert [c.id for c in cards_of_note(col, full.id)] == [first_card]
    assert ords(col, full.id) == [0]
    anki_verdict(col, tmp_path / "anki3")


def test_a_changed_front_generates_the_cards_it_asks_for(col: Collection, tmp_path: Path) -> None:
    nt = basic(col, "Basic (optional reversed card)")
    note = add_note(col, nt["id"], ["front", "back", ""], 1)
    assert ords(col, note.id) == [0]
    before = col.scm
    nt["tmpls"][1]["qfmt"] = "{{Back}}"
    nt["tmpls"][1]["name"] = "Backwards"
    saved = update_notetype(col, nt)
    assert not saved.schema_changed and col.scm == before
    assert ords(col, note.id) == [0, 1]
    anki_verdict(col, tmp_path / "anki")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda nt: nt["tmpls"][0].update(qfmt="{{Nope}}"),
            "Card template 1 in note type 'Basic' has a problem. Field 'Nope' not found.",
        ),
        (
            lambda nt: nt["tmpls"][0].update(afmt="{{Front}} {{Nope}}"),
            "Field 'Nope' not found.",
        ),
        (
            lambda nt: nt["tmpls"][0].update(qfmt="just text"),
            "Expected to find a field replacement on the front of the card template.",
        ),
        (
            lambda nt: nt["tmpls"][0].update(qfmt="{{cloze:Front}}"),
            "'cloze:' can only be used on cloze note types.",
        ),
        (lambda nt: nt["tmpls"][0].update(qfmt="{{#Front}}x"), "Missing '{{/Front}}'"),
        (
            lambda nt: nt["tmpls"].append({"name": "Two", "qfmt": "{{Front}}", "afmt": ""}),
            "Card template 2 in note type 'Basic' has a problem. "
            "The front side is identical to card template 1.",
        ),
    ],
)
def test_template_errors_as_anki_reports_them(col: Collection, change: Any, message: str) -> None:
    nt = basic(col)
    change(nt)
    stored = copy.deepcopy(get_notetype(col, nt["id"]))
    with pytest.raises(TemplateProblem) as caught:
        update_notetype(col, nt)
    assert message in str(caught.value)
    assert get_notetype(col, nt["id"]) == stored


def test_cloze_type_needs_cloze_on_both_sides(col: Collection) -> None:
    nt = basic(col, "Cloze")
    nt["tmpls"][0]["afmt"] = "{{Text}}"
    with pytest.raises(TemplateProblem, match=r"Expected to find '\{\{cloze:Text\}\}'"):
        update_notetype(col, nt)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda nt: nt["flds"].clear(), "at least one field"),
        (lambda nt: nt["tmpls"].clear(), "at least one card template"),
        (lambda nt: nt["flds"][1].update(name="front"), "two fields are named"),
        (lambda nt: nt["flds"][1].update(name=" :{}"), "Empty field name"),
        (lambda nt: nt["flds"][1].update(ord=7), "field ord 7"),
        (lambda nt: nt["flds"][1].update(ord=0), "same ord"),
        (lambda nt: nt.update(sortf=2), "sort field"),
        (lambda nt: nt.update(name="Cloze"), "already exists"),
    ],
)
def test_bad_shapes_are_refused(col: Collection, change: Any, message: str) -> None:
    nt = basic(col)
    change(nt)
    with pytest.raises(ValidationError, match=message):
        update_notetype(col, nt)


def test_field_names_are_cleaned_as_anki_cleans_them(col: Collection) -> None:
    nt = basic(col)
    nt["flds"][1]["name"] = '#^/a:b{c}"d '
    update_notetype(col, nt)
    assert [f["name"] for f in get_notetype(col, nt["id"])["flds"]] == ["Front", "abcd"]
