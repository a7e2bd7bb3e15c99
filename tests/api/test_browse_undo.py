"""The browser's bulk changes (change deck, add and remove tags, tag duplicates) are undo steps
that put every card and note row back exactly as it was, as Anki's undo does."""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

from javumbo.api.app import app_services
from tests.api.conftest import ApiUser, assert_error


def _rows(app: APIFlask, user: ApiUser) -> tuple[list[Any], list[Any]]:
    svc = app_services(app)
    record = svc.meta.get_user(user.username)
    assert record is not None
    with svc.engine.read(record.user_id) as col:
        cards = [tuple(r) for r in col.db.execute("select * from cards order by id")]
        notes = [tuple(r) for r in col.db.execute("select * from notes order by id")]
    return cards, notes


def _words(user: ApiUser, count: int) -> tuple[int, list[int]]:
    deck_id = user.new_deck("Words")
    return deck_id, [user.new_card(deck_id, front=f"w{k:02d}") for k in range(count)]


def test_undo_of_change_deck_restores_every_card_row(app: APIFlask, alice: ApiUser) -> None:
    _, card_ids = _words(alice, 10)
    other = alice.new_deck("Elsewhere")
    before = _rows(app, alice)
    moved = alice.ok(alice.post("/api/cards/move", {"card_ids": card_ids, "deck_id": other}))
    assert moved["updated"] == 10
    assert _rows(app, alice) != before
    assert alice.ok(alice.get("/api/undo"))["next"] == {"label": "Change Deck", "undoable": True}
    undone = alice.ok(alice.post("/api/undo"))
    assert (undone["label"], undone["cards"]) == ("Change Deck", 10)
    assert _rows(app, alice) == before


def test_undo_of_add_and_remove_tags_restores_every_note_row(app: APIFlask, alice: ApiUser) -> None:
    _, card_ids = _words(alice, 10)
    alice.ok(alice.post("/api/cards/tag", {"card_ids": card_ids[:3], "add": ["keep"]}))
    before = _rows(app, alice)
    alice.ok(alice.post("/api/cards/tag", {"card_ids": card_ids, "add": ["bulk::tagged"]}))
    assert alice.ok(alice.get("/api/browse/rows?search=tag:bulk::tagged"))["total"] == 10
    assert alice.ok(alice.get("/api/undo"))["next"]["label"] == "Update Tag"
    assert alice.ok(alice.post("/api/undo"))["notes"] == 10
    assert _rows(app, alice) == before

    alice.ok(alice.post("/api/cards/tag", {"card_ids": card_ids, "remove": ["keep"]}))
    assert alice.ok(alice.get("/api/browse/rows?search=tag:keep"))["total"] == 0
    assert alice.ok(alice.post("/api/undo"))["label"] == "Remove Tag"
    assert _rows(app, alice) == before


def test_tagging_notes_by_id_is_one_undo_step(app: APIFlask, alice: ApiUser) -> None:
    _words(alice, 3)
    page = alice.ok(alice.get("/api/browse/rows?search=deck:Words&mode=notes&sort=created"))
    note_ids = [row["id"] for row in page["rows"]]
    before = _rows(app, alice)
    body = {"note_ids": note_ids[:2], "add": ["duplicate"]}
    tagged = alice.ok(alice.post("/api/notes/tags", body))
    assert tagged == {"note_ids": note_ids[:2], "changed": 2}
    assert alice.ok(alice.get("/api/browse/rows?search=tag:duplicate"))["total"] == 2
    assert alice.ok(alice.post("/api/undo"))["label"] == "Update Tag"
    assert _rows(app, alice) == before
    assert_error(alice.post("/api/notes/tags", {"note_ids": [1], "add": ["x"]}), 404)
    assert_error(alice.post("/api/notes/tags", {"note_ids": note_ids, "add": []}), 400)
