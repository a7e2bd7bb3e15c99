"""The shapes clients rely on (the web app, scripts, the load test), pinned."""

from __future__ import annotations

import io
import zipfile

from flask.testing import FlaskClient

from tests.api.conftest import ApiUser

CREDENTIALS = {"username": "contract", "password": "contract-password"}


def test_pinned_shapes(client: FlaskClient) -> None:
    registered = client.post("/register", json=CREDENTIALS)
    assert registered.status_code == 201

    login = client.post("/login", json=CREDENTIALS)
    assert login.status_code == 200
    tokens = login.get_json()
    assert isinstance(tokens["token"], str) and isinstance(tokens["refresh_token"], str)
    user = ApiUser(client, "contract", tokens["token"], tokens["refresh_token"])

    started = user.post("/api/session/start")
    assert started.status_code == 200
    session_id = started.get_json()["session_id"]
    assert isinstance(session_id, str) and started.headers["X-Session-ID"] == session_id

    deck = user.post("/api/decks", {"name": "Contract"})
    assert deck.status_code == 201 and isinstance(deck.get_json()["id"], int)
    deck_id = deck.get_json()["id"]

    card = user.post("/api/cards", {"deck_id": deck_id, "front": "front", "back": "back"})
    assert card.status_code == 201
    assert isinstance(card.get_json()["card_ids"], list) and card.get_json()["id"] > 0

    queue = user.get(f"/api/review/{deck_id}")
    assert queue.status_code == 200
    [queued] = queue.get_json()["cards"]
    assert {"card_id", "question", "answer", "intervals"} <= set(queued)
    assert isinstance(queued["intervals"], list) and len(queued["intervals"]) == 4

    answered = user.post(
        "/api/review", {"card_id": queued["card_id"], "rating": 3, "time_ms": 2500}
    )
    assert answered.status_code == 200 and answered.headers["X-Session-ID"] == session_id

    flushed = user.post("/api/session/flush", {"session_id": session_id})
    assert flushed.status_code == 200 and flushed.get_json()["success"] is True

    export = user.get("/api/export")
    assert export.status_code == 200
    with zipfile.ZipFile(io.BytesIO(export.data)) as package:
        assert "collection.anki2" in package.namelist()
    assert export.headers["X-Export-Revlog"] == "1"  # scheduling included by default


def test_session_flush_with_the_id_in_the_body_only(alice: ApiUser) -> None:
    """A client may send the session id in the flush's body only; that must be enough."""
    session_id = alice.ok(alice.post("/api/session/start"))["session_id"]
    alice.session_id = None
    assert alice.ok(alice.post("/api/session/flush", {"session_id": session_id}))["success"]


def test_openapi_document_and_docs_page(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.mimetype == "application/json"
    document = spec.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    error = document["components"]["schemas"]["ErrorSchema"]
    assert error["required"] == ["error"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.data
