"""The card action routes over HTTP: each changes what Anki would (the rules themselves are
checked against the anki package in tests/collection/test_card_actions.py), is one undo step,
and refuses bad input with a clear 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ApiUser, assert_error


def _cards(user: ApiUser, deck_id: int) -> dict[int, dict[str, Any]]:
    page = user.ok(user.get("/api/cards", query_string={"deck_id": deck_id, "page_size": 100}))
    return {row["card_id"]: row for row in page["cards"]}


def test_bury_forget_set_due_reposition_mark_and_undo_each(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Study")
    a, b, c = (alice.new_card(deck_id, f"q{i}", f"a{i}") for i in range(3))
    assert alice.ok(alice.post("/api/cards/bury", {"card_ids": [a]})) == {
        "card_ids": [a],
        "changed": 1,
    }
    assert _cards(alice, deck_id)[a]["queue"] == -3
    assert alice.ok(alice.get(f"/api/review/{deck_id}"))["counts"]["new"] == 2
    alice.ok(alice.post("/api/cards/set-due", {"card_ids": [b], "days": "3!"}))
    row = _cards(alice, deck_id)[b]
    assert (row["type"], row["queue"], row["ivl"]) == (2, 2, 3)
    alice.ok(alice.post("/api/cards/forget", {"card_ids": [b], "reset_counts": True}))
    assert _cards(alice, deck_id)[b]["type"] == 0
    moved = alice.ok(alice.post("/api/cards/reposition", {"card_ids": [c], "start": 0}))
    assert moved["changed"] == 1 and _cards(alice, deck_id)[c]["due"] == 0
    marked = alice.ok(alice.post("/api/cards/mark", {"card_ids": [c]}))
    assert marked["marked"] is True and "marked" in _cards(alice, deck_id)[c]["tags"]
    alice.ok(alice.post("/api/cards/flag", {"card_ids": [c], "flag": 4}))

    labels = [alice.ok(alice.post("/api/undo"))["label"] for _ in range(6)]
    assert labels == [
        "Flag Card",
        "Toggle Mark",
        "Reposition",
        "Forget",
        "Set Due Date",
        "Bury Card",
    ]
    rows = _cards(alice, deck_id)
    assert all(r["queue"] == 0 and r["type"] == 0 and r["flags"] == 0 for r in rows.values())
    assert rows[c]["tags"] == []


def test_bury_note_suspend_note_unbury_and_deck_unbury(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Pairs")
    basic_note = alice.ok(alice.post("/api/cards", {"deck_id": deck_id, "front": "x"}), 201)
    basic_id = alice.ok(alice.get(f"/api/notes/{basic_note['note_id']}"))["notetype_id"]
    alice.ok(alice.post("/api/cards/delete-notes", {"card_ids": [basic_note["card_id"]]}))
    reversed_id = basic_id + 1  # the stock types are made in Anki's order, ids one apart
    note = alice.ok(
        alice.post(
            "/api/notes",
            {"notetype_id": reversed_id, "deck_id": deck_id, "fields": ["uno", "one"]},
        ),
        201,
    )
    front, back = sorted(_cards(alice, deck_id))
    buried = alice.ok(alice.post("/api/cards/bury", {"card_ids": [front], "scope": "notes"}))
    assert buried == {"card_ids": [front, back], "changed": 2}
    assert alice.ok(alice.post(f"/api/decks/{deck_id}/unbury", {}))["changed"] == 2
    assert {r["queue"] for r in _cards(alice, deck_id).values()} == {0}
    alice.ok(alice.post("/api/cards/suspend", {"card_ids": [back], "scope": "notes"}))
    assert {r["queue"] for r in _cards(alice, deck_id).values()} == {-1}
    assert alice.ok(alice.post("/api/cards/unbury", {"card_ids": [front]}))["changed"] == 1
    deleted = alice.ok(alice.post("/api/cards/delete-notes", {"card_ids": [front]}))
    assert deleted["cards"] == 2 and _cards(alice, deck_id) == {}
    assert alice.ok(alice.post("/api/undo"))["label"] == "Delete Note"
    assert len(_cards(alice, deck_id)) == 2
    assert note


def test_card_info(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Info")
    card_id = alice.new_card(deck_id, "perro", "dog")
    alice.ok(alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 4000}))
    info = alice.ok(alice.get(f"/api/cards/{card_id}/info"))
    assert info["card_id"] == card_id and info["deck"] == "Info"
    assert info["notetype"] == "Basic" and info["card_type"] == "Card 1"
    assert info["reviews"] == 1 and info["total_secs"] == pytest.approx(4.0)
    [entry] = info["revlog"]
    assert entry["button_chosen"] == 3 and entry["review_kind"] == 0
    assert_error(alice.get("/api/cards/424242/info"), 404)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/cards/set-due", {"card_ids": [1], "days": "soon"}, 400),
        ("/api/cards/set-due", {"card_ids": [1]}, 422),
        ("/api/cards/bury", {"card_ids": [1], "scope": "deck"}, 422),
        ("/api/cards/bury", {"card_ids": []}, 422),
        ("/api/cards/reposition", {"card_ids": [1], "step": 0}, 422),
        ("/api/cards/forget", {"card_ids": ["x"]}, 422),
        ("/api/cards/mark", {"card_ids": [424242]}, 404),
        ("/api/decks/424242/unbury", {}, 404),
        ("/api/decks/1/unbury", {"mode": "both"}, 422),
    ],
)
def test_bad_input_is_refused(alice: ApiUser, path: str, body: dict[str, Any], status: int) -> None:
    if status == 400:
        deck_id = alice.new_deck("Bad")
        body = {**body, "card_ids": [alice.new_card(deck_id)]}
    assert_error(alice.post(path, body), status)


def test_review_cards_carry_the_presets_audio_options(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Listen")
    alice.new_card(deck_id, "[sound:hola.mp3]", "hello")
    [card] = alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]
    assert card["audio"] == {"autoplay": True, "replay_question": True}


def test_review_cards_carry_flag_mark_timer_and_auto_advance(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Timed")
    card_id = alice.new_card(deck_id, "gato", "cat")
    [card] = alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]
    assert (card["flag"], card["marked"]) == (0, False)
    assert card["deck_id"] == card["home_deck_id"] == deck_id
    # Anki's defaults: no timer shown, answers capped at 60 s, no auto advance
    assert card["timer"] == {"show": False, "stop_on_answer": False, "max_secs": 60}
    assert card["auto_advance"] == {
        "question_secs": 0.0,
        "answer_secs": 0.0,
        "wait_for_audio": True,
        "question_action": 0,
        "answer_action": 0,
    }
    preset_id = alice.ok(alice.get(f"/api/decks/{deck_id}"))["preset_id"]
    changes = {
        "show_timer": True,
        "cap_answer_time_to_secs": 30,
        "stop_timer_on_answer": True,
        "seconds_to_show_question": 2.5,
        "seconds_to_show_answer": 4,
        "answer_action": 2,
    }
    alice.ok(alice.put(f"/api/presets/{preset_id}", changes))
    alice.ok(alice.post("/api/cards/flag", {"card_ids": [card_id], "flag": 3}))
    alice.ok(alice.post("/api/cards/mark", {"card_ids": [card_id]}))
    [card] = alice.ok(alice.get(f"/api/review/{deck_id}"))["cards"]
    assert (card["flag"], card["marked"]) == (3, True)
    assert card["timer"] == {"show": True, "stop_on_answer": True, "max_secs": 30}
    advance = card["auto_advance"]
    assert (advance["question_secs"], advance["answer_secs"], advance["answer_action"]) == (
        2.5,
        4.0,
        2,
    )


def test_the_reset_dialog_remembers_its_options_per_place(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Forget")
    card = alice.new_card(deck_id, "q", "a")
    start = {"restore_position": True, "reset_counts": False}
    assert alice.ok(alice.get("/api/cards/forget", query_string={"context": "reviewer"})) == start
    body = {"card_ids": [card], "restore_position": False, "reset_counts": True}
    alice.ok(alice.post("/api/cards/forget", {**body, "remember": "reviewer"}))
    chosen = {"restore_position": False, "reset_counts": True}
    assert alice.ok(alice.get("/api/cards/forget", query_string={"context": "reviewer"})) == chosen
    assert alice.ok(alice.get("/api/cards/forget", query_string={"context": "browser"})) == start
    alice.ok(alice.post("/api/cards/forget", body))  # without remember: nothing kept
    assert alice.ok(alice.get("/api/cards/forget", query_string={"context": "browser"})) == start
    assert_error(alice.get("/api/cards/forget", query_string={"context": "deck"}), 422)
    assert_error(alice.post("/api/cards/forget", {**body, "remember": "deck"}), 422)


def test_the_set_due_date_dialog_remembers_its_days(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Due")
    card = alice.new_card(deck_id, "q", "a")
    assert alice.ok(alice.get("/api/cards/set-due", query_string={"context": "reviewer"})) == {
        "days": "1"
    }
    body = {"card_ids": [card], "days": "3-7!", "remember": "reviewer"}
    alice.ok(alice.post("/api/cards/set-due", body))
    assert alice.ok(alice.get("/api/cards/set-due")) == {"days": "3-7!"}
    assert alice.ok(alice.get("/api/cards/set-due", query_string={"context": "browser"})) == {
        "days": "0"
    }
    assert_error(alice.post("/api/cards/set-due", {**body, "days": "soon"}), 400)
    assert alice.ok(alice.get("/api/cards/set-due")) == {"days": "3-7!"}
