"""POST /api/undo: the latest step, whatever it was, newest first; refusals are 409s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ApiUser, assert_error


def test_undo_takes_back_answers_and_flags_newest_first(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Study")
    card_id = alice.new_card(deck_id, "perro", "dog")
    assert alice.ok(alice.get("/api/undo")) == {"next": None}
    assert_error(alice.post("/api/undo"), 409, "nothing_to_undo")

    alice.ok(alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 1000}))
    assert alice.ok(alice.get("/api/undo")) == {"next": {"label": "Answer Card", "undoable": True}}
    undone = alice.ok(alice.post("/api/undo"))
    assert undone == {"label": "Answer Card", "card_id": card_id, "cards": 1, "notes": 0}
    assert alice.ok(alice.get(f"/api/review/{deck_id}"))["counts"]["new"] == 1
    assert_error(alice.post("/api/undo"), 409, "nothing_to_undo")


def test_an_edit_is_one_step_and_its_new_cards_go_with_it(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Cloze")
    types = alice.ok(alice.get("/api/notetypes"))["notetypes"]
    cloze = next(nt["id"] for nt in types if nt["name"] == "Cloze")
    body = {"notetype_id": cloze, "deck_id": deck_id, "fields": ["{{c1::Paris}} is in France", ""]}
    note_id = alice.ok(alice.post("/api/notes", body), 201)["id"]
    [card_id] = alice.ok(alice.get(f"/api/notes/{note_id}"))["card_ids"]
    alice.ok(alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 1000}))

    edit = {"fields": ["{{c1::Paris}} is in {{c2::France}}", ""], "tags": ["geo"]}
    alice.ok(alice.put(f"/api/notes/{note_id}", edit))
    assert len(alice.ok(alice.get(f"/api/notes/{note_id}"))["card_ids"]) == 2
    assert alice.ok(alice.get("/api/undo"))["next"] == {"label": "Update Note", "undoable": True}
    undone = alice.ok(alice.post("/api/undo"))
    assert (undone["label"], undone["notes"]) == ("Update Note", 1)
    note = alice.ok(alice.get(f"/api/notes/{note_id}"))
    assert note["fields"][0] == "{{c1::Paris}} is in France" and note["tags"] == []
    assert note["card_ids"] == [card_id]
    # the answer before the edit is still there, the next step back
    assert alice.ok(alice.post("/api/undo"))["label"] == "Answer Card"


def test_undoing_an_action_on_one_card_names_that_card(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Study")
    first, second = (alice.new_card(deck_id, f"q{i}", "a") for i in range(2))
    alice.ok(alice.post("/api/cards/bury", {"card_ids": [second]}))
    alice.ok(alice.post("/api/cards/flag", {"card_ids": [first, second], "flag": 2}))
    # several cards: no one card to show again
    assert alice.ok(alice.post("/api/undo"))["card_id"] is None
    # the review page, opened afresh, shows the buried card again after undoing its burial
    assert alice.ok(alice.post("/api/undo")) == {
        "label": "Bury Card",
        "card_id": second,
        "cards": 1,
        "notes": 0,
    }


def _reversed_notes(alice: ApiUser, deck_id: int, count: int) -> None:
    types = alice.ok(alice.get("/api/notetypes"))["notetypes"]
    reversed_type = next(nt["id"] for nt in types if nt["name"] == "Basic (and reversed card)")
    for i in range(count):
        body = {"notetype_id": reversed_type, "deck_id": deck_id, "fields": [f"q{i}", f"a{i}"]}
        alice.ok(alice.post("/api/notes", body), 201)


@pytest.mark.parametrize(
    ("path", "body", "label"),
    [
        ("/api/cards/bury", {"scope": "notes"}, "Bury Note"),
        ("/api/cards/suspend", {"scope": "notes"}, "Suspend Note"),
        ("/api/cards/delete-notes", {}, "Delete Note"),
    ],
)
@pytest.mark.parametrize("undo_path", ["/api/undo", "/api/review/undo"])
def test_undoing_a_note_action_as_the_first_of_a_review_shows_that_card_again(
    alice: ApiUser, path: str, body: dict[str, Any], label: str, undo_path: str
) -> None:
    """As in Anki's reviewer: the card on screen when its note was buried (suspended,
    deleted) comes back as the next card, though the step changed its siblings too."""
    deck_id = alice.new_deck("Pairs")
    _reversed_notes(alice, deck_id, 3)
    alice.ok(alice.post("/api/session/start"))
    before = [c["card_id"] for c in alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]]
    shown = before[0]
    alice.ok(alice.post(path, {**body, "card_ids": [shown]}))
    assert shown not in [
        c["card_id"] for c in alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]
    ]
    assert alice.ok(alice.get("/api/undo"))["next"]["label"] == label
    assert alice.ok(alice.post(undo_path))["card_id"] == shown
    after = [c["card_id"] for c in alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]]
    assert after == before
