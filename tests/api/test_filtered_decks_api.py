"""The filtered deck and custom study routes over HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import ApiUser, assert_error


def test_create_rebuild_empty_and_delete_a_filtered_deck(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    cards = [alice.new_card(home, front=f"hola {i}") for i in range(3)]
    body = {"name": "Cram", "search": "deck:Spanish", "limit": 2, "order": "order_added"}
    built = alice.ok(alice.post("/api/decks/filtered", body), 201)
    assert built["cards"] == 2
    did = built["id"]
    view = alice.ok(alice.get(f"/api/decks/{did}/filtered"))
    assert view["terms"] == [{"search": "deck:Spanish", "limit": 2, "order": 5}]
    shown = alice.ok(alice.get(f"/api/review/{did}"))["cards"][0]
    assert (shown["deck_id"], shown["home_deck_id"]) == (did, home)
    assert view["cards"] == 2 and view["reschedule"] is True
    names = {d["name"]: d for d in alice.ok(alice.get("/api/decks"))["decks"]}
    assert names["Cram"]["dyn"] is True and names["Cram"]["new"] == 2

    assert alice.ok(alice.post(f"/api/decks/{did}/empty"))["cards"] == 0
    assert alice.ok(alice.get(f"/api/decks/{did}/filtered"))["cards"] == 0
    assert alice.ok(alice.post(f"/api/decks/{did}/rebuild"))["cards"] == 2
    alice.ok(alice.delete(f"/api/decks/{did}"))
    spanish = alice.ok(alice.get(f"/api/decks/{home}"))
    assert spanish["counts"]["new"] == len(cards)


def test_bad_filtered_deck_input_is_a_clear_400(alice: ApiUser) -> None:
    alice.new_card(alice.new_deck("Spanish"))
    nothing = {"name": "Empty", "search": "tag:absent"}
    assert_error(alice.post("/api/decks/filtered", nothing), 400)
    assert_error(alice.post("/api/decks/filtered", {"name": "Bad", "search": "("}), 400)
    assert_error(alice.post("/api/decks/filtered", {"name": "X", "search": "", "order": "up"}), 422)
    assert_error(alice.post("/api/decks/1/rebuild"), 400)
    names = [d["name"] for d in alice.ok(alice.get("/api/decks"))["decks"]]
    assert "Empty" not in names and "Bad" not in names


def test_custom_study_modes(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    for i in range(25):
        alice.new_card(home, front=f"palabra {i}")
    before = alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"]
    defaults = alice.ok(alice.get(f"/api/decks/{home}/custom-study"))
    assert (defaults["available_new"], defaults["available_review"]) == (25, 0)
    assert defaults["tags"] == []
    raised = alice.ok(
        alice.post(f"/api/decks/{home}/custom-study", {"mode": "new_limit", "amount": 5})
    )
    assert raised["deck_id"] is None
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == before + 5
    assert alice.ok(alice.get(f"/api/decks/{home}/custom-study"))["extend_new"] == 5
    preview = alice.post(f"/api/decks/{home}/custom-study", {"mode": "preview_new", "amount": 1})
    session = alice.ok(preview)["deck_id"]
    view = alice.ok(alice.get(f"/api/decks/{session}/filtered"))
    assert view["name"] == "Custom Study Session" and view["cards"] == 25
    assert view["terms"][0]["search"] == "is:new added:1 deck:Spanish"
    assert view["reschedule"] is False
    assert_error(alice.get(f"/api/decks/{session}/custom-study"), 400)
    assert_error(
        alice.post(f"/api/decks/{home}/custom-study", {"mode": "forgotten", "amount": 1}), 400
    )
    assert_error(alice.post(f"/api/decks/{home}/custom-study", {"mode": "dance"}), 422)


def test_empty_and_rebuild_can_be_undone(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    for i in range(3):
        alice.new_card(home, front=f"hola {i}")
    did = alice.ok(
        alice.post("/api/decks/filtered", {"name": "Cram", "search": "deck:Spanish"}), 201
    )["id"]
    alice.ok(alice.post(f"/api/decks/{did}/empty"))
    assert alice.ok(alice.get(f"/api/decks/{did}/filtered"))["cards"] == 0
    alice.ok(alice.post("/api/undo"))
    assert alice.ok(alice.get(f"/api/decks/{did}/filtered"))["cards"] == 3


def test_the_dialog_edits_renames_and_each_build_is_undone(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    for i in range(6):
        alice.new_card(home, front=f"hola {i}")
    body = {"name": "Cram", "search": "deck:Spanish", "limit": 2}
    did = alice.ok(alice.post("/api/decks/filtered", body), 201)["id"]
    changed = {
        **body,
        "name": "Cramming",
        "limit": 3,
        "reschedule": False,
        "second_filter": {"search": "deck:Spanish", "limit": 1, "order": "latest_added_first"},
        "preview_again_secs": 30,
    }
    assert alice.ok(alice.put(f"/api/decks/{did}/filtered", changed))["cards"] == 4
    view = alice.ok(alice.get(f"/api/decks/{did}/filtered"))
    assert view["name"] == "Cramming" and view["reschedule"] is False
    assert [t["limit"] for t in view["terms"]] == [3, 1] and view["preview_again_secs"] == 30

    assert alice.ok(alice.post("/api/undo"))["label"] == "Build Deck"
    view = alice.ok(alice.get(f"/api/decks/{did}/filtered"))
    assert (view["name"], view["cards"], len(view["terms"])) == ("Cram", 2, 1)
    assert alice.ok(alice.post("/api/undo"))["label"] == "Build Deck"
    names = [d["name"] for d in alice.ok(alice.get("/api/decks"))["decks"]]
    assert "Cram" not in names
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == 6


def test_custom_study_is_undone_as_one_step(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    for i in range(25):
        alice.new_card(home, front=f"palabra {i}")
    alice.ok(alice.post(f"/api/decks/{home}/custom-study", {"mode": "new_limit", "amount": 5}))
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == 25
    assert alice.ok(alice.post("/api/undo"))["label"] == "Custom Study"
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == 20
    session = alice.ok(
        alice.post(f"/api/decks/{home}/custom-study", {"mode": "preview_new", "amount": 1})
    )["deck_id"]
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == 0
    assert alice.ok(alice.post("/api/undo"))["label"] == "Custom Study"
    assert session not in [d["id"] for d in alice.ok(alice.get("/api/decks"))["decks"]]
    assert alice.ok(alice.get(f"/api/decks/{home}"))["counts"]["new"] == 20


def test_custom_study_offers_the_decks_tags_and_remembers_the_choice(alice: ApiUser) -> None:
    home = alice.new_deck("Spanish")
    cards = [alice.new_card(home, front=f"verbo {i}") for i in range(3)]
    alice.ok(alice.post("/api/cards/tag", {"card_ids": cards[:2], "add": ["verbs"]}))
    alice.ok(alice.post("/api/cards/tag", {"card_ids": cards[2:], "add": ["Leech"]}))
    before = alice.ok(alice.get(f"/api/decks/{home}/custom-study"))["tags"]
    assert before == [
        {"name": "Leech", "include": False, "exclude": False},
        {"name": "verbs", "include": False, "exclude": False},
    ]
    body = {
        "mode": "cram",
        "cram_kind": "all",
        "tags_to_include": ["verbs"],
        "tags_to_exclude": ["Leech"],
    }
    session = alice.ok(alice.post(f"/api/decks/{home}/custom-study", body))["deck_id"]
    # as in Anki, the tags offered are those of the cards in the deck now
    assert [t["name"] for t in alice.ok(alice.get(f"/api/decks/{home}/custom-study"))["tags"]] == [
        "Leech"
    ]
    alice.ok(alice.post(f"/api/decks/{session}/empty"))
    after = alice.ok(alice.get(f"/api/decks/{home}/custom-study"))["tags"]
    assert after == [
        {"name": "Leech", "include": False, "exclude": True},
        {"name": "verbs", "include": True, "exclude": False},
    ]


def _anki_extend_defaults(tmp_path: Path, steps: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Anki's (extend_new, extend_review) for a fresh deck, then after each step."""
    from anki.collection import Collection as AnkiCollection
    from anki.scheduler_pb2 import CustomStudyRequest

    anki = AnkiCollection(str(tmp_path / "referee.anki2"))
    try:
        deck_id = anki.decks.id("Spanish")
        assert deck_id is not None
        seen = []
        for mode, amount in [("", 0), *steps]:
            if mode == "new_limit":
                anki.sched.custom_study(CustomStudyRequest(deck_id=deck_id, new_limit_delta=amount))
            elif mode == "review_limit":
                request = CustomStudyRequest(deck_id=deck_id, review_limit_delta=amount)
                anki.sched.custom_study(request)
            found = anki.sched.custom_study_defaults(deck_id)
            seen.append((found.extend_new, found.extend_review))
        return seen
    finally:
        anki.close()


def test_custom_study_increase_defaults_are_ankis(alice: ApiUser, tmp_path: Path) -> None:
    """The "increase by" values the dialog starts with: a fresh deck's, and the last positive
    increase of each limit afterwards (a decrease is not remembered), as Anki gives them."""
    steps = [("new_limit", 7), ("review_limit", 3), ("new_limit", -2), ("new_limit", 4)]
    home = alice.new_deck("Spanish")
    alice.new_card(home)
    ours = []
    for mode, amount in [("", 0), *steps]:
        if mode:
            body = {"mode": mode, "amount": amount}
            alice.ok(alice.post(f"/api/decks/{home}/custom-study", body))
        found = alice.ok(alice.get(f"/api/decks/{home}/custom-study"))
        ours.append((found["extend_new"], found["extend_review"]))
    assert ours == _anki_extend_defaults(tmp_path, steps)
    assert ours[0] == (0, 0) and ours[-1] == (4, 3)
