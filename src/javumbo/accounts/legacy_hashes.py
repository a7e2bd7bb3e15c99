"""Passwords hashed by the one-server deployment (werkzeug) keep working after ``migrate``, and
are replaced by argon2id on the user's next successful login.

werkzeug writes ``<method>$<salt>$<hex digest>`` with ``pbkdf2:<hash>:<iterations>`` or
``scrypt:<n>:<r>:<p>`` (or the bare names, meaning werkzeug's defaults). They are checked with
werkzeug's own ``check_password_hash`` (Flask depends on werkzeug anyway), after the cost named
in the hash is bounded: the hashes come from a file we were handed, and a crafted one must not
stall a login or exhaust memory.

Why the upgraded hash goes into the user's attributes: the ``MetaStore`` has no call that
replaces ``password_hash``, while ``update_user_attributes`` merges one key atomically on both
backends. ``stored_password_hash`` gives the hash to check, whichever place holds it; a changed
password is stored the same way.
"""

from __future__ import annotations

from werkzeug.security import check_password_hash

from javumbo.stores.ports import UserRecord

UPGRADED_HASH_ATTRIBUTE = "password_hash"
# Hashes from a file we were handed: refuse costs that would stall a login or exhaust memory.
MAX_PBKDF2_ITERATIONS = 10_000_000
MAX_SCRYPT_MEMORY_BYTES = 1024 * 1024 * 1024
_PBKDF2_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})


def is_legacy_hash(password_hash: str) -> bool:
    """A werkzeug-style hash this module can check (anything else is left to argon2)."""
    return password_hash.startswith(("pbkdf2:", "pbkdf2$", "scrypt:", "scrypt$"))


def verify_legacy_hash(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches a werkzeug pbkdf2/scrypt hash; False for anything malformed,
    unsupported or too costly (never raises)."""
    parts = password_hash.split("$")
    if len(parts) != 3 or not _cost_is_bounded(parts[0]):
        return False
    try:
        return check_password_hash(password_hash, password)
    except (ValueError, TypeError, MemoryError, OverflowError):
        return False


def _cost_is_bounded(method: str) -> bool:
    name, *args = method.split(":")
    try:
        if name == "pbkdf2":
            if len(args) > 2 or (args and args[0] not in _PBKDF2_HASHES):
                return False
            return len(args) < 2 or 0 < int(args[1]) <= MAX_PBKDF2_ITERATIONS
        if name == "scrypt":
            if args and len(args) != 3:
                return False
            n, r, p = (int(a) for a in args) if args else (2**15, 8, 1)
            memory = 132 * n * r * p  # werkzeug's maxmem: 128·n·r plus scrypt's own overhead
            return min(n, r, p) > 0 and memory <= MAX_SCRYPT_MEMORY_BYTES
    except ValueError:
        return False
    return False


def stored_password_hash(user: UserRecord) -> str:
    """The hash to check: the argon2id one written at an upgrade (or a password change) wins
    over the one the record was created with."""
    upgraded = user.attributes.get(UPGRADED_HASH_ATTRIBUTE)
    return upgraded if isinstance(upgraded, str) and upgraded else user.password_hash
