"""Decks: the ``::`` tree, renames that carry children along, deletions, and option presets."""

from __future__ import annotations

from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError, ValidationError, schema
from javumbo.collection.cards import cards_of_note
from javumbo.collection.decks import (
    add_deck,
    add_deck_config,
    all_decks,
    child_deck_ids,
    config_for_deck,
    deck_by_name,
    deck_tree,
    delete_deck,
    get_deck,
    get_deck_config,
    rename_deck,
    set_deck_config,
    update_deck_config,
)
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name


def names(col: Collection) -> list[str]:
    return [d["name"] for d in all_decks(col)]


def basic_note(col: Collection, front: str, did: int) -> int:
    nt = notetype_by_name(col, "Basic")
    assert nt is not None
    return add_note(col, nt["id"], [front, "back"], did).id


def test_add_deck_creates_parents_with_anki_shape(col: Collection) -> None:
    did = add_deck(col, " Lang :: Spanish::Verbs ")
    assert names(col) == ["Default", "Lang", "Lang::Spanish", "Lang::Spanish::Verbs"]
    deck = get_deck(col, did)
    assert deck["name"] == "Lang::Spanish::Verbs"
    assert set(deck) == set(schema.default_deck())
    assert deck["id"] > col.now_ms() - 10 and deck["usn"] == -1 and deck["conf"] == 1
    assert deck["mod"] == col.now_secs() and deck["dyn"] == 0
    stored = col.db.execute("select decks from col").fetchone()[0]
    assert f'"{did}"' in stored


@pytest.mark.parametrize("bad", ["", "   ", "A::", "::A", "A::::B", "A:: ::B", "a\tb"])
def test_bad_deck_names_are_refused(col: Collection, bad: str) -> None:
    with pytest.raises(ValidationError):
        add_deck(col, bad)
    assert names(col) == ["Default"]


def test_colliding_names_are_refused_ignoring_case(col: Collection) -> None:
    add_deck(col, "Geo")
    with pytest.raises(ValidationError, match="already exists"):
        add_deck(col, "geo")
    with pytest.raises(ValidationError, match="already exists"):
        add_deck(col, "default")
    other = add_deck(col, "Other")
    with pytest.raises(ValidationError, match="already exists"):
        rename_deck(col, other, "GEO")


def test_rename_moves_children_and_creates_new_parents(col: Collection) -> None:
    a = add_deck(col, "A::B::C")
    top = deck_by_name(col, "A")
    assert top is not None
    rename_deck(col, top["id"], "X::Y")
    assert names(col) == ["Default", "X", "X::Y", "X::Y::B", "X::Y::B::C"]
    assert get_deck(col, a)["name"] == "X::Y::B::C"
    with pytest.raises(ValidationError, match="inside itself"):
        rename_deck(col, top["id"], "X::Y::B::Z")
    rename_deck(col, top["id"], "x::y")  # a change of case only is allowed
    assert get_deck(col, top["id"])["name"] == "x::y"


def test_child_ids_and_tree(col: Collection) -> None:
    c = add_deck(col, "A::B::C")
    a = deck_by_name(col, "A")
    b = deck_by_name(col, "a::b")
    add_deck(col, "AB")  # a prefix of the name but not a child
    assert a is not None and b is not None
    assert child_deck_ids(col, a["id"]) == [a["id"], b["id"], c]
    tree = deck_tree(col)
    assert [n["name"] for n in tree] == ["A", "AB", "Default"]
    assert tree[0]["children"][0]["children"][0]["basename"] == "C"


def test_delete_deck_deletes_cards_with_graves(col: Collection) -> None:
    parent = add_deck(col, "P")
    child = add_deck(col, "P::C")
    n1 = basic_note(col, "one", parent)
    n2 = basic_note(col, "two", child)
    kept = basic_note(col, "kept", 1)
    cids = [c.id for n in (n1, n2) for c in cards_of_note(col, n)]
    delete_deck(col, parent)
    assert names(col) == ["Default"]
    graves = set(col.db.execute("select oid, type from graves").fetchall())
    assert graves == {(parent, 2), (child, 2), (n1, 1), (n2, 1), *((c, 0) for c in cids)}
    assert [r[0] for r in col.db.execute("select id from notes")] == [kept]


