"""The ``UserStore`` contract, run against every metastore adapter (``conftest.py``)."""

from __future__ import annotations

import pytest

from javumbo.stores.ports import UserExistsError, UserNotFoundError, UserRecord, UserStore
from tests.stores.meta_records import NOW, unique


def test_create_and_get_user(users: UserStore) -> None:
    name = unique("alice")
    user = UserRecord(name, unique("uid"), "$argon2id$hash", NOW, {"theme": "dark"})
    users.create_user(user)
    assert users.get_user(name) == user
    assert users.get_user(unique("nobody")) is None


def test_duplicate_username_is_refused(users: UserStore) -> None:
    name = unique("bob")
    users.create_user(UserRecord(name, unique("uid"), "h1", NOW))
    with pytest.raises(UserExistsError):
        users.create_user(UserRecord(name, unique("uid"), "h2", NOW))
    user = users.get_user(name)
    assert user is not None and user.password_hash == "h1"


def test_update_user_attributes_merges(users: UserStore) -> None:
    name = unique("carol")
    users.create_user(UserRecord(name, unique("uid"), "h", NOW, {"a": 1, "b": "x"}))
    users.update_user_attributes(name, {"b": "y", "c": [1, 2], "d": {"e": None}})
    user = users.get_user(name)
    assert user is not None
    assert user.attributes == {"a": 1, "b": "y", "c": [1, 2], "d": {"e": None}}
    with pytest.raises(UserNotFoundError):
        users.update_user_attributes(unique("ghost"), {"a": 1})
