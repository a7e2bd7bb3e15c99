"""The Add screen's API: defaults (current deck), duplicates, preview, tags."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ApiUser, assert_error


def notetype(user: ApiUser, name: str) -> dict[str, Any]:
    types = user.ok(user.get("/api/notetypes"))["notetypes"]
    found: dict[str, Any] = next(nt for nt in types if nt["name"] == name)
    return found


def add(user: ApiUser, nt: dict[str, Any], deck_id: int, fields: list[str], **extra: Any) -> int:
    body = {"notetype_id": nt["id"], "deck_id": deck_id, "fields": fields, **extra}
    note_id: int = user.ok(user.post("/api/notes", body), 201)["id"]
    return note_id


def test_add_screen_starts_on_the_deck_last_added_to(alice: ApiUser) -> None:
    first = alice.ok(alice.get("/api/notes/defaults"))
    assert first["deck_id"] == 1 and first["notetype_id"] is not None
    spanish = alice.new_deck("Spanish")
    cloze = notetype(alice, "Cloze")
    add(alice, cloze, spanish, ["{{c1::hola}}", ""])
    assert alice.ok(alice.get("/api/notes/defaults")) == {
        "deck_id": spanish,
        "notetype_id": cloze["id"],
    }
    alice.ok(alice.delete(f"/api/decks/{spanish}"))
    assert alice.ok(alice.get("/api/notes/defaults"))["deck_id"] == 1


def test_duplicates_compare_the_first_field_without_html_in_the_same_type(
    alice: ApiUser,
) -> None:
    deck = alice.new_deck("Words")
    basic = notetype(alice, "Basic")
    reversed_type = notetype(alice, "Basic (and reversed card)")
    original = add(alice, basic, deck, ["<b>perro</b>", "dog"])
    add(alice, reversed_type, deck, ["perro", "dog"])
    add(alice, basic, deck, ["perros", "dogs"])

    def dupes(fields: list[str], nt: dict[str, Any] = basic, **extra: Any) -> list[int]:
        body = {"notetype_id": nt["id"], "fields": fields, **extra}
        found: list[int] = alice.ok(alice.post("/api/notes/duplicates", body))["note_ids"]
        return found

    assert dupes(["perro", ""]) == [original]
    assert dupes(["<i>perro</i>", "other"]) == [original]
    assert dupes(["Perro", ""]) == []
    assert dupes(["", ""]) == []
    assert dupes(["<br>", ""]) == []
    assert dupes(["perro", ""], note_id=original) == []
    assert_error(alice.post("/api/notes/duplicates", {"notetype_id": 99, "fields": ["x"]}), 404)


def test_preview_renders_the_cards_review_would_show(alice: ApiUser) -> None:
    deck = alice.new_deck("Geo")
    cloze = notetype(alice, "Cloze")
    body = {"notetype_id": cloze["id"], "deck_id": deck, "fields": ["{{c1::Paris}} {{c2::France}}"]}
    cards = alice.ok(alice.post("/api/notes/preview", body))["cards"]
    assert [(c["ord"], c["name"]) for c in cards] == [(0, "Cloze 1"), (1, "Cloze 2")]
    assert "[...]" in cards[0]["question"] and "France" in cards[0]["question"]
    assert ".cloze" in cards[0]["css"]

    # the same note saved: review shows exactly the previewed HTML
    add(alice, cloze, deck, ["{{c1::Paris}} {{c2::France}}", ""])
    shown = alice.ok(alice.get(f"/api/review/{deck}"))["cards"]
    assert {c["question"] for c in shown} == {c["question"] for c in cards}
    assert {c["answer"] for c in shown} == {c["answer"] for c in cards}

    reversed_type = notetype(alice, "Basic (and reversed card)")
    both = alice.ok(
        alice.post("/api/notes/preview", {"notetype_id": reversed_type["id"], "fields": ["a", "b"]})
    )["cards"]
    assert [c["name"] for c in both] == ["Card 1", "Card 2"]
    assert both[1]["question"].strip().endswith("b")
    nothing = {"notetype_id": reversed_type["id"], "fields": ["", ""]}
    assert alice.ok(alice.post("/api/notes/preview", nothing))["cards"] == []
    too_many = {"notetype_id": reversed_type["id"], "fields": ["a", "b", "c"]}
    assert_error(alice.post("/api/notes/preview", too_many), 400)


def test_tags_are_listed_for_completion(alice: ApiUser) -> None:
    assert alice.ok(alice.get("/api/tags")) == {"tags": []}
    deck = alice.new_deck("Tagged")
    basic = notetype(alice, "Basic")
    add(alice, basic, deck, ["a", "b"], tags=["verbs", "Spanish::Chapter_1", "adj"])
    assert alice.ok(alice.get("/api/tags"))["tags"] == ["adj", "Spanish::Chapter_1", "verbs"]
