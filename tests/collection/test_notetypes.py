"""Note types: the stock ones, lookups, and custom ones kept exactly as they arrive."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection.cards import cards_of_note
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import (
    add_notetype,
    all_notetypes,
    field_names,
    get_notetype,
    is_cloze,
    notetype_by_name,
)

STOCK = {
    "Basic": ["Front", "Back"],
    "Basic (and reversed card)": ["Front", "Back"],
    "Basic (optional reversed card)": ["Front", "Back", "Add Reverse"],
    "Cloze": ["Text", "Back Extra"],
}


def custom_notetype(col: Collection) -> dict[str, Any]:
    basic = notetype_by_name(col, "Basic")
    assert basic is not None
    nt = copy.deepcopy(basic)
    nt.update({"id": 1_600_000_000_123, "name": "Vocab", "sortf": 1, "css": ".x{}"})
    nt["flds"] = [dict(basic["flds"][0], name=n, ord=i) for i, n in enumerate(["Word", "Meaning"])]
    nt["tmpls"] = [dict(basic["tmpls"][0], qfmt="{{Word}}", afmt="{{FrontSide}}<hr>{{Meaning}}")]
    nt["customKey"] = {"kept": True}
    return nt


def test_stock_notetypes(col: Collection) -> None:
    by_name = {nt["name"]: nt for nt in all_notetypes(col)}
    for name, fields in STOCK.items():
        nt = get_notetype(col, by_name[name]["id"])
        assert field_names(nt) == fields
        assert is_cloze(nt) == (name == "Cloze")
    assert notetype_by_name(col, "Nope") is None


def test_unknown_notetype_is_not_found(col: Collection) -> None:
    with pytest.raises(NotFoundError, match="no note type with id 7"):
        get_notetype(col, 7)


def test_custom_notetype_is_kept_as_given(col: Collection) -> None:
    nt = custom_notetype(col)
    mid = add_notetype(col, nt)
    assert mid == 1_600_000_000_123
    stored = get_notetype(col, mid)
    assert stored["customKey"] == {"kept": True} and stored["css"] == ".x{}"
    assert stored["usn"] == -1 and stored["mod"] == col.now_secs()
    col.reload()
    assert get_notetype(col, mid)["name"] == "Vocab"
    note = add_note(col, mid, {"Word": "<b>perro</b>", "Meaning": "dog"}, 1)
    assert len(cards_of_note(col, note.id)) == 1
    sfld = col.db.execute("select sfld from notes where id = ?", (note.id,)).fetchone()[0]
    assert sfld == "dog"  # sortf 1


def test_taken_id_gets_a_new_one(col: Collection) -> None:
    first = add_notetype(col, custom_notetype(col))
    clash = custom_notetype(col)
    clash["name"] = "Vocab 2"
    second = add_notetype(col, clash)
    assert second != first and second >= col.now_ms()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": " "}, "non-empty name"),
        ({"name": "Basic"}, "already exists"),
        ({"flds": []}, "no fields"),
        ({"tmpls": []}, "no card templates"),
    ],
)
def test_bad_notetypes_are_refused(col: Collection, change: dict[str, Any], message: str) -> None:
    nt = custom_notetype(col)
    nt.update(change)
    before = dict(col.models)
    with pytest.raises(ValidationError, match=message):
        add_notetype(col, nt)
    assert col.models == before


def test_duplicate_field_names_are_refused(col: Collection) -> None:
    nt = custom_notetype(col)
    nt["flds"][1]["name"] = "Word"
    with pytest.raises(ValidationError, match="same name"):
        add_notetype(col, nt)
