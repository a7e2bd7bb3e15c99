"""Sync logins: a username and password buy a host key, the credential every later sync call
carries.

A host key is revocable and never the password: ``<base64url(username)>.<32 random bytes hex>``.
Only a SHA-256 digest of the secret part is kept, in the user's record
(``attributes["sync_host_keys"]``, digest -> creation time), so a leaked user table gives no
usable key. The username part lets a request find its user with one metastore read. Failed
logins count in the same counter as the web login's (``LoginAttempts``); argon2id makes each
guess slow as well.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from javumbo.accounts.passwords import authenticate
from javumbo.collection.clock import Clock
from javumbo.stores.ports import UserRecord, UserStore
from javumbo.sync.protocol import SyncHttpError

ATTRIBUTE = "sync_host_keys"
MAX_KEYS_PER_USER = 20
# The longest username registration accepts (``javumbo.usernames``).
MAX_USERNAME_CHARS = 32


class LoginAttempts(Protocol):
    """The failed-login counter the sync login shares with the web login
    (``javumbo.api.rate_limit.LoginThrottle``): asked before a password is checked, told the
    outcome after."""

    def retry_after(self, username: str, address: str) -> float | None: ...

    def record_failure(self, username: str, address: str) -> None: ...

    def record_success(self, username: str, address: str) -> None: ...


RESOLVED_KEY_SECONDS = 60.0
_MAX_RESOLVED_KEYS = 10_000


@dataclass(frozen=True)
class HostKeys:
    """Logins and host-key checks. A key checked in one sync (the client's session id, the
    same from ``meta`` to ``finish``) is trusted for the rest of that sync in this process, for
    at most ``RESOLVED_KEY_SECONDS``: a sync is a burst of calls with the same key, and each
    would otherwise read the user record again. A revoked key therefore fails from the next
    sync on; the sync under way may finish."""

    meta: UserStore
    clock: Clock
    attempts: LoginAttempts
    _resolved: dict[str, tuple[float, UserRecord]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _resolved_lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False
    )

    def login(self, username: str, password: str, address: str) -> str:
        """A new host key for the user; 403 on a wrong password, 429 when rate limited. A
        username no account can have (longer than registration allows) is refused before
        anything is counted or hashed."""
        name = username.strip().lower()
        if len(name) > MAX_USERNAME_CHARS:
            raise SyncHttpError(403, "invalid username or password")
        if self.attempts.retry_after(name, address) is not None:
            raise SyncHttpError(429, "too many failed logins; wait a few minutes")
        user = authenticate(self.meta, name, password)  # legacy hashes too
        if user is None:
            self.attempts.record_failure(name, address)
            raise SyncHttpError(403, "invalid username or password")
        self.attempts.record_success(name, address)
        secret = secrets.token_hex(32)
        keys = dict(_stored_keys(user))
        keys[_digest(secret)] = self.clock.now()
        newest = sorted(keys.items(), key=lambda item: item[1])[-MAX_KEYS_PER_USER:]
        self.meta.update_user_attributes(user.username, {ATTRIBUTE: dict(newest)})
        return f"{_encode_name(user.username)}.{secret}"

    def resolve(self, host_key: str, session: str = "", *, fresh: bool = False) -> UserRecord:
        """The user a host key belongs to; 403 for an unknown, malformed or revoked key.
        ``fresh`` checks the stored keys even if this sync already did (its first call)."""
        cache_key = _digest(f"{host_key}\n{session}") if session else None
        now = self.clock.now()
        if cache_key is not None and not fresh:
            with self._resolved_lock:
                hit = self._resolved.get(cache_key)
            if hit is not None and now - hit[0] < RESOLVED_KEY_SECONDS:
                return hit[1]
        parsed = _split(host_key)
        if parsed is not None:
            username, secret = parsed
            user = self.meta.get_user(username)
            if user is not None:
                wanted = _digest(secret)
                if any(hmac.compare_digest(wanted, d) for d in _stored_keys(user)):
                    if cache_key is not None:
                        self._remember(cache_key, now, user)
                    return user
        raise SyncHttpError(403, "invalid host key; log in to sync again")

    def _remember(self, cache_key: str, now: float, user: UserRecord) -> None:
        with self._resolved_lock:
            if len(self._resolved) >= _MAX_RESOLVED_KEYS:
                self._resolved.clear()
            self._resolved[cache_key] = (now, user)

    def revoke(self, username: str, host_key: str | None = None) -> int:
        """Forget one host key (or all of the user's when ``host_key`` is None); returns how
        many were removed. Clients holding them must log in again."""
        user = self.meta.get_user(username)
        if user is None:
            return 0
        keys = _stored_keys(user)
        if host_key is None:
            kept: dict[str, float] = {}
        else:
            parsed = _split(host_key)
            drop = _digest(parsed[1]) if parsed is not None and parsed[0] == username else None
            kept = {d: t for d, t in keys.items() if d != drop}
        self.meta.update_user_attributes(username, {ATTRIBUTE: kept})
        with self._resolved_lock:
            self._resolved.clear()
        return len(keys) - len(kept)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _stored_keys(user: UserRecord) -> dict[str, float]:
    raw: Any = user.attributes.get(ATTRIBUTE)
    if not isinstance(raw, dict):
        return {}
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)}


def _encode_name(username: str) -> str:
    return base64.urlsafe_b64encode(username.encode("utf-8")).decode("ascii").rstrip("=")


def _split(host_key: str) -> tuple[str, str] | None:
    head, sep, secret = host_key.partition(".")
    if not sep or not head or len(secret) != 64:
        return None
    try:
        padded = head + "=" * (-len(head) % 4)
        username = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return username, secret
