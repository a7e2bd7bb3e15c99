from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token, create_refresh_token

from javumbo.api.app import app_services, create_app
from javumbo.api.auth import SECRET_FILE_NAME, verify_password
from javumbo.collection.clock import FixedClock
from javumbo.settings import Settings, SettingsError
from tests.api.conftest import PASSWORD, ApiUser, assert_error, register_and_login


def test_register_then_login_gives_access_and_refresh_tokens(client: FlaskClient) -> None:
    response = client.post("/register", json={"username": "Carol_1", "password": PASSWORD})
    assert response.status_code == 201
    assert response.get_json()["username"] == "carol_1"
    response = client.post("/login", json={"username": "CAROL_1", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token"] == body["access_token"] and body["refresh_token"] != body["token"]
    decks = client.get("/api/decks", headers={"Authorization": f"Bearer {body['token']}"})
    assert decks.status_code == 200


def test_password_is_stored_as_argon2id(app: APIFlask, client: FlaskClient) -> None:
    register_and_login(client, "dora")
    user = app_services(app).meta.get_user("dora")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD + "x")


def test_taken_username_is_409(client: FlaskClient, alice: ApiUser) -> None:
    response = client.post("/register", json={"username": "ALICE", "password": PASSWORD})
    assert_error(response, 409, "username_taken")


@pytest.mark.parametrize(
    "username", ["ab", "-alice", "a b c", "ali/ce", "ünïcode", "x" * 33, "..x", ""]
)
def test_bad_usernames_are_rejected(client: FlaskClient, username: str) -> None:
    response = client.post("/register", json={"username": username, "password": PASSWORD})
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


@pytest.mark.parametrize(
    "body",
    [
        {"username": "erin", "password": "short"},
        {"username": "erin"},
        {"password": PASSWORD},
        {"username": 5, "password": PASSWORD},
        {"username": "erin", "password": ["x" * 10]},
        [],
        "text",
    ],
)
def test_bad_registration_bodies_are_422(client: FlaskClient, body: object) -> None:
    assert_error(client.post("/register", json=body), 422, "validation_error")


def test_wrong_password_and_unknown_user_look_the_same(client: FlaskClient, alice: ApiUser) -> None:
    wrong = client.post("/login", json={"username": "alice", "password": "not the password"})
    unknown = client.post("/login", json={"username": "nobody", "password": PASSWORD})
    assert assert_error(wrong, 401, "invalid_credentials") == assert_error(
        unknown, 401, "invalid_credentials"
    )


def test_failed_logins_are_limited_per_user_and_client(client: FlaskClient, alice: ApiUser) -> None:
    for _ in range(5):
        assert (
            client.post("/login", json={"username": "alice", "password": "bad-guess"}).status_code
            == 401
        )
    limited = client.post("/login", json={"username": "alice", "password": PASSWORD})
    error = assert_error(limited, 429, "too_many_attempts")
    assert error["message"]
    assert int(limited.headers["Retry-After"]) > 0
    other_client = client.post(
        "/login",
        json={"username": "alice", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other_client.status_code == 200


def test_login_limit_window_slides(tmp_path: Path) -> None:
    clock = FixedClock(1_700_000_000.0)
    app = create_app(Settings(data_dir=tmp_path / "data"), clock=clock, in_lambda=False)
    client = app.test_client()
    register_and_login(client, "alice")
    for _ in range(5):
        client.post("/login", json={"username": "alice", "password": "bad-guess"})
    limited = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert_error(limited, 429, "too_many_attempts")
    clock.advance(app_services(app).login_throttle.policy.window + 1)
    assert (
        client.post("/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    )
    app_services(app).close()


def test_refresh_token_gives_a_new_access_token(client: FlaskClient, alice: ApiUser) -> None:
    response = client.post("/refresh", headers={"Authorization": f"Bearer {alice.refresh_token}"})
    assert response.status_code == 200
    new_token = response.get_json()["token"]
    ok = client.get("/api/decks", headers={"Authorization": f"Bearer {new_token}"})
    assert ok.status_code == 200


def test_access_token_cannot_refresh_and_refresh_token_cannot_access(
    client: FlaskClient, alice: ApiUser
) -> None:
    assert_error(client.post("/refresh", headers={"Authorization": f"Bearer {alice.token}"}), 401)
    assert_error(
        client.get("/api/decks", headers={"Authorization": f"Bearer {alice.refresh_token}"}), 401
    )


def test_expired_tokens_are_401(app: APIFlask, client: FlaskClient, alice: ApiUser) -> None:
    user = app_services(app).meta.get_user("alice")
    assert user is not None
    with app.app_context():
        expired = create_access_token(
            identity=user.user_id,
            additional_claims={"username": "alice"},
            expires_delta=timedelta(seconds=-10),
        )
        expired_refresh = create_refresh_token(
            identity=user.user_id,
            additional_claims={"username": "alice"},
            expires_delta=timedelta(seconds=-10),
        )
    assert_error(
        client.get("/api/decks", headers={"Authorization": f"Bearer {expired}"}),
        401,
        "token_expired",
    )
    assert_error(
        client.post("/refresh", headers={"Authorization": f"Bearer {expired_refresh}"}),
        401,
        "token_expired",
    )


def test_embedded_secret_is_generated_once_and_private(data_dir: Path) -> None:
    first = create_app(Settings(data_dir=data_dir), in_lambda=False)
    secret_file = data_dir / SECRET_FILE_NAME
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    second = create_app(Settings(data_dir=data_dir), in_lambda=False)
    assert first.config["JWT_SECRET_KEY"] == second.config["JWT_SECRET_KEY"]
    assert len(first.config["JWT_SECRET_KEY"]) >= 32
    # A token from before the restart still works after it.
    token = register_and_login(first.test_client(), "frank").token
    answer = second.test_client().get("/api/decks", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    app_services(first).close()
    app_services(second).close()


def test_configured_secret_wins_and_aws_needs_one(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, jwt_secret_key="s" * 40), in_lambda=False)
    assert app.config["JWT_SECRET_KEY"] == "s" * 40
    assert not (tmp_path / SECRET_FILE_NAME).exists()
    app_services(app).close()
    with pytest.raises(SettingsError):
        create_app(Settings(backend="aws", data_dir=tmp_path), in_lambda=False)
