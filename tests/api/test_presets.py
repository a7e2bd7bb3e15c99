"""Deck options presets over HTTP: list, add, clone, change, delete, a deck's preset and limits."""

from __future__ import annotations

from apiflask import APIFlask

from javumbo.api.app import app_services
from tests.api.conftest import ApiUser


def _presets(user: ApiUser) -> dict[str, dict[str, object]]:
    listed = user.ok(user.get("/api/presets"))["presets"]
    return {p["name"]: p for p in listed}


def test_default_preset_is_listed_with_anki_names_and_its_deck_count(alice: ApiUser) -> None:
    alice.new_deck("Spanish")
    default = _presets(alice)["Default"]
    assert default["id"] == 1
    assert default["use_count"] == 2  # Default deck + Spanish
    assert default["new_per_day"] == 20 and default["reviews_per_day"] == 200
    assert default["learn_steps"] == [1.0, 10.0] and default["relearn_steps"] == [10.0]
    assert default["initial_ease"] == 2.5 and default["new_card_insert_order"] == 0
    assert default["disable_autoplay"] is False and default["show_timer"] is False


def test_add_clone_change_and_assign_a_preset_with_its_subdecks(alice: ApiUser) -> None:
    parent = alice.new_deck("Spanish")
    child = alice.new_deck("Spanish::Verbs")
    created = alice.ok(
        alice.post("/api/presets", {"name": "Light", "new_per_day": 5, "learn_steps": [2, 30]}),
        201,
    )
    light = alice.ok(alice.get(f"/api/presets/{created['id']}"))
    assert light["new_per_day"] == 5 and light["learn_steps"] == [2.0, 30.0]
    assert light["reviews_per_day"] == 200 and light["use_count"] == 0

    clone = alice.ok(alice.post("/api/presets", {"name": "Light 2", "clone_of": light["id"]}), 201)
    cloned = alice.ok(alice.get(f"/api/presets/{clone['id']}"))
    assert cloned["new_per_day"] == 5 and cloned["learn_steps"] == [2.0, 30.0]

    changed = alice.ok(
        alice.put(
            f"/api/presets/{light['id']}",
            {"name": "Lighter", "new_per_day": 3, "review_order": 3, "bury_new": True},
        )
    )
    assert (changed["name"], changed["new_per_day"], changed["review_order"]) == ("Lighter", 3, 3)
    assert changed["bury_new"] is True

    deck = alice.ok(
        alice.put(f"/api/decks/{parent}", {"preset_id": light["id"], "apply_to_children": True})
    )
    assert deck["preset_id"] == light["id"]
    assert alice.ok(alice.get(f"/api/decks/{child}"))["preset_id"] == light["id"]
    assert _presets(alice)["Lighter"]["use_count"] == 2
    assert _presets(alice)["Default"]["use_count"] == 1


def test_deck_counts_follow_the_preset_and_the_deck_own_limits(alice: ApiUser) -> None:
    deck = alice.new_deck("Spanish")
    for i in range(8):
        alice.new_card(deck, f"q{i}", f"a{i}")
    assert alice.ok(alice.get(f"/api/decks/{deck}"))["counts"]["new"] == 8
    alice.ok(alice.put("/api/presets/1", {"new_per_day": 4}))
    assert alice.ok(alice.get(f"/api/decks/{deck}"))["counts"]["new"] == 4

    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"new": 6}}))
    assert view["counts"]["new"] == 6
    assert view["limits"]["new"] == 6 and view["limits"]["new_today"] is None
    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"new_today": 2}}))
    assert view["counts"]["new"] == 2
    assert view["limits"]["new_today"] == 2 and view["limits"]["new_today_active"] is True
    # cleared, today's limit is kept for next time but no longer applies
    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"new_today": None}}))
    assert view["counts"]["new"] == 6
    assert view["limits"]["new_today"] == 2 and view["limits"]["new_today_active"] is False
    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"new": None}}))
    assert view["counts"]["new"] == 4


