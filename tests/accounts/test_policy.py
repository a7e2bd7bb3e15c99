"""The password policy for new passwords (NIST SP 800-63B: length and a blocklist)."""

from __future__ import annotations

import pytest

from javumbo.accounts.policy import WeakPasswordError, check_new_password, common_passwords


def test_the_common_password_list_ships_with_the_package() -> None:
    listed = common_passwords()
    assert 4000 <= len(listed) <= 10_000
    assert {"password", "12345678", "iloveyou", "qwertyuiop"} <= listed
    assert all(len(word) >= 8 and word == word.strip() for word in listed)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "Tr0ub4dor&3x",
        "kittens on a plane",
        "ünïcödé pässwörd",
        "1234567x",
        "long and varied " * 64,
    ],
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_new_password(password, "mallory")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "at least 8"),
        ("x" * 1025, "at most"),
        ("        ", "only spaces"),
        (" \t  \t   ", "only spaces"),
        ("aaaaaaaa", "repeated"),
        ("12345678", "run"),
        ("98765432", "run"),
        ("abcdefgh", "run"),
        ("mallory1", "username"),
        ("MALLORY1", "username"),
        (" mallory1 ", "username"),
        ("1yrollam", "username"),
        ("Password1", "common"),
        ("iloveyou", "common"),
        ("Javumbo ", "name of the app"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(password: str, rule: str) -> None:
    with pytest.raises(WeakPasswordError, match=rule):
        check_new_password(password, "mallory1")
