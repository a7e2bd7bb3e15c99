"""Accounts: passwords (checking, hashing, the policy for new ones), what makes tokens
revocable, and the life of an account (create, change password, log out everywhere, delete).

HTTP lives in ``javumbo.api.auth`` and ``javumbo.api.account``, the operator's commands in
``javumbo.cli.user_commands``; both call these modules, so the rules are the same everywhere.
"""

from __future__ import annotations

from javumbo.accounts.lifecycle import (
    Deletion,
    InvalidUsernameError,
    change_password,
    create_account,
    delete_account,
    log_out_everywhere,
    valid_username,
)
from javumbo.accounts.passwords import authenticate, check_password, hash_password
from javumbo.accounts.policy import WeakPasswordError, check_new_password

__all__ = [
    "Deletion",
    "InvalidUsernameError",
    "WeakPasswordError",
    "authenticate",
    "change_password",
    "check_new_password",
    "check_password",
    "create_account",
    "delete_account",
    "hash_password",
    "log_out_everywhere",
    "valid_username",
]
