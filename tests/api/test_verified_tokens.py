"""A token verified once is taken on its verdict by later requests, yet revocation and expiry
still apply to it on every request, and an app never trusts another app's verdicts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from javumbo.api import collection_handle, verified_tokens
from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings

from .conftest import ApiUser, assert_error, register_and_login


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per full verification of a token."""
    calls: list[int] = []
    real = collection_handle.verify_jwt_in_request

    def counting() -> None:
        calls.append(1)
        real()

    monkeypatch.setattr(collection_handle, "verify_jwt_in_request", counting)
    return calls


def test_a_token_is_verified_once_for_a_session_of_requests(
    client: FlaskClient, alice: ApiUser, verifications: list[int]
) -> None:
    for _ in range(5):
        assert client.get("/api/decks", headers=alice.headers()).status_code == 200
    assert len(verifications) == 1


def test_a_verified_token_is_refused_once_revoked(
    client: FlaskClient, alice: ApiUser, verifications: list[int]
) -> None:
    assert client.get("/api/decks", headers=alice.headers()).status_code == 200
    assert alice.post("/api/account/logout-all").status_code == 204
    assert_error(client.get("/api/decks", headers=alice.headers()), 401)
    assert len(verifications) >= 2  # the refusal came from a full verification


def test_a_recorded_token_is_no_longer_vouched_for_once_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = verified_tokens.VerifiedTokens()
    now = verified_tokens.time.time()
    tokens.note("t", {"exp": now + 60, "sub": "x", "username": "alice"})
    assert tokens.claims("t") is not None
    monkeypatch.setattr(verified_tokens.time, "time", lambda: now + 60)
    assert tokens.claims("t") is None


def test_a_token_without_expiry_is_never_recorded() -> None:
    tokens = verified_tokens.VerifiedTokens()
    tokens.note("t", {"sub": "x", "username": "alice"})
    assert tokens.claims("t") is None


def test_the_record_keeps_the_most_recently_used_tokens() -> None:
    tokens = verified_tokens.VerifiedTokens(max_tokens=2)
    far = verified_tokens.time.time() + 600
    for name in ("a", "b"):
        tokens.note(name, {"exp": far})
    assert tokens.claims("a") is not None  # a is now the most recent
    tokens.note("c", {"exp": far})
    assert tokens.claims("b") is None and tokens.claims("a") and tokens.claims("c")


def test_an_expired_token_gets_its_401_even_after_a_valid_one(
    app: APIFlask, client: FlaskClient, alice: ApiUser
) -> None:
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    with app.app_context():
        expired = create_access_token(
            identity=user.user_id,
            additional_claims={"username": "alice", "ver": 0},
            expires_delta=timedelta(seconds=-10),
        )
    assert client.get("/api/decks", headers=alice.headers()).status_code == 200
    assert_error(
        client.get("/api/decks", headers={"Authorization": f"Bearer {expired}"}),
        401,
        "token_expired",
    )


def test_another_app_does_not_take_a_token_on_this_apps_verdict(
    client: FlaskClient, alice: ApiUser, tmp_path: Path
) -> None:
    assert client.get("/api/decks", headers=alice.headers()).status_code == 200
    other = create_app(
        Settings(data_dir=tmp_path / "other", jwt_secret_key="another-secret-" + "y" * 40),
        in_lambda=False,
    )
    try:
        register_and_login(other.test_client(), "alice")
        response = other.test_client().get("/api/decks", headers=alice.headers())
        assert_error(response, 401)
    finally:
        app_services(other).close()
