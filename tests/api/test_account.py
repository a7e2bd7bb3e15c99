"""The signed-in user's account: password change, deletion (the stores are listed afterwards,
on the embedded backends and on S3 + DynamoDB emulated by moto), the server's registration
policy, and the password policy at registration."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from apiflask import APIFlask
from flask.testing import FlaskClient

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from tests.api.conftest import PASSWORD, ApiUser, assert_error, register_and_login
from tests.support import aws_settings, unique_names


def test_server_info_is_public_and_says_whether_registration_is_open(
    client: FlaskClient,
) -> None:
    response = client.get("/api/server-info")
    assert response.status_code == 200
    assert response.get_json() == {"registration": "open", "direct_transfers": False}


def test_closed_registration_refuses_sign_up_but_not_login(tmp_path: Path) -> None:
    open_app = create_app(Settings(data_dir=tmp_path / "data"), in_lambda=False)
    register_and_login(open_app.test_client(), "early")
    app_services(open_app).close()
    app = create_app(Settings(data_dir=tmp_path / "data", registration="closed"), in_lambda=False)
    client = app.test_client()
    try:
        assert client.get("/api/server-info").get_json() == {
            "registration": "closed",
            "direct_transfers": False,
        }
        response = client.post("/register", json={"username": "late", "password": PASSWORD})
        assert_error(response, 403, "registration_closed")
        login = client.post("/login", json={"username": "early", "password": PASSWORD})
        assert login.status_code == 200
    finally:
        app_services(app).close()


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("henry", "12345678"),
        ("henry", "        "),
        ("henry", "henry"),
        ("henry99x", "henry99x"),
        ("henry", "HENRYhenry"),
        ("henry", "password1"),
        ("henry", "iloveyou2"),
        ("henry", "aaaaaaaaaaaa"),
        ("henry", "abcdefghij"),
        ("henry", "javumbo"),
    ],
)
def test_weak_passwords_are_refused_at_registration(
    client: FlaskClient, username: str, password: str
) -> None:
    response = client.post("/register", json={"username": username, "password": password})
    assert response.status_code in (400, 422), response.get_data()
    code = "weak_password" if len(password) >= 8 else "validation_error"
    assert_error(response, response.status_code, code)
    assert client.post("/login", json={"username": username, "password": password}).status_code


def test_password_change_needs_the_current_password_and_a_good_new_one(
    client: FlaskClient, alice: ApiUser
) -> None:
    wrong = alice.post(
        "/api/account/password",
        {"current_password": "not it at all", "new_password": "a brand new passphrase"},
    )
    assert_error(wrong, 403, "wrong_password")
    weak = alice.post(
        "/api/account/password", {"current_password": PASSWORD, "new_password": "alice"}
    )
    assert weak.status_code in (400, 422)
    weak = alice.post(
        "/api/account/password", {"current_password": PASSWORD, "new_password": "qwertyuiop"}
    )
    assert_error(weak, 400, "weak_password")
    assert alice.get("/api/decks").status_code == 200  # nothing changed


def test_guessing_the_password_through_the_account_routes_is_throttled(
    client: FlaskClient, alice: ApiUser
) -> None:
    for _ in range(5):
        response = alice.call("DELETE", "/api/account", json={"password": "guess guess"})
        assert_error(response, 403, "wrong_password")
    limited = alice.call("DELETE", "/api/account", json={"password": PASSWORD})
    assert_error(limited, 429, "too_many_attempts")
    # The same counter as the web login.
    login = client.post("/login", json={"username": "alice", "password": PASSWORD})
    assert_error(login, 429, "too_many_attempts")
    assert alice.get("/api/decks").status_code == 200


# ------------------------------------------------------------------ deletion, stores listed


def fill_account(app: APIFlask, user: ApiUser) -> str:
    """Give the user something in every store: cards (journal, head), an idempotency record, a
    session, a flushed snapshot, a media file, a sync state, a sync host key; returns the id."""
    svc = app_services(app)
    record = svc.meta.get_user(user.username)
    assert record is not None
    user.ok(user.post("/api/session/start", {}))
    deck_id = user.new_deck("Doomed")
    user.post(
        "/api/cards",
        {"deck_id": deck_id, "front": "f", "back": "b"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    user.ok(user.post("/api/session/flush", {}))
    user.new_card(deck_id, "after the flush")
    svc.blobs.put(f"users/{record.user_id}/media/picture.png", b"\x89PNG fake")
    svc.meta.put_sync_state(record.user_id, b"pending sync", svc.clock.now() + 600)
    svc.meta.update_user_attributes(user.username, {"sync_host_keys": {"ab" * 32: 1.0}})
    assert any(True for _ in svc.blobs.list(f"users/{record.user_id}/"))
    assert svc.meta.get_head(record.user_id).seq > 0
    return record.user_id


def delete_and_check(app: APIFlask, dump: Iterator[str] | None = None) -> tuple[str, str, str]:
    client = app.test_client()
    doomed = register_and_login(client, f"doomed{uuid.uuid4().hex[:6]}")
    kept = register_and_login(client, f"kept{uuid.uuid4().hex[:6]}")
    doomed_id = fill_account(app, doomed)
    kept_id = fill_account(app, kept)
    wrong = doomed.call("DELETE", "/api/account", json={"password": "not my password"})
    assert_error(wrong, 403, "wrong_password")
    response = doomed.call("DELETE", "/api/account", json={"password": PASSWORD})
    assert response.status_code == 204, response.get_data()
    assert_error(doomed.get("/api/decks"), 401, "unauthorized")
    login = client.post("/login", json={"username": doomed.username, "password": PASSWORD})
    assert_error(login, 401, "invalid_credentials")
    assert kept.get("/api/decks").status_code == 200
    return doomed_id, kept_id, doomed.username


def test_deleting_the_account_empties_every_embedded_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = create_app(Settings(data_dir=data), in_lambda=False)
    try:
        doomed_id, kept_id, doomed_name = delete_and_check(app)
        kept_name = "kept"
    finally:
        app_services(app).close()
    blob_keys = [str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()]
    assert not [k for k in blob_keys if doomed_id in k], blob_keys
    assert [k for k in blob_keys if kept_id in k]  # the listing does see a user's things
    rows = sqlite_rows(data / "meta.sqlite3")
    assert not [r for r in rows if doomed_id in r or doomed_name in r]
    assert [r for r in rows if kept_id in r] and [r for r in rows if kept_name in r]


def sqlite_rows(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [
            f"{table}: {row!r}" for table in tables for row in db.execute(f"SELECT * FROM {table}")
        ]
    finally:
        db.close()


@pytest.mark.slow
def test_deleting_the_account_empties_s3_and_dynamodb(tmp_path: Path, moto_url: str) -> None:
    settings = replace(
        aws_settings(moto_url, **unique_names("delete")),
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
    )
    ensure_aws_resources(settings)
    app = create_app(settings, in_lambda=False)
    try:
        doomed_id, kept_id, doomed_name = delete_and_check(app)
    finally:
        app_services(app).close()
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    listing = s3.list_objects_v2(Bucket=settings.s3_bucket).get("Contents", [])
    keys = [obj["Key"] for obj in listing]
    assert not [k for k in keys if doomed_id in k], keys
    assert [k for k in keys if kept_id in k]
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    items: list[str] = []
    for table in (
        settings.users_table,
        settings.journal_table,
        settings.sessions_table,
        settings.locks_table,
    ):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items += [f"{table}: {json.dumps(item, default=str)}" for item in page["Items"]]
    assert not [i for i in items if doomed_id in i or doomed_name in i], items
    assert [i for i in items if kept_id in i]
    assert not [p for p in (tmp_path / "cache").rglob("*") if doomed_id in str(p)]
