"""Checking and storing passwords: argon2id for every new hash, werkzeug's for migrated ones.

``authenticate`` is the one password check of the product: the web login, Anki's sync login and
the account routes that ask for the current password all go through it, so an unknown user costs
the same time as a wrong password and a migrated hash is upgraded wherever it first matches.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from javumbo.accounts.legacy_hashes import (
    UPGRADED_HASH_ATTRIBUTE,
    is_legacy_hash,
    stored_password_hash,
    verify_legacy_hash,
)
from javumbo.stores.ports import StoreError, UserRecord, UserStore
from javumbo.usernames import canonical_username

log = logging.getLogger(__name__)

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """An argon2 hash check; False (never an exception) for a wrong password or a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(
    meta: UserStore,
    user: UserRecord,
    password: str,
    *,
    verify: Callable[[str, str], bool] | None = None,
    rehash: Callable[[str], str] | None = None,
) -> bool:
    """Check ``password`` against the user's stored hash, whatever its scheme; a legacy hash
    that matches is replaced by ``rehash(password)`` (argon2id). A failed upgrade does not fail
    the login: it is tried again next time."""
    stored = stored_password_hash(user)
    if not is_legacy_hash(stored):
        return (verify or verify_password)(stored, password)
    if not verify_legacy_hash(stored, password):
        return False
    try:
        upgraded = (rehash or hash_password)(password)
        meta.update_user_attributes(user.username, {UPGRADED_HASH_ATTRIBUTE: upgraded})
    except StoreError:
        log.warning("upgrading %s's legacy password hash failed", user.username, exc_info=True)
    return True


def authenticate(meta: UserStore, username: str, password: str) -> UserRecord | None:
    """The user if ``password`` is theirs, else None. An unknown or malformed username costs a
    hash check too, so timing does not tell which usernames exist."""
    name = canonical_username(username.strip())
    user = meta.get_user(name) if name is not None else None
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if check_password(meta, user, password) else None