def test_a_deck_takes_its_own_desired_retention_as_anki_stores_it(
    app: APIFlask, alice: ApiUser
) -> None:
    deck = alice.new_deck("Spanish")
    assert alice.ok(alice.get(f"/api/decks/{deck}"))["limits"]["desired_retention"] is None
    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"desired_retention": 0.83}}))
    assert view["limits"]["desired_retention"] == 0.83
    services = app_services(app)
    record = services.meta.get_user(alice.username)
    assert record is not None
    with services.engine.read(record.user_id) as col:
        assert col.decks[str(deck)]["desiredRetention"] == 83  # a percentage, as in Anki
    for bad in (0.5, 1.2, "high", True):
        refused = alice.put(f"/api/decks/{deck}", {"limits": {"desired_retention": bad}})
        assert refused.status_code == 422, bad
    view = alice.ok(alice.put(f"/api/decks/{deck}", {"limits": {"desired_retention": None}}))
    assert view["limits"]["desired_retention"] is None


def test_deleting_a_preset_moves_its_decks_to_default(alice: ApiUser) -> None:
    deck = alice.new_deck("Spanish")
    preset = alice.ok(alice.post("/api/presets", {"name": "Gone"}), 201)["id"]
    alice.ok(alice.put(f"/api/decks/{deck}", {"preset_id": preset}))
    assert alice.ok(alice.delete(f"/api/presets/{preset}")) == {"deleted": preset}
    assert alice.ok(alice.get(f"/api/decks/{deck}"))["preset_id"] == 1
    assert "Gone" not in _presets(alice)
    assert alice.get(f"/api/presets/{preset}").status_code == 404


def test_bad_preset_requests_are_refused_with_clear_codes(alice: ApiUser) -> None:
    refused = alice.delete("/api/presets/1")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "default_preset"
    for body in (
        {"new_per_day": -1},
        {"new_per_day": "many"},
        {"initial_ease": 1.0},
        {"review_order": 42},
        {"learn_steps": [0]},
        {"easy_days_percentages": [2.0]},
        {"name": ""},
        {"nonsense": 1},
    ):
        response = alice.put("/api/presets/1", body)
        assert response.status_code == 422, body
    short_week = alice.put("/api/presets/1", {"easy_days_percentages": [1.0, 0.5]})
    assert short_week.status_code == 400
    assert short_week.get_json()["error"]["code"] == "invalid_option"
    assert alice.put("/api/presets/424242", {"new_per_day": 1}).status_code == 404
    assert alice.post("/api/presets", {"name": "X", "clone_of": 424242}).status_code == 404
    assert alice.put("/api/decks/1", {"preset_id": 424242}).status_code == 404
    assert alice.put("/api/decks/1", {"limits": {"new": -3}}).status_code == 422
    assert _presets(alice)["Default"]["new_per_day"] == 20


def test_the_deck_list_says_when_to_hide_an_empty_default_deck(alice: ApiUser) -> None:
    def hidden() -> bool:
        listed = alice.ok(alice.get("/api/decks"))
        assert "Default" in [d["name"] for d in listed["decks"]]  # pickers still offer it
        return bool(listed["hide_default"])

    assert hidden() is False  # the only deck stays
    alice.new_deck("Spanish")
    assert hidden() is True
    alice.new_card(1)
    assert hidden() is False


def test_collection_limit_switches_change_the_counts(alice: ApiUser) -> None:
    deck = alice.new_deck("Spanish")
    for i in range(8):
        alice.new_card(deck, f"q{i}", f"a{i}")
    alice.ok(alice.put("/api/presets/1", {"reviews_per_day": 3}))
    view = alice.ok(alice.get(f"/api/decks/{deck}"))
    assert view["collection_options"] == {
        "new_cards_ignore_review_limit": False,
        "apply_all_parent_limits": False,
        "load_balancer": True,
    }
    assert view["counts"]["new"] == 3  # new cards stay within the review limit, as in v3
    view = alice.ok(
        alice.put(
            f"/api/decks/{deck}", {"collection_options": {"new_cards_ignore_review_limit": True}}
        )
    )
    assert view["counts"]["new"] == 8
    assert view["collection_options"]["new_cards_ignore_review_limit"] is True
    view = alice.ok(
        alice.put(f"/api/decks/{deck}", {"collection_options": {"load_balancer": False}})
    )
    assert view["collection_options"] == {
        "new_cards_ignore_review_limit": True,
        "apply_all_parent_limits": False,
        "load_balancer": False,
    }
    for options in ({"load_balancer": [1]}, {"sideways": True}):
        response = alice.put(f"/api/decks/{deck}", {"collection_options": options})
        assert response.status_code == 422, options
