"""Fixtures for the HTTP API: the real app over real embedded stores (a blob folder and a SQLite
metastore in a temp dir), driven through Flask's test client, and users who register and log in
through the API itself."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from apiflask import APIFlask
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from javumbo.accounts import passwords
from javumbo.api.app import app_services, create_app
from javumbo.api.observability import REQUEST_LOGGER
from javumbo.settings import Settings

PASSWORD = "correct horse battery"


@dataclass
class ApiUser:
    """A logged-in user: sends its token and keeps the session id the server hands out."""

    client: FlaskClient
    username: str
    token: str
    refresh_token: str
    session_id: str | None = None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.session_id:
            headers["X-Session-ID"] = self.session_id
        headers.update(extra or {})
        return headers

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        response = self.client.open(
            path, method=method, json=json, headers=self.headers(headers), **kwargs
        )
        self.session_id = response.headers.get("X-Session-ID", self.session_id)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.call("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.call("DELETE", path, **kwargs)

    def ok(self, response: TestResponse, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.get_data()[:500])
        return response.get_json()

    def new_deck(self, name: str = "Deck") -> int:
        deck_id: int = self.ok(self.post("/api/decks", {"name": name}), 201)["id"]
        return deck_id

    def new_card(self, deck_id: int, front: str = "front", back: str = "back") -> int:
        body = {"deck_id": deck_id, "front": front, "back": back}
        card_id: int = self.ok(self.post("/api/cards", body), 201)["card_id"]
        return card_id


class RequestLog(logging.Handler):
    """Collects the request log lines, parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with the smallest cost: registering is then ~1 ms instead of ~100 ms.
    Hashes made with the production parameters verify the same way (they are in the hash)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app(data_dir: Path) -> Iterator[APIFlask]:
    app = create_app(Settings(data_dir=data_dir), in_lambda=False)
    app.testing = False  # errors must go through the app's handlers, as in production
    yield app
    app_services(app).close()


@pytest.fixture
def client(app: APIFlask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def request_log() -> Iterator[RequestLog]:
    handler = RequestLog()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def register_and_login(client: FlaskClient, username: str | None = None) -> ApiUser:
    username = username or f"u{uuid.uuid4().hex[:10]}"
    response = client.post("/register", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_data()
    response = client.post("/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_data()
    body = response.get_json()
    return ApiUser(client, username, body["token"], body["refresh_token"])


@pytest.fixture
def alice(client: FlaskClient) -> ApiUser:
    return register_and_login(client, "alice")


@pytest.fixture
def bob(client: FlaskClient) -> ApiUser:
    return register_and_login(client, "bob")


def assert_error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data()[:500])
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error
