"""Every route: the happy path, token problems, another user's ids, and bad input."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import jwt
import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services
from tests.api.conftest import ApiUser, assert_error

# Well-formed and unexpired, but signed with another key.
FORGED_TOKEN = jwt.encode(
    {"sub": "x", "username": "alice", "type": "access", "exp": 4102444800},
    "not-the-servers-secret-but-long-enough",
    algorithm="HS256",
)

# (method, path) of every route that needs a token; ids are filled in by ``owned_ids``.
PROTECTED = [
    ("POST", "/refresh"),
    ("POST", "/api/session/start"),
    ("POST", "/api/session/flush"),
    ("GET", "/api/session/status"),
    ("GET", "/api/decks"),
    ("POST", "/api/decks"),
    ("GET", "/api/decks/{deck_id}"),
    ("PUT", "/api/decks/{deck_id}"),
    ("DELETE", "/api/decks/{deck_id}"),
    ("GET", "/api/notetypes"),
    ("POST", "/api/notes"),
    ("GET", "/api/notes/{note_id}"),
    ("PUT", "/api/notes/{note_id}"),
    ("DELETE", "/api/notes/{note_id}"),
    ("GET", "/api/cards"),
    ("POST", "/api/cards"),
    ("POST", "/api/cards/suspend"),
    ("POST", "/api/cards/unsuspend"),
    ("POST", "/api/cards/move"),
    ("POST", "/api/cards/flag"),
    ("POST", "/api/cards/tag"),
    ("GET", "/api/review/{deck_id}"),
    ("POST", "/api/review"),
    ("POST", "/api/review/undo"),
    ("GET", "/api/stats"),
    ("GET", "/api/media/{media}"),
    ("POST", "/api/import"),
    ("GET", "/api/import/{job_id}"),
    ("GET", "/api/export"),
]


def owned_ids(user: ApiUser) -> dict[str, Any]:
    deck_id = user.new_deck("Owned")
    created = user.ok(user.post("/api/cards", {"deck_id": deck_id, "front": "q", "back": "a"}), 201)
    return {
        "deck_id": deck_id,
        "note_id": created["note_id"],
        "card_id": created["card_id"],
        "media": "pic.png",
        "job_id": "imp_" + "0" * 24,
    }


def test_every_protected_route_is_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    for method, path in PROTECTED:
        openapi_path = path.replace("{media}", "{name}")
        assert (method, openapi_path) in documented, (method, path)
        if path.startswith("/api/"):
            operation = spec["paths"][openapi_path][method.lower()]
            assert operation["security"] == [{"BearerAuth": []}]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        f"Bearer {FORGED_TOKEN}",
    ],
    ids=["missing", "empty", "garbage", "basic", "forged"],
)
def test_routes_refuse_missing_or_forged_tokens(
    client: FlaskClient, method: str, path: str, authorization: str | None
) -> None:
    url = path.format(deck_id=1, note_id=1, card_id=1, media="x.png", job_id="imp_" + "0" * 24)
    headers = {"Authorization": authorization} if authorization else {}
    response = client.open(url, method=method, json={}, headers=headers)
    assert_error(response, 401)
    assert "X-Session-ID" not in response.headers


def test_a_token_signed_with_the_right_key_but_no_username_is_refused(
    app: APIFlask, client: FlaskClient
) -> None:
    from flask_jwt_extended import create_access_token

    with app.app_context():
        token = create_access_token(identity="someone")
    assert_error(client.get("/api/decks", headers={"Authorization": f"Bearer {token}"}), 401)


def _cross_user_requests(ids: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/api/decks/{ids['deck_id']}", None),
        ("PUT", f"/api/decks/{ids['deck_id']}", {"name": "stolen"}),
        ("DELETE", f"/api/decks/{ids['deck_id']}", None),
        ("GET", f"/api/notes/{ids['note_id']}", None),
        ("PUT", f"/api/notes/{ids['note_id']}", {"fields": ["x", "y"]}),
        ("DELETE", f"/api/notes/{ids['note_id']}", None),
        ("POST", "/api/cards", {"deck_id": ids["deck_id"], "front": "x", "back": "y"}),
        ("POST", "/api/notes", {"notetype_id": 1, "deck_id": ids["deck_id"], "fields": ["x"]}),
        ("POST", "/api/cards/suspend", {"card_ids": [ids["card_id"]]}),
        ("POST", "/api/cards/unsuspend", {"card_ids": [ids["card_id"]]}),
        ("POST", "/api/cards/move", {"card_ids": [ids["card_id"]], "deck_id": 1}),
        ("POST", "/api/cards/flag", {"card_ids": [ids["card_id"]], "flag": 1}),
        ("POST", "/api/cards/tag", {"card_ids": [ids["card_id"]], "add": ["x"]}),
        ("GET", f"/api/review/{ids['deck_id']}", None),
        ("POST", "/api/review", {"card_id": ids["card_id"], "rating": 3, "time_ms": 10}),
        ("GET", f"/api/stats?deck_id={ids['deck_id']}", None),
        ("GET", f"/api/export?deck_id={ids['deck_id']}", None),
        ("GET", f"/api/cards?deck_id={ids['deck_id']}", None),
        ("GET", f"/api/media/{ids['media']}", None),
        ("GET", f"/api/import/{ids['job_id']}", None),
    ]


def test_another_users_ids_are_not_found_and_nothing_leaks(
    app: APIFlask, alice: ApiUser, bob: ApiUser
) -> None:
    ids = owned_ids(alice)
    app_services(app).engine.media(app_services(app).meta.get_user("alice").user_id).put(  # type: ignore[union-attr]
        "pic.png", b"\x89PNG alice's picture"
    )
    before = alice.ok(alice.get(f"/api/notes/{ids['note_id']}"))
    for method, path, body in _cross_user_requests(ids):
        response = bob.call(method, path, json=body)
        assert response.status_code == 404, (method, path, response.get_data()[:300])
        assert "alice" not in response.get_data(as_text=True)
        assert "q" not in (response.get_json() or {}).get("error", {}).get("details", {})
    # Alice's things are untouched.
    assert alice.ok(alice.get(f"/api/notes/{ids['note_id']}")) == before
    assert alice.ok(alice.get(f"/api/decks/{ids['deck_id']}"))["name"] == "Owned"
    assert alice.get("/api/media/pic.png").data == b"\x89PNG alice's picture"
    # Bob's own collection shows none of Alice's decks or cards.
    assert "Owned" not in str(bob.ok(bob.get("/api/decks")))
    assert bob.ok(bob.get("/api/cards"))["total"] == 0


def test_flushing_another_users_session_is_404(alice: ApiUser, bob: ApiUser) -> None:
    alice.ok(alice.post("/api/session/start"))
    assert alice.session_id
    response = bob.post("/api/session/flush", {"session_id": alice.session_id})
    assert_error(response, 404, "session_not_found")
    status = alice.ok(alice.get("/api/session/status"))
    assert status["has_session"] and status["session_id"] == alice.session_id


def test_another_users_session_id_is_not_adopted(alice: ApiUser, bob: ApiUser) -> None:
    alice.ok(alice.post("/api/session/start"))
    bob.session_id = alice.session_id
    bob.ok(bob.get("/api/decks"))
    assert bob.session_id != alice.session_id


# ------------------------------------------------------------------ decks


def test_deck_crud_and_tree(alice: ApiUser) -> None:
    parent = alice.new_deck("Languages::Spanish")
    tree = alice.ok(alice.get("/api/decks"))["decks"]
    languages = next(d for d in tree if d["name"] == "Languages")
    assert [c["id"] for c in languages["children"]] == [parent]
    assert languages["children"][0]["basename"] == "Spanish"
    alice.new_card(parent)
    tree = alice.ok(alice.get("/api/decks"))["decks"]
    languages = next(d for d in tree if d["name"] == "Languages")
    assert languages["new"] == 1 and languages["children"][0]["new"] == 1

    deck = alice.ok(alice.get(f"/api/decks/{parent}"))
    assert deck["counts"] == {"new": 1, "learning": 0, "review": 0}
    assert deck["preset_id"] == 1

    renamed = alice.ok(
        alice.put(
            f"/api/decks/{parent}",
            {"name": "Languages::Español", "limits": {"new": 5}, "fsrs": True},
        )
    )
    assert renamed["name"] == "Languages::Español"
    assert renamed["limits"]["new"] == 5 and renamed["fsrs"] is True

    deleted = alice.ok(alice.delete(f"/api/decks/{parent}", query_string={"move_cards_to": 1}))
    assert deleted == {"deleted": parent}
    assert_error(alice.get(f"/api/decks/{parent}"), 404, "not_found")
    assert alice.ok(alice.get("/api/cards", query_string={"deck_id": 1}))["total"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/api/decks", {}, 422),
        ("POST", "/api/decks", {"name": ""}, 422),
        ("POST", "/api/decks", {"name": 7}, 422),
        ("POST", "/api/decks", {"name": "   "}, 400),
        ("POST", "/api/decks", {"name": "Default"}, 400),
        ("PUT", "/api/decks/1", {"limits": {"new": "many"}}, 422),
        ("PUT", "/api/decks/1", {"limits": {"nonsense": 1}}, 422),
        ("PUT", "/api/presets/1", {"maximum_review_interval": 10**12}, 422),
        ("PUT", "/api/decks/1", {"preset_id": 424242}, 404),
        ("DELETE", "/api/decks/1", None, 400),
        ("GET", "/api/decks/0", None, 404),
        ("GET", "/api/decks/99999999999999999999999", None, 404),
        ("GET", "/api/decks/-5", None, 404),
        ("GET", "/api/decks/abc", None, 404),
    ],
)
def test_deck_bad_input(alice: ApiUser, method: str, path: str, body: Any, status: int) -> None:
    assert_error(alice.call(method, path, json=body), status)


# ------------------------------------------------------------------ notes and cards


def test_note_lifecycle_with_cloze_and_tags(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Cloze deck")
    notetypes = alice.ok(alice.get("/api/notetypes"))["notetypes"]
    cloze = next(nt for nt in notetypes if nt["is_cloze"])
    assert cloze["fields"] == ["Text", "Back Extra"]
    created = alice.ok(
        alice.post(
            "/api/notes",
            {
                "notetype_id": cloze["id"],
                "deck_id": deck_id,
                "fields": ["{{c1::Paris}} is in France", ""],
                "tags": ["geo"],
            },
        ),
        201,
    )
    assert len(created["card_ids"]) == 1
    note = alice.ok(
        alice.put(
            f"/api/notes/{created['id']}",
            {
                "fields_by_name": {"Text": "{{c1::Paris}} is in {{c2::France}}"},
                "tags": ["geo", "eu"],
            },
        )
    )
    assert len(note["card_ids"]) == 2 and note["tags"] == ["eu", "geo"]  # sorted as Anki
    assert note["deck_id"] == deck_id and note["notetype"] == cloze["name"]
    assert alice.ok(alice.delete(f"/api/notes/{created['id']}")) == {"deleted": created["id"]}
    assert_error(alice.get(f"/api/notes/{created['id']}"), 404)
    assert alice.ok(alice.get("/api/cards", query_string={"deck_id": deck_id}))["total"] == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"notetype_id": 1, "deck_id": 1, "fields": ["a", "b"]}, 404),
        ({"deck_id": 1, "fields": ["a"]}, 422),
        ({"notetype_id": "x", "deck_id": 1, "fields": ["a"]}, 422),
        ({"notetype_id": 1, "deck_id": 1}, 400),
        ({"notetype_id": 1, "deck_id": 1, "fields": "ab"}, 422),
        ({"notetype_id": 1, "deck_id": 1, "fields": [1, 2]}, 422),
        ({"notetype_id": 1, "deck_id": 1, "fields": []}, 422),
        ({"notetype_id": 1, "deck_id": 1, "fields": ["a"], "tags": "t"}, 422),
    ],
)
def test_note_bad_input(alice: ApiUser, body: dict[str, Any], status: int) -> None:
    assert_error(alice.post("/api/notes", body), status)


def test_note_with_empty_first_field_or_bad_deck(alice: ApiUser) -> None:
    basic = next(
        nt for nt in alice.ok(alice.get("/api/notetypes"))["notetypes"] if nt["name"] == "Basic"
    )
    body = {"notetype_id": basic["id"], "deck_id": 1, "fields": ["", "back"]}
    assert_error(alice.post("/api/notes", body), 400, "invalid_request")
    body = {"notetype_id": basic["id"], "deck_id": 123456, "fields": ["a", "b"]}
    assert_error(alice.post("/api/notes", body), 404)
    body = {"notetype_id": basic["id"], "deck_id": 1, "fields": ["a\x1fb", "b"]}
    assert_error(alice.post("/api/notes", body), 400)


def test_card_search_selection_actions(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Browse")
    other = alice.new_deck("Other")
    ids = [alice.new_card(deck_id, f"word {i}", f"meaning {i}") for i in range(3)]
    page = alice.ok(alice.get("/api/cards", query_string={"q": "word", "page_size": 2}))
    assert page["total"] == 3 and len(page["cards"]) == 2 and page["page_size"] == 2
    page2 = alice.ok(alice.get("/api/cards", query_string={"q": "word", "page_size": 2, "page": 2}))
    assert len(page2["cards"]) == 1

    assert alice.ok(alice.post("/api/cards/suspend", {"card_ids": ids[:2]}))["updated"] == 2
    suspended = alice.ok(alice.get("/api/cards", query_string={"q": "is:suspended"}))
    assert sorted(c["card_id"] for c in suspended["cards"]) == sorted(ids[:2])
    assert all(c["suspended"] for c in suspended["cards"])
    alice.ok(alice.post("/api/cards/unsuspend", {"card_ids": ids[:1]}))
    assert alice.ok(alice.get("/api/cards", query_string={"q": "is:suspended"}))["total"] == 1

    alice.ok(alice.post("/api/cards/move", {"card_ids": [ids[2]], "deck_id": other}))
    assert alice.ok(alice.get("/api/cards", query_string={"deck_id": other}))["total"] == 1
    alice.ok(alice.post("/api/cards/flag", {"card_ids": [ids[0]], "flag": 3}))
    assert alice.ok(alice.get("/api/cards", query_string={"q": "flag:3"}))["total"] == 1
    alice.ok(alice.post("/api/cards/tag", {"card_ids": ids, "add": ["vocab", "lesson1"]}))
    alice.ok(alice.post("/api/cards/tag", {"card_ids": [ids[0]], "remove": ["lesson1"]}))
    assert alice.ok(alice.get("/api/cards", query_string={"q": "tag:lesson1"}))["total"] == 2
    assert alice.ok(alice.get("/api/cards", query_string={"q": "tag:vocab"}))["total"] == 3


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "status"),
    [
        ("GET", "/api/cards", None, {"q": "prop:ivl>"}, 400),
        ("GET", "/api/cards", None, {"q": "(unbalanced"}, 400),
        ("GET", "/api/cards", None, {"page": 0}, 422),
        ("GET", "/api/cards", None, {"page": "two"}, 422),
        ("GET", "/api/cards", None, {"deck_id": 424242}, 404),
        ("GET", "/api/cards", None, {"order": "nonsense"}, 400),
        ("POST", "/api/cards", {"deck_id": 1, "back": "x"}, None, 422),
        ("POST", "/api/cards", {"deck_id": "1", "front": "x"}, None, 422),
        ("POST", "/api/cards", {"deck_id": 1.5, "front": "x"}, None, 422),
        ("POST", "/api/cards", {"deck_id": 2**64, "front": "x"}, None, 422),
        ("POST", "/api/cards", {"deck_id": 424242, "front": "x"}, None, 404),
        ("POST", "/api/cards/suspend", {"card_ids": []}, None, 422),
        ("POST", "/api/cards/suspend", {"card_ids": "1"}, None, 422),
        ("POST", "/api/cards/suspend", {"card_ids": [424242]}, None, 404),
        ("POST", "/api/cards/move", {"card_ids": [1]}, None, 422),
        ("POST", "/api/cards/flag", {"card_ids": [1], "flag": 9}, None, 422),
        ("POST", "/api/cards/tag", {"card_ids": [424242], "add": ["x"]}, None, 404),
    ],
)
def test_card_bad_input(
    alice: ApiUser,
    method: str,
    path: str,
    body: Any,
    query: dict[str, Any] | None,
    status: int,
) -> None:
    assert_error(alice.call(method, path, json=body, query_string=query), status)


# ------------------------------------------------------------------ review and stats


def test_review_queue_answer_and_undo(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Study")
    card_id = alice.new_card(deck_id, "<b>perro</b>", "dog")
    queue = alice.ok(alice.get(f"/api/review/{deck_id}"))
    assert queue["counts"] == {"new": 1, "learning": 0, "review": 0}
    [card] = queue["cards"]
    assert card["card_id"] == card_id and card["kind"] == "new"
    assert "<b>perro</b>" in card["question"] and "dog" in card["answer"]
    assert len(card["intervals"]) == 4 and all(card["intervals"])
    assert card["interval_seconds"] == sorted(card["interval_seconds"])

    answered = alice.ok(
        alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 4200})
    )
    # learning (queue 1), or interday learning (3) when its step passes the day's rollover
    assert answered["card_id"] == card_id and answered["queue"] in (1, 3)
    queue = alice.ok(alice.get(f"/api/review/{deck_id}"))
    assert queue["counts"]["new"] == 0
    assert alice.ok(alice.post("/api/review/undo", {})) == {"card_id": card_id}
    assert alice.ok(alice.get(f"/api/review/{deck_id}"))["counts"]["new"] == 1
    assert alice.ok(alice.post("/api/review/undo", {})) == {"card_id": None}


@pytest.mark.parametrize(
    "body",
    [
        {"card_id": 1, "rating": 0, "time_ms": 1},
        {"card_id": 1, "rating": 5, "time_ms": 1},
        {"card_id": 1, "rating": "3", "time_ms": 1},
        {"card_id": 1, "rating": 2.5, "time_ms": 1},
        {"card_id": 1, "rating": 3, "time_ms": -1},
        {"rating": 3, "time_ms": 1},
        {"card_id": None, "rating": 3},
    ],
)
def test_review_bad_input_is_422(alice: ApiUser, body: dict[str, Any]) -> None:
    assert_error(alice.post("/api/review", body), 422, "validation_error")


def test_review_unknown_card_or_deck_is_404(alice: ApiUser) -> None:
    assert_error(alice.post("/api/review", {"card_id": 424242, "rating": 3, "time_ms": 1}), 404)
    assert_error(alice.get("/api/review/424242"), 404)
    assert_error(alice.get("/api/review/1", query_string={"limit": 0}), 422)


def test_stats_for_collection_and_deck(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Stats")
    card_id = alice.new_card(deck_id)
    alice.ok(alice.post("/api/review", {"card_id": card_id, "rating": 3, "time_ms": 1000}))
    stats = alice.ok(alice.get("/api/stats", query_string={"days": 7}))
    assert stats["today"]["reviews"] == 1 if "reviews" in stats["today"] else stats["today"]
    assert stats["card_counts"]
    scoped = alice.ok(alice.get("/api/stats", query_string={"deck_id": deck_id}))
    assert scoped["due_counts"][0]["deck_id"] == deck_id
    assert_error(alice.get("/api/stats", query_string={"days": 0}), 422)
    assert_error(alice.get("/api/stats", query_string={"deck_id": 424242}), 404)


# ------------------------------------------------------------------ media


def test_media_is_served_with_safe_headers(app: APIFlask, alice: ApiUser) -> None:
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    app_services(app).engine.media(user.user_id).put("page.svg", b"<svg><script>x</script></svg>")
    response = alice.get("/api/media/page.svg")
    assert response.status_code == 200 and response.data.startswith(b"<svg")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert_error(alice.get("/api/media/missing.png"), 404)
    assert_error(alice.get("/api/media/..%2Fsecret"), 404)


def test_media_named_in_nfd_finds_the_nfc_file(app: APIFlask, alice: ApiUser) -> None:
    """Anki stores media under NFC names; a note typed on macOS may refer to it in NFD."""
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    app_services(app).engine.media(user.user_id).put("espa\u00f1a.png", b"png bytes")
    response = alice.get(quote("/api/media/espan\u0303a.png"))
    assert response.status_code == 200 and response.data == b"png bytes"
    assert_error(alice.get(quote("/api/media/franc\u0327e.png")), 404)


def test_deck_options_as_the_web_app_saves_them(alice: ApiUser) -> None:
    deck_id = alice.new_deck("Options")
    preset_id = alice.ok(alice.get(f"/api/decks/{deck_id}"))["preset_id"]
    config = alice.ok(
        alice.put(
            f"/api/presets/{preset_id}",
            {
                "new_per_day": 15,
                "learn_steps": [1, 10, 60],
                "reviews_per_day": 150,
                "relearn_steps": [5],
                "desired_retention": 0.85,
            },
        )
    )
    saved = alice.ok(alice.put(f"/api/decks/{deck_id}", {"fsrs": False}))
    assert config["new_per_day"] == 15 and config["learn_steps"] == [1, 10, 60]
    assert config["reviews_per_day"] == 150 and config["relearn_steps"] == [5]
    assert config["desired_retention"] == 0.85 and saved["fsrs"] is False
