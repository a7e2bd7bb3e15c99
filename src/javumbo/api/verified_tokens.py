"""Access tokens an app verified lately, so that a session's requests check a token's
signature and claims once instead of on every request.

Decoding and verifying a JWT (base64 of three segments, twice through flask-jwt-extended, an
HMAC, the claims) is the largest fixed cost of a small authenticated request. A token is an
immutable string: once its signature and claims were verified, only two things about it can
change, and both are still checked on every request: whether it has expired (its ``exp``
claim against the clock, as PyJWT compares it) and whether it was revoked (``TokenStates``:
logout, a password change, a deleted account). A token that fails either goes through the
full verification again, which answers the right 401.

One instance per app (``app.extensions``): apps with different secrets never share verdicts.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flask import current_app, request

EXTENSION_KEY = "javumbo.verified_tokens"
MAX_TOKENS = 10_000
_BEARER = "Bearer "


class VerifiedTokens:
    def __init__(self, max_tokens: int = MAX_TOKENS) -> None:
        self.max_tokens = max_tokens
        self._known: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of ``token`` if it was verified here and has not expired since."""
        with self._lock:
            claims = self._known.get(token)
            if claims is None:
                return None
            if not time.time() < claims["exp"]:
                del self._known[token]
                return None
            self._known.move_to_end(token)
            return claims

    def note(self, token: str, claims: dict[str, Any]) -> None:
        """Remember ``token``, whose signature and claims were just verified."""
        if not isinstance(claims.get("exp"), int | float):
            return  # a token without an expiry is never taken on trust
        with self._lock:
            self._known[token] = claims
            self._known.move_to_end(token)
            while len(self._known) > self.max_tokens:
                self._known.popitem(last=False)


def request_token() -> str | None:
    """The request's bearer token as sent (None without one)."""
    header = request.headers.get("Authorization", "")
    token = header[len(_BEARER) :] if header.startswith(_BEARER) else ""
    return token if token and " " not in token else None


def verified_tokens() -> VerifiedTokens:
    """The current app's record (made on first use)."""
    known = current_app.extensions.get(EXTENSION_KEY)
    if not isinstance(known, VerifiedTokens):
        known = current_app.extensions.setdefault(EXTENSION_KEY, VerifiedTokens())
    return known
