"""``javumbo user add|remove|reset-password|list``, run as real subprocesses against a data
folder, checked through the real app over the same stores."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from javumbo.api.app import app_services, create_app
from javumbo.settings import Settings

PASSWORD = "operator chosen phrase"


@pytest.fixture
def javumbo(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(tmp_path / "data"), "JAVUMBO_BACKEND": "embedded"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "javumbo", "user", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
        )

    return run


def login_status(data: Path, username: str, password: str) -> int:
    app = create_app(Settings(data_dir=data, registration="closed"), in_lambda=False)
    try:
        body = {"username": username, "password": password}
        return app.test_client().post("/login", json=body).status_code
    finally:
        app_services(app).close()


def test_add_works_with_registration_closed_and_applies_the_policy(
    javumbo: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    added = javumbo("add", "Carol", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "added carol" in added.stdout and PASSWORD not in added.stdout
    assert login_status(tmp_path / "data", "carol", PASSWORD) == 200
    again = javumbo("add", "carol", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    weak = javumbo("add", "dave", stdin="12345678\n")
    assert weak.returncode == 1 and weak.stderr.startswith("javumbo: error: password refused")
    bad = javumbo("add", "no/slash", stdin=PASSWORD + "\n")
    assert bad.returncode == 1
    empty = javumbo("add", "erin")
    assert empty.returncode == 1 and "standard input" in empty.stderr


def test_list_shows_every_user(javumbo: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    for name in ("bob", "alice"):
        assert javumbo("add", name, stdin=PASSWORD + "\n").returncode == 0
    listed = javumbo("list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["alice", "bob"]
    assert "2 users" in listed.stderr


def test_reset_password_with_a_generated_one(
    javumbo: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    assert javumbo("add", "frank", stdin=PASSWORD + "\n").returncode == 0
    reset = javumbo("reset-password", "frank", "--generate")
    assert reset.returncode == 0, reset.stderr
    new_password = reset.stdout.rsplit("new password ", 1)[1].strip()
    assert len(new_password) >= 20
    assert login_status(tmp_path / "data", "frank", PASSWORD) == 401
    assert login_status(tmp_path / "data", "frank", new_password) == 200
    missing = javumbo("reset-password", "nobody", "--generate")
    assert missing.returncode == 1 and "no user named" in missing.stderr


def test_remove_asks_for_confirmation_then_deletes_everything(
    javumbo: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert javumbo("add", "gina", stdin=PASSWORD + "\n").returncode == 0
    app = create_app(Settings(data_dir=data), in_lambda=False)
    client = app.test_client()
    token = client.post("/login", json={"username": "gina", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.post("/api/decks", json={"name": "Mine"}, headers=headers).status_code == 201
    user = app_services(app).meta.get_user("gina")
    assert user is not None
    app_services(app).close()
    assert any(user.user_id in str(p) for p in (data / "blobs").rglob("*") if p.is_file())

    unconfirmed = javumbo("remove", "gina")
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    removed = javumbo("remove", "gina", "--yes")
    assert removed.returncode == 0, removed.stderr
    stored = [p for p in (data / "blobs").rglob("*") if p.is_file()]
    assert not any(user.user_id in str(p) for p in stored)
    assert login_status(data, "gina", PASSWORD) == 401
    assert "gina" not in javumbo("list").stdout
