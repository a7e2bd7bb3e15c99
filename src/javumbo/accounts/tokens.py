"""What makes a token revocable, kept in the user's record (``UserRecord.attributes``).

- ``token_version``: every token carries the version current when it was issued (claim
  ``ver``); changing the password, logging out everywhere and deleting the account bump it, so
  every older token stops working.
- ``refresh_families``: one entry per login, ``family id -> {"jti", "expires_at"}``. A refresh
  token is good only while it is the newest of its family: ``/refresh`` swaps it for a new one
  (rotation). A token presented again after it was swapped means it was copied; the whole family
  is revoked then (reuse detection), so neither the thief nor the owner can go on with it.
  One exception keeps two tabs of one browser from logging their user out when both refresh at
  the same moment: the token swapped last, presented again within ``REUSE_GRACE_SECONDS`` of
  the swap, gets the family's current refresh token again instead of a revocation.
  Logging out revokes the family. At most ``MAX_REFRESH_FAMILIES`` per user, newest kept.

``TokenStates`` is the per-process view the access-token check reads: a user's id and token
version, re-read from the metastore at most every ``ttl`` seconds (and at once after a change
made by this process). A warm request therefore costs no extra metastore read, and a token
revoked by another process stops working within ``ttl`` seconds; refresh tokens are always
checked against the store.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any

from javumbo.collection.clock import Clock
from javumbo.stores.ports import MetaStore, UserRecord

TOKEN_VERSION_ATTRIBUTE = "token_version"
REFRESH_FAMILIES_ATTRIBUTE = "refresh_families"
SYNC_HOST_KEYS_ATTRIBUTE = "sync_host_keys"  # see javumbo.sync.host_keys
MAX_REFRESH_FAMILIES = 20
REUSE_GRACE_SECONDS = 10.0
TOKEN_STATE_TTL_SECONDS = 30.0
_MAX_CACHED_USERS = 100_000


def token_version(user: UserRecord) -> int:
    raw = user.attributes.get(TOKEN_VERSION_ATTRIBUTE)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def refresh_families(user: UserRecord) -> dict[str, dict[str, Any]]:
    raw = user.attributes.get(REFRESH_FAMILIES_ATTRIBUTE)
    if not isinstance(raw, dict):
        return {}
    return {
        str(family): entry
        for family, entry in raw.items()
        if isinstance(entry, dict) and isinstance(entry.get("jti"), str)
    }


def revocation_changes(user: UserRecord) -> dict[str, Any]:
    """The attribute changes that log the user out everywhere: a new token version, no refresh
    family, no sync host key."""
    return {
        TOKEN_VERSION_ATTRIBUTE: token_version(user) + 1,
        REFRESH_FAMILIES_ATTRIBUTE: {},
        SYNC_HOST_KEYS_ATTRIBUTE: {},
    }


def new_family_id() -> str:
    return uuid.uuid4().hex


def new_token_id() -> str:
    return uuid.uuid4().hex


def families_with(
    user: UserRecord, family: str, jti: str, expires_at: float, now: float
) -> dict[str, dict[str, Any]]:
    """The user's families with ``family`` now at ``jti`` (the token it replaces kept as
    ``previous``); expired ones dropped, newest kept."""
    families = refresh_families(user)
    kept = {
        name: entry
        for name, entry in families.items()
        if float(entry.get("expires_at", 0)) > now and name != family
    }
    kept[family] = {"jti": jti, "expires_at": expires_at, "rotated_at": now}
    replaced = families.get(family)
    if replaced is not None:
        kept[family]["previous"] = replaced["jti"]
    newest = sorted(kept.items(), key=lambda item: float(item[1].get("expires_at", 0)))
    return dict(newest[-MAX_REFRESH_FAMILIES:])


class Rotation(Enum):
    CURRENT = "current"  # the newest token of its family: may be swapped
    JUST_SWAPPED = "just_swapped"  # the one swapped last, again within the grace: answered
    REUSED = "reused"  # an older token of a live family: the family is revoked
    UNKNOWN = "unknown"  # no such family (logged out, revoked, expired, pruned)


def classify_refresh(user: UserRecord, family: str, jti: str, now: float) -> Rotation:
    entry = refresh_families(user).get(family)
    if entry is None or float(entry.get("expires_at", 0)) <= now:
        return Rotation.UNKNOWN
    if entry["jti"] == jti:
        return Rotation.CURRENT
    rotated_at = entry.get("rotated_at")
    if (
        entry.get("previous") == jti
        and isinstance(rotated_at, int | float)
        and 0 <= now - rotated_at <= REUSE_GRACE_SECONDS
    ):
        return Rotation.JUST_SWAPPED
    return Rotation.REUSED


def current_token_id(user: UserRecord, family: str) -> str:
    return str(refresh_families(user)[family]["jti"])


def families_without(user: UserRecord, family: str) -> dict[str, dict[str, Any]]:
    return {name: e for name, e in refresh_families(user).items() if name != family}


@dataclass(frozen=True)
class TokenState:
    user_id: str
    version: int


class TokenStates:
    """The user id and token version of recently seen users, per process (see module doc)."""

    def __init__(self, meta: MetaStore, clock: Clock, ttl: float = TOKEN_STATE_TTL_SECONDS):
        self.meta = meta
        self.clock = clock
        self.ttl = ttl
        self._known: OrderedDict[str, tuple[float, TokenState]] = OrderedDict()
        self._lock = threading.Lock()

    def current(self, username: str) -> TokenState | None:
        """The user's state, or None when there is no such user."""
        now = self.clock.now()
        with self._lock:
            hit = self._known.get(username)
            if hit is not None and now - hit[0] < self.ttl:
                return hit[1]
        user = self.meta.get_user(username)
        if user is None:
            self.forget(username)
            return None
        return self.note(user)

    def note(self, user: UserRecord) -> TokenState:
        """Remember the state of a record just read or written by this process."""
        state = TokenState(user.user_id, token_version(user))
        with self._lock:
            self._known[user.username] = (self.clock.now(), state)
            self._known.move_to_end(user.username)
            while len(self._known) > _MAX_CACHED_USERS:
                self._known.popitem(last=False)
        return state

    def forget(self, username: str) -> None:
        with self._lock:
            self._known.pop(username, None)

    def accepts(self, claims: dict[str, Any]) -> bool:
        """Whether a token's claims name a user that exists, by id, at the token's version."""
        username, user_id, version = claims.get("username"), claims.get("sub"), claims.get("ver", 0)
        if not isinstance(username, str) or not isinstance(version, int):
            return False
        state = self.current(username)
        return state is not None and state.user_id == user_id and state.version == version
