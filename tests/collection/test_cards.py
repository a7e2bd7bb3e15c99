"""Cards: generation rules, new-queue positions, and the bulk card operations."""

from __future__ import annotations

from typing import Any

import pytest

from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection.cards import (
    Card,
    cards_of_note,
    delete_cards,
    generate_cards,
    get_card,
    move_cards,
    save_card,
    set_flag,
    suspend_cards,
    unsuspend_cards,
    wanted_ords,
)
from javumbo.collection.decks import add_deck
from javumbo.collection.notes import add_note, get_note
from javumbo.collection.notetypes import get_notetype, notetype_by_name


def mid_of(col: Collection, name: str) -> int:
    nt = notetype_by_name(col, name)
    assert nt is not None
    return int(nt["id"])


def add_basic(col: Collection, front: str = "f", did: int = 1) -> list[Card]:
    note = add_note(col, mid_of(col, "Basic (and reversed card)"), [front, "b"], did)
    return cards_of_note(col, note.id)


def test_new_cards_are_new_with_next_position(col: Collection) -> None:
    first = add_basic(col, "one")
    second = add_basic(col, "two")
    assert [c.ord for c in first] == [0, 1]
    for card in first + second:
        assert (card.type, card.queue, card.ivl, card.factor, card.reps, card.lapses) == (
            0, 0, 0, 0, 0, 0
        )  # fmt: skip
        assert (card.usn, card.mod, card.odid, card.flags, card.data) == (
            -1, col.now_secs(), 0, 0, "{}"
        )  # fmt: skip
    assert {c.due for c in first} == {1} and {c.due for c in second} == {2}
    assert col.conf["nextPos"] == 3
    assert get_card(col, first[1].id) == first[1]


def test_generation_follows_anki_rules(col: Collection) -> None:
    basic = get_notetype(col, mid_of(col, "Basic"))
    reversed_ = get_notetype(col, mid_of(col, "Basic (and reversed card)"))
    optional = get_notetype(col, mid_of(col, "Basic (optional reversed card)"))
    cloze = get_notetype(col, mid_of(col, "Cloze"))
    assert wanted_ords(basic, ["a", ""]) == {0}
    assert wanted_ords(reversed_, ["a", "<br>"]) == {0}  # an empty-looking back: no card 2
    assert wanted_ords(reversed_, ["a", "b"]) == {0, 1}
    assert wanted_ords(reversed_, ["a", "\xa0"]) == {0, 1}  # only ASCII space counts as empty
    assert wanted_ords(reversed_, ["a", " <BR/> <div>\n</div>"]) == {0}
    assert wanted_ords(optional, ["a", "b", ""]) == {0}
    assert wanted_ords(optional, ["a", "b", "y"]) == {0, 1}
    assert wanted_ords(optional, ["a", "", "y"]) == {0}  # Add Reverse set but Back empty
    assert wanted_ords(cloze, ["{{c1::a}} {{c3::b::h}} {{c3::c}}", "{{c9::x}}"]) == {0, 2}
    assert wanted_ords(cloze, ["{{c2::outer {{c5::inner}}}}", ""]) == {1, 4}


def test_template_deck_override_is_honoured(col: Collection) -> None:
    target = add_deck(col, "Reverse cards")
    nt = get_notetype(col, mid_of(col, "Basic (and reversed card)"))
    models = dict(col.models)
    changed = dict(nt)
    changed["tmpls"] = [dict(t) for t in nt["tmpls"]]
    changed["tmpls"][1]["did"] = target
    models[str(nt["id"])] = changed
    col.save_json("models", models)
    cards = add_basic(col)
    assert [c.did for c in cards] == [1, target]


def test_generate_cards_adds_only_missing(col: Collection) -> None:
    cards = add_basic(col)
    note = get_note(col, cards[0].nid)
    assert generate_cards(col, note, 1) == []
    col.db.execute("delete from cards where id = ?", (cards[1].id,))
    regenerated = generate_cards(col, note, 1)
    assert [c.ord for c in regenerated] == [1]
    assert regenerated[0].due == cards[0].due  # rejoins its sibling's position


def test_save_card_writes_every_column(col: Collection, clock: Any) -> None:
    card = add_basic(col)[0]
    clock.advance(100)
    card.type, card.queue, card.due, card.ivl, card.factor = 2, 2, 5, 3, 2500
    card.data = '{"lrt": 1}'
    save_card(col, card)
    again = get_card(col, card.id)
    assert again == card and again.mod == col.now_secs() and again.usn == -1


def test_suspend_unsuspend_restores_queue_by_type(col: Collection) -> None:
    new, rev = add_basic(col)
    rev.type, rev.queue, rev.due, rev.ivl = 2, 2, 10, 4
    save_card(col, rev)
    learn = add_basic(col, "l")[0]
    learn.type, learn.queue, learn.due = 1, 1, int(col.now()) + 600
    save_card(col, learn)
    ids = [new.id, rev.id, learn.id]
    suspend_cards(col, ids)
    assert {get_card(col, c).queue for c in ids} == {-1}
    assert get_card(col, rev.id).type == 2
    unsuspend_cards(col, ids)
    assert [get_card(col, c).queue for c in ids] == [0, 2, 1]


def test_move_and_flag(col: Collection) -> None:
    did = add_deck(col, "Elsewhere")
    cards = add_basic(col)
    move_cards(col, [c.id for c in cards], did)
    assert {get_card(col, c.id).did for c in cards} == {did}
    set_flag(col, [cards[0].id], 3)
    set_flag(col, [cards[0].id], 1)
    assert get_card(col, cards[0].id).flags == 1
    with pytest.raises(ValidationError, match="0 to 7"):
        set_flag(col, [cards[0].id], 8)
    with pytest.raises(NotFoundError):
        move_cards(col, [cards[0].id], 999)


def test_delete_cards_removes_orphaned_notes(col: Collection) -> None:
    first, second = add_basic(col)
    delete_cards(col, [first.id])
    assert get_note(col, first.nid)
    delete_cards(col, [second.id])
    with pytest.raises(NotFoundError):
        get_note(col, first.nid)
    graves = col.db.execute("select oid, type, usn from graves order by rowid").fetchall()
    assert graves == [(first.id, 0, -1), (second.id, 0, -1), (first.nid, 1, -1)]


def test_unknown_cards_are_not_found_and_nothing_changes(col: Collection) -> None:
    card = add_basic(col)[0]
    with pytest.raises(NotFoundError, match="no card with id 12345"):
        suspend_cards(col, [card.id, 12345])
    assert get_card(col, card.id).queue == 0
    with pytest.raises(NotFoundError):
        get_card(col, 12345)
    with pytest.raises(NotFoundError):
        save_card(col, Card(*([12345] + [0] * 16 + [""])))


def test_bulk_operations_handle_many_ids(col: Collection) -> None:
    ids = [c.id for i in range(300) for c in add_basic(col, f"n{i}")]
    assert len(ids) == 600
    suspend_cards(col, ids)
    assert col.db.execute("select count() from cards where queue = -1").fetchone()[0] == 600
    delete_cards(col, ids)
    assert col.db.execute("select count() from notes").fetchone()[0] == 0
