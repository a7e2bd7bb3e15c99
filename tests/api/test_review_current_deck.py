"""Studying a deck makes it the collection's current deck, so the Add screen starts on it
(Anki's rule: ``col.decks.select`` when a deck is opened for review)."""

from __future__ import annotations

from tests.api.conftest import ApiUser, assert_error


def test_starting_a_review_makes_the_deck_the_add_screens_deck(alice: ApiUser) -> None:
    spanish = alice.new_deck("Spanish")
    german = alice.new_deck("German")
    alice.new_card(german)
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == 1

    alice.ok(alice.get(f"/api/review/{spanish}"))
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == spanish

    studied = alice.ok(alice.get(f"/api/review/{german}"))
    assert len(studied["cards"]) == 1
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == german


def test_studying_a_missing_deck_leaves_the_current_deck(alice: ApiUser) -> None:
    spanish = alice.new_deck("Spanish")
    alice.ok(alice.get(f"/api/review/{spanish}"))
    assert_error(alice.get("/api/review/987654"), 404)
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == spanish


def test_after_studying_a_filtered_deck_the_add_screen_starts_on_default(
    alice: ApiUser,
) -> None:
    spanish = alice.new_deck("Spanish")
    alice.new_card(spanish)
    alice.ok(alice.get(f"/api/review/{spanish}"))
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == spanish
    body = {"name": "Cram", "search": "deck:Spanish", "limit": 10, "order": "order_due"}
    cram = alice.ok(alice.post("/api/decks/filtered", body), 201)["id"]
    assert len(alice.ok(alice.get(f"/api/review/{cram}"))["cards"]) == 1
    # Anki's rule: a filtered deck takes no new notes, so the Add screen falls back to Default.
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == 1
