"""POST /api/undo: the latest step, whatever it was, newest first; refusals are 409s."""

from __future__ import annotations

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
