"""Tokens are revocable: they die with their user, with a password change or a log-out
everywhere; refresh tokens rotate, a reused one revokes its login, and ``/logout`` ends one."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from javumbo.api.app import app_services, create_app
from javumbo.collection.clock import FixedClock
from javumbo.settings import Settings
from tests.api.conftest import PASSWORD, ApiUser, assert_error, register_and_login

NEW_PASSWORD = "a brand new passphrase"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh(client: FlaskClient, token: str) -> tuple[int, dict[str, str]]:
    response = client.post("/refresh", headers=bearer(token))
    return response.status_code, response.get_json()


def test_tokens_of_a_deleted_user_stop_working(app: APIFlask, client: FlaskClient) -> None:
    """Without the fix the old access token still read the cards and the refresh token still
    minted new tokens after the user record was gone."""
    user = register_and_login(client, "gone")
    deck_id = user.new_deck("Mine")
    assert user.get("/api/decks").status_code == 200
    svc = app_services(app)
    record = svc.meta.get_user("gone")
    assert record is not None
    svc.meta.purge_user(record.user_id, record.username)  # as `javumbo user remove` would
    svc.token_states.forget("gone")  # another process did it: this one sees it after the TTL
    assert_error(user.get("/api/decks"), 401, "unauthorized")
    assert_error(user.get(f"/api/decks/{deck_id}"), 401, "unauthorized")
    for _ in range(2):
        assert_error(client.post("/refresh", headers=bearer(user.refresh_token)), 401)


def test_a_token_for_a_user_that_never_existed_creates_nothing(
    app: APIFlask, client: FlaskClient
) -> None:
    """A token forged with the server's secret for an unknown user is refused before any
    collection is created for it."""
    with app.app_context():
        forged = create_access_token(identity="f" * 32, additional_claims={"username": "ghost"})
    assert_error(client.get("/api/decks", headers=bearer(forged)), 401, "unauthorized")
    svc = app_services(app)
    assert svc.meta.get_head("f" * 32).seq == 0
    assert list(svc.blobs.list("users/")) == []


def test_a_token_of_a_previous_owner_of_the_username_is_refused(
    app: APIFlask, client: FlaskClient
) -> None:
    first = register_and_login(client, "reused")
    svc = app_services(app)
    record = svc.meta.get_user("reused")
    assert record is not None
    svc.meta.purge_user(record.user_id, "reused")
    register_and_login(client, "reused")  # same name, new user id
    assert_error(first.get("/api/decks"), 401, "unauthorized")


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_login(
    client: FlaskClient, alice: ApiUser
) -> None:
    status, first = refresh(client, alice.refresh_token)
    assert status == 200 and first["refresh_token"] != alice.refresh_token
    assert client.get("/api/decks", headers=bearer(first["token"])).status_code == 200
    status, second = refresh(client, first["refresh_token"])
    assert status == 200
    # The first refresh token again: copied by someone. The whole login is revoked.
    status, _ = refresh(client, alice.refresh_token)
    assert status == 401
    status, _ = refresh(client, second["refresh_token"])
    assert status == 401
    # Another login of the same user is not affected.
    other = register_and_login_again(client, "alice")
    status, _ = refresh(client, other.refresh_token)
    assert status == 200


def register_and_login_again(client: FlaskClient, username: str) -> ApiUser:
    body = client.post("/login", json={"username": username, "password": PASSWORD}).get_json()
    return ApiUser(client, username, body["token"], body["refresh_token"])


def test_logout_revokes_the_refresh_token_only_of_that_login(
    client: FlaskClient, alice: ApiUser
) -> None:
    other = register_and_login_again(client, "alice")
    response = client.post("/logout", json={"refresh_token": alice.refresh_token})
    assert response.status_code == 204
    assert refresh(client, alice.refresh_token)[0] == 401
    assert refresh(client, other.refresh_token)[0] == 200
    # Logging out twice, or with a token that is not one, is not an error.
    assert client.post("/logout", json={"refresh_token": alice.refresh_token}).status_code == 204
    assert client.post("/logout", json={"refresh_token": "not-a-token"}).status_code == 204
    assert client.post("/logout", json={"refresh_token": alice.token}).status_code == 204
    assert_error(client.post("/logout", json={}), 422, "validation_error")


def test_logout_all_ends_every_token_of_the_user(client: FlaskClient, alice: ApiUser) -> None:
    other = register_and_login_again(client, "alice")
    assert alice.post("/api/account/logout-all").status_code == 204
    for user in (alice, other):
        assert_error(user.get("/api/decks"), 401, "unauthorized")
        assert refresh(client, user.refresh_token)[0] == 401
    fresh = register_and_login_again(client, "alice")
    assert fresh.get("/api/decks").status_code == 200


def test_changing_the_password_logs_out_the_other_logins(
    client: FlaskClient, alice: ApiUser
) -> None:
    other = register_and_login_again(client, "alice")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = alice.ok(alice.post("/api/account/password", body))
    assert set(changed) == {"token", "access_token", "refresh_token", "username"}
    assert_error(other.get("/api/decks"), 401, "unauthorized")
    assert refresh(client, other.refresh_token)[0] == 401
    assert client.get("/api/decks", headers=bearer(changed["token"])).status_code == 200
    assert refresh(client, changed["refresh_token"])[0] == 200
    old = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert_error(old, 401, "invalid_credentials")
    new = client.post("/login", json={"username": "alice", "password": NEW_PASSWORD})
    assert new.status_code == 200


def test_a_revocation_by_another_process_is_seen_within_the_ttl(tmp_path: Path) -> None:
    """Two app instances over the same stores: a log-out everywhere on one ends the tokens on
    the other once its cached token state is older than the TTL (immediately here: TTL 0)."""
    settings = Settings(data_dir=tmp_path / "data")
    first = create_app(settings, in_lambda=False)
    second = create_app(settings, in_lambda=False)
    try:
        user = register_and_login(first.test_client(), "twin")
        twin = ApiUser(second.test_client(), "twin", user.token, user.refresh_token)
        assert twin.get("/api/decks").status_code == 200
        app_services(second).token_states.ttl = 0.0
        assert user.post("/api/account/logout-all").status_code == 204
        assert_error(twin.get("/api/decks"), 401, "unauthorized")
    finally:
        app_services(first).close()
        app_services(second).close()


def test_answers_with_tokens_are_never_cached(client: FlaskClient, alice: ApiUser) -> None:
    login = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert login.headers["Cache-Control"] == "no-store"
    assert (
        client.post("/refresh", headers=bearer(alice.refresh_token)).headers["Cache-Control"]
        == "no-store"
    )
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert alice.post("/api/account/password", body).headers["Cache-Control"] == "no-store"


def test_two_tabs_refreshing_at_once_stay_logged_in_but_a_late_replay_does_not(
    tmp_path: Path,
) -> None:
    clock = FixedClock(1_700_000_000.0)
    app = create_app(Settings(data_dir=tmp_path / "data"), clock=clock, in_lambda=False)
    client = app.test_client()
    try:
        user = register_and_login(client, "tabs")
        status, first_tab = refresh(client, user.refresh_token)
        assert status == 200
        clock.advance(2)
        status, second_tab = refresh(client, user.refresh_token)  # the other tab, same token
        assert status == 200
        # Both tabs hold the family's current token: either may refresh next.
        assert refresh(client, second_tab["refresh_token"])[0] == 200
        clock.advance(60)
        # That token was swapped a minute ago: presented now, it is a replay; the login ends.
        assert refresh(client, first_tab["refresh_token"])[0] == 401
        status, _ = refresh(client, user.refresh_token)
        assert status == 401
    finally:
        app_services(app).close()
