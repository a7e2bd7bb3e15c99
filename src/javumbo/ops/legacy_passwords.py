"""Passwords hashed by the one-server deployment (werkzeug) keep working after ``migrate``, and
are replaced by argon2id on the user's next successful login.

werkzeug writes ``<method>$<salt>$<hex digest>``:

- ``pbkdf2:<hash>:<iterations>`` — PBKDF2-HMAC over the UTF-8 password and the salt's UTF-8
  bytes (without iterations werkzeug uses its current default: 1 000 000 since 3.1);
- ``scrypt:<n>:<r>:<p>`` — ``hashlib.scrypt`` with a 64-byte key (``scrypt`` alone means
  n=2**15, r=8, p=1).

These are reimplemented with ``hashlib`` so the server needs no werkzeug at run time.

Why the upgraded hash goes into the user's attributes: the ``MetaStore`` has no call that
replaces ``password_hash``, while ``update_user_attributes`` merges one key atomically on both
backends. ``stored_password_hash`` gives the hash to check, whichever place holds it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from javumbo.stores.ports import MetaStore, StoreError, UserRecord

log = logging.getLogger(__name__)

UPGRADED_HASH_ATTRIBUTE = "password_hash"
WERKZEUG_DEFAULT_PBKDF2_ITERATIONS = 1_000_000
# Hashes from a file we were handed: refuse costs that would stall a login or exhaust memory.
MAX_PBKDF2_ITERATIONS = 10_000_000
MAX_SCRYPT_MEMORY_BYTES = 1024 * 1024 * 1024
_PBKDF2_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})

_argon2 = PasswordHasher()


def is_legacy_hash(password_hash: str) -> bool:
    """A werkzeug-style hash this module can check (anything else is left to argon2)."""
    return password_hash.startswith(("pbkdf2:", "pbkdf2$", "scrypt:", "scrypt$"))


def verify_legacy_hash(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches a werkzeug pbkdf2/scrypt hash; False for anything malformed
    or unsupported (never raises)."""
    parts = password_hash.split("$")
    if len(parts) != 3:
        return False
    method, salt, expected = parts
    try:
        actual = _digest(method, salt.encode("utf-8"), password.encode("utf-8"))
    except (ValueError, MemoryError, OverflowError):
        return False
    if actual is None:
        return False
    return hmac.compare_digest(actual, expected.lower())


def _digest(method: str, salt: bytes, password: bytes) -> str | None:
    name, *args = method.split(":")
    if name == "pbkdf2":
        hash_name = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) > 1 else WERKZEUG_DEFAULT_PBKDF2_ITERATIONS
        if len(args) > 2 or hash_name not in _PBKDF2_HASHES:
            return None
        if not 0 < iterations <= MAX_PBKDF2_ITERATIONS:
            return None
        return hashlib.pbkdf2_hmac(hash_name, password, salt, iterations).hex()
    if name == "scrypt":
        if args and len(args) != 3:
            return None
        n, r, p = (int(a) for a in args) if args else (2**15, 8, 1)
        memory = 132 * n * r * p  # werkzeug's maxmem: 128·n·r plus scrypt's own overhead
        if min(n, r, p) <= 0 or memory > MAX_SCRYPT_MEMORY_BYTES:
            return None
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=memory).hex()
    return None


def stored_password_hash(user: UserRecord) -> str:
    """The hash to check: the argon2id one written at an upgrade wins over the migrated one."""
    upgraded = user.attributes.get(UPGRADED_HASH_ATTRIBUTE)
    return upgraded if isinstance(upgraded, str) and upgraded else user.password_hash


def _verify_argon2(password_hash: str, password: str) -> bool:
    try:
        return _argon2.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(
    meta: MetaStore,
    user: UserRecord,
    password: str,
    *,
    verify: Callable[[str, str], bool] = _verify_argon2,
    rehash: Callable[[str], str] = _argon2.hash,
) -> bool:
    """Check ``password`` against the user's stored hash, whatever its scheme; a legacy hash
    that matches is replaced by ``rehash(password)`` (argon2id). A failed upgrade does not fail
    the login: it is tried again next time."""
    stored = stored_password_hash(user)
    if not is_legacy_hash(stored):
        return verify(stored, password)
    if not verify_legacy_hash(stored, password):
        return False
    try:
        meta.update_user_attributes(user.username, {UPGRADED_HASH_ATTRIBUTE: rehash(password)})
    except StoreError:
        log.warning("upgrading %s's legacy password hash failed", user.username, exc_info=True)
    return True
