"""Cards that ask for the answer to be typed, as the review queue serves them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import ApiUser

MARKER = '<span class="javumbo-typeans"></span>'


def notetype_id(user: ApiUser, name: str) -> int:
    notetypes = user.ok(user.get("/api/notetypes"))["notetypes"]
    found: int = next(nt["id"] for nt in notetypes if nt["name"] == name)
    return found


def queued_cards(user: ApiUser, deck_id: int) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = user.ok(user.get(f"/api/review/{deck_id}"))["cards"]
    return cards


def test_a_type_in_the_answer_card_keeps_its_answer_off_the_question(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Typing")
    note = {
        "notetype_id": notetype_id(alice, "Basic (type in the answer)"),
        "deck_id": deck_id,
        "fields": ["Capital of France?", "<b>Paris</b>&nbsp;city"],
    }
    alice.ok(alice.post("/api/notes", note), 201)
    [card] = queued_cards(alice, deck_id)
    assert "Capital of France?" in card["question"]
    assert "Paris" not in card["question"]
    assert card["question"].count(MARKER) == 1
    assert card["answer"].count(MARKER) == 1 and "Paris" not in card["answer"]
    assert card["typed_answer"] == {"field": "Back", "expected": "Paris city", "combining": True}


def test_other_cards_ask_nothing_to_type(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Plain")
    alice.new_card(deck_id, "hola", "hello")
    [card] = queued_cards(alice, deck_id)
    assert card["typed_answer"] is None
    assert "hello" in card["answer"] and MARKER not in card["answer"]


def test_the_openapi_document_describes_typed_answer(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    review_card = next(
        schema for schema in schemas.values() if "typed_answer" in schema.get("properties", {})
    )
    assert "typed_answer" in review_card["required"]
    typed = next(schema for name, schema in schemas.items() if name.startswith("TypedAnswer"))
    assert set(typed["required"]) == {"field", "expected", "combining"}