def test_delete_deck_can_move_cards(col: Collection) -> None:
    doomed = add_deck(col, "Doomed::Sub")
    target = add_deck(col, "Target")
    nid = basic_note(col, "x", doomed)
    delete_deck(col, deck_by_name(col, "Doomed")["id"], move_cards_to=target)  # type: ignore[index]
    assert [c.did for c in cards_of_note(col, nid)] == [target]
    assert col.db.execute("select count() from graves where type != 2").fetchone()[0] == 0
    with pytest.raises(ValidationError, match="being deleted"):
        delete_deck(col, target, move_cards_to=target)


def test_default_deck_cannot_be_deleted(col: Collection) -> None:
    with pytest.raises(ValidationError, match="Default deck"):
        delete_deck(col, 1)
    rename_deck(col, 1, "Home::Default")
    home = deck_by_name(col, "Home")
    assert home is not None
    with pytest.raises(ValidationError, match="Default deck"):
        delete_deck(col, home["id"])


def test_current_deck_falls_back_when_deleted(col: Collection) -> None:
    did = add_deck(col, "Cur")
    conf = dict(col.conf)
    conf["curDeck"] = did
    conf["activeDecks"] = [did]
    col.save_json("conf", conf)
    delete_deck(col, did)
    assert col.conf["curDeck"] == 1 and col.conf["activeDecks"] == [1]


def test_unknown_deck_is_not_found(col: Collection) -> None:
    for call in (
        lambda: get_deck(col, 99),
        lambda: rename_deck(col, 99, "x"),
        lambda: delete_deck(col, 99),
        lambda: config_for_deck(col, 99),
        lambda: get_deck_config(col, 99),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_deck_config_presets(col: Collection) -> None:
    assert config_for_deck(col, 1) == schema.default_deck_config()
    conf_id = add_deck_config(col, "Intense")
    preset = get_deck_config(col, conf_id)
    assert preset["name"] == "Intense" and preset["new"]["perDay"] == 20
    updated = update_deck_config(col, conf_id, {"new": {"perDay": 50, "delays": [1, 5, 30]}})
    assert updated["new"]["perDay"] == 50 and updated["new"]["ints"] == [1, 4, 0]
    assert updated["rev"] == schema.default_deck_config()["rev"]
    did = add_deck(col, "Fast")
    set_deck_config(col, did, conf_id)
    assert config_for_deck(col, did)["new"]["delays"] == [1, 5, 30]
    assert config_for_deck(col, 1)["new"]["perDay"] == 20


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nope": 1}, "unknown deck option 'nope'"),
        ({"new": {"perDay": "many"}}, "must be a number"),
        ({"new": {"perDay": -1}}, "negative"),
        ({"new": {"delays": [0]}}, "positive"),
        ({"rev": 3}, "must be an object"),
        ({"id": 5}, "cannot be changed"),
        ({"new": {"initialFactor": 1000}}, "1300"),
        ({"new": {"perDay": None}}, "must be a number, not null"),
        ({"maxTaken": None}, "must be a number, not null"),
        ({"name": None}, "must be text, not null"),
        ({"rev": {"perDay": 1.5}}, "whole number"),
        ({"rev": {"perDay": 10**30}}, "too large"),
        ({"rev": {"maxIvl": 1e300}}, "too large"),
        ({"rev": {"maxIvl": float("inf")}}, "too large"),
        ({"rev": {"ease4": float("nan")}}, "not a number"),
        ({"new": {"ints": [1, 4, "x"]}}, r"'new.ints' must be a list of numbers"),
    ],
)
def test_bad_deck_options_are_refused(
    col: Collection, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        update_deck_config(col, 1, changes)
    assert get_deck_config(col, 1) == schema.default_deck_config()
