"""Legacy (werkzeug) password hashes: checked with werkzeug itself as the referee, upgraded to
argon2id on the first good login, against a real SQLite metastore."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from javumbo.accounts.legacy_hashes import (
    UPGRADED_HASH_ATTRIBUTE,
    is_legacy_hash,
    stored_password_hash,
    verify_legacy_hash,
)
from javumbo.accounts.passwords import check_password
from javumbo.collection.clock import FixedClock
from javumbo.settings import Settings
from javumbo.stores.ports import StoreUnavailableError, UserRecord
from javumbo.stores.sqlite_meta import SqliteMetaStore

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(
    "method",
    ["pbkdf2:sha256:1000", "pbkdf2:sha1:2000", "pbkdf2:sha512:1500", "scrypt:16384:8:1", "scrypt"],
)
def test_werkzeug_hashes_verify(method: str) -> None:
    hashed = generate_password_hash(PASSWORD, method=method)
    assert is_legacy_hash(hashed)
    assert verify_legacy_hash(hashed, PASSWORD)
    assert not verify_legacy_hash(hashed, PASSWORD + "!")
    assert not verify_legacy_hash(hashed, "")


def test_unicode_password_and_salt_are_utf8() -> None:
    hashed = generate_password_hash("pässwörd✓", method="pbkdf2:sha256:1000", salt_length=8)
    assert verify_legacy_hash(hashed, "pässwörd✓")
    assert not verify_legacy_hash(hashed, "password✓")


def test_pbkdf2_without_iterations_uses_werkzeugs_default() -> None:
    salt = "NaCl"
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), 1_000_000).hex()
    hashed = f"pbkdf2:sha256${salt}${digest}"
    assert check_password_hash(hashed, PASSWORD)  # the referee agrees on the default
    assert verify_legacy_hash(hashed, PASSWORD)


@pytest.mark.parametrize(
    "hashed",
    [
        "",
        "pbkdf2:sha256:1000$onlysalt",
        "pbkdf2:md4:1000$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:abc$salt$00",
        "pbkdf2:sha256:99999999999$salt$00",
        "scrypt:16384:8$salt$00",
        "scrypt:1099511627776:8:1$salt$00",
        "scrypt:0:8:1$salt$00",
        "sha256$salt$00",
        "plain$$" + PASSWORD,
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    ],
)
def test_malformed_or_unsupported_hashes_are_refused_without_raising(hashed: str) -> None:
    assert verify_legacy_hash(hashed, PASSWORD) is False


@pytest.fixture
def meta(tmp_path: Path) -> SqliteMetaStore:
    return SqliteMetaStore(tmp_path / "meta.sqlite3")


def legacy_user(meta: SqliteMetaStore, name: str = "olduser") -> UserRecord:
    record = UserRecord(
        name, "uid-" + name, generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"), 1.0
    )
    meta.create_user(record)
    return record


def test_first_good_login_upgrades_to_argon2id(meta: SqliteMetaStore) -> None:
    user = legacy_user(meta)
    assert not check_password(meta, user, "wrong password")
    assert meta.get_user(user.username) == user  # a failed login changes nothing

    assert check_password(meta, user, PASSWORD)
    upgraded = meta.get_user(user.username)
    assert upgraded is not None
    assert stored_password_hash(upgraded).startswith("$argon2id$")
    assert upgraded.password_hash == user.password_hash  # the migrated record is kept

    assert check_password(meta, upgraded, PASSWORD)  # now checked with argon2
    assert not check_password(meta, upgraded, "wrong password")
    again = meta.get_user(user.username)
    assert again is not None and again.attributes == upgraded.attributes  # no second upgrade


def test_argon2_users_are_checked_with_the_given_verifier(meta: SqliteMetaStore) -> None:
    calls: list[tuple[str, str]] = []

    def verify(stored: str, password: str) -> bool:
        calls.append((stored, password))
        return True

    record = UserRecord("modern", "uid-modern", "$argon2id$v=19$whatever", 1.0)
    meta.create_user(record)
    assert check_password(meta, record, "pw", verify=verify)
    assert calls == [("$argon2id$v=19$whatever", "pw")]


class FailingAttributes(SqliteMetaStore):
    def update_user_attributes(self, username: str, attributes: dict[str, Any]) -> None:
        raise StoreUnavailableError("metastore down")


def test_a_failed_upgrade_still_logs_in_and_retries_next_time(tmp_path: Path) -> None:
    meta = FailingAttributes(tmp_path / "meta.sqlite3")
    user = legacy_user(meta)
    assert check_password(meta, user, PASSWORD)
    stored = meta.get_user(user.username)
    assert stored is not None and UPGRADED_HASH_ATTRIBUTE not in stored.attributes


# The hooks: the API's /login and the sync server's host-key login both accept legacy hashes.


def test_api_login_accepts_and_upgrades_a_migrated_hash(tmp_path: Path) -> None:
    from javumbo.api.app import create_app
    from javumbo.api.services import EXTENSION_KEY

    app = create_app(Settings(data_dir=tmp_path / "data"), in_lambda=False)
    svc = app.extensions[EXTENSION_KEY]
    try:
        user = legacy_user(svc.meta, "migrated")
        client = app.test_client()
        wrong = client.post("/login", json={"username": "migrated", "password": "nope"})
        assert wrong.status_code == 401
        good = client.post("/login", json={"username": "migrated", "password": PASSWORD})
        assert good.status_code == 200 and good.get_json()["username"] == "migrated"
        stored = svc.meta.get_user(user.username)
        assert stored is not None and stored_password_hash(stored).startswith("$argon2id$")
        again = client.post("/login", json={"username": "migrated", "password": PASSWORD})
        assert again.status_code == 200
    finally:
        svc.close()


def test_sync_login_accepts_a_migrated_hash(meta: SqliteMetaStore) -> None:
    from javumbo.api.rate_limit import LoginThrottle
    from javumbo.sync.host_keys import HostKeys
    from javumbo.sync.protocol import SyncHttpError

    clock = FixedClock(1_700_000_000.0)
    keys = HostKeys(meta, clock, LoginThrottle(clock))
    user = legacy_user(meta, "syncer")
    with pytest.raises(SyncHttpError):
        keys.login("syncer", "wrong", "127.0.0.1")
    host_key = keys.login("syncer", PASSWORD, "127.0.0.1")
    assert keys.resolve(host_key).username == user.username
    stored = meta.get_user("syncer")
    assert stored is not None and stored_password_hash(stored).startswith("$argon2id$")
