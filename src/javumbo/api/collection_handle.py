"""``@user_collection``: a view's handle on its user's collection, on top of the storage engine.

It checks the access token, resolves the review session from ``X-Session-ID`` (the live one is
kept and extended; an unknown, expired or other user's id gets the user's live session or a new
one), and hands the view a ``CollectionHandle`` for the token's user. Reads go through
``engine.read`` and mutations through ``engine.write`` with the request's ``Idempotency-Key``, so
a retried POST is not applied twice. The session id goes back in the ``X-Session-ID`` response
header (set in ``after_request`` so error answers carry it too).

Every view reaches only the collection of the user named by the token: ids from another user's
collection are simply not found there, so they answer 404 like ids that never existed.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from flask import Response, g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from javumbo.api.errors import api_error
from javumbo.api.services import services
from javumbo.api.verified_tokens import request_token, verified_tokens
from javumbo.collection import Collection
from javumbo.userdb import AlreadyApplied, StorageEngine, UserMedia

P = ParamSpec("P")
R = TypeVar("R")
SESSION_HEADER = "X-Session-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True)
class CollectionHandle:
    """One request's handle on its user's collection."""

    user_id: str
    username: str
    session_id: str
    engine: StorageEngine
    idempotency_key: str | None
    request_digest: str = ""

    @contextmanager
    def read(self) -> Iterator[Collection]:
        with self.engine.read(self.user_id) as col:
            yield col

    def write(self, fn: Callable[[Collection], R]) -> R:
        """Run ``fn`` as one journaled transaction. With an ``Idempotency-Key`` already used,
        ``fn`` is not run again and the first run's result is returned (``fn`` should return a
        small JSON-able value for that to work; an older entry folded into a snapshot no longer
        has it, and then an empty result comes back, marked by ``Idempotent-Replayed``). A key
        already used with another request body is refused (422): replaying the first answer
        would tell the client its second request was done."""
        if self.idempotency_key is None:
            return self.engine.write(self.user_id, fn)

        def run(col: Collection) -> dict[str, Any]:
            return {"request": self.request_digest, "result": fn(col)}

        # Views' callables only touch the collection, so a retry may run one and be refused
        # by the journal append (no key lookup before every write: one metastore read saved).
        outcome = self.engine.write(
            self.user_id, run, idempotency_key=self.idempotency_key, check_key_first=False
        )
        if not isinstance(outcome, AlreadyApplied):
            fresh: R = outcome["result"]
            return fresh
        first = outcome.result if isinstance(outcome.result, dict) else {}
        if first.get("request", self.request_digest) != self.request_digest:
            raise api_error(
                422,
                f"this {IDEMPOTENCY_HEADER} was already used for a different request",
                code="idempotency_key_reused",
            )
        g.javumbo_replayed = True
        replayed = first.get("result") if "request" in first else first
        return cast(R, replayed if replayed is not None else {})

    def media(self) -> UserMedia:
        return self.engine.media(self.user_id)


@dataclass(frozen=True)
class TokenUser:
    user_id: str
    username: str


def current_token_user() -> TokenUser:
    """The user named by a valid access token (401 answered by flask-jwt-extended otherwise).
    Verified once per request: the check before every protected route and the view's own
    lookup share it; and a token verified by an earlier request is only checked for expiry and
    revocation (``verified_tokens``: a full verification is most of a small request)."""
    known: TokenUser | None = g.get("javumbo_token_user")
    if known is not None:
        return known
    token = request_token()
    tokens = verified_tokens()
    claims = tokens.claims(token) if token is not None else None
    if claims is None or not services().token_states.accepts(claims):
        verify_jwt_in_request()
        claims = get_jwt()
        if token is not None:
            tokens.note(token, claims)
    user = TokenUser(user_id=str(claims["sub"]), username=str(claims["username"]))
    g.javumbo_token_user = user
    return user


def require_access_token() -> None:
    """``before_request`` of every protected blueprint."""
    current_token_user()


def requested_session_id() -> str | None:
    raw = request.headers.get(SESSION_HEADER)
    return raw if raw is not None and _SESSION_ID_RE.match(raw) else None


def _idempotency_key() -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not _IDEMPOTENCY_KEY_RE.match(raw):
        raise api_error(
            400,
            f"{IDEMPOTENCY_HEADER} must be 1 to 128 printable ASCII characters",
            code="invalid_idempotency_key",
        )
    # Scoped to the resource (the path with its ids, not the route pattern): a key reused on
    # another route or for another note or deck must not replay the first one's result.
    return f"{request.method} {request.path} {raw}"


def user_collection(view: Callable[..., R]) -> Callable[..., R]:
    """Give ``view`` a ``CollectionHandle`` as its first argument (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        user = current_token_user()
        key = _idempotency_key()
        svc = services()
        session_id = svc.resume_session(user.username, requested_session_id())
        g.javumbo_session_id = session_id
        digest = hashlib.sha256(request.get_data(cache=True)).hexdigest() if key else ""
        handle = CollectionHandle(user.user_id, user.username, session_id, svc.engine, key, digest)
        return view(handle, *args, **kwargs)

    return wrapper


def add_session_header(response: Response) -> Response:
    session_id = g.get("javumbo_session_id")
    if session_id:
        response.headers[SESSION_HEADER] = session_id
    if g.get("javumbo_replayed"):
        response.headers["Idempotent-Replayed"] = "true"
    return response
