"""Accounts and tokens at the edge: ``POST /register``, ``/login``, ``/refresh``, ``/logout``.

Access tokens are short-lived JWTs (15 minutes) whose subject is the user's opaque id and which
carry the username (sessions are keyed by it) and the user's token version; every protected
route checks that the user still exists under that id at that version (``TokenStates``).
Refresh tokens last 30 days, belong to a family (one per login) and rotate: ``/refresh`` answers
a new refresh token with the access token, and a refresh token presented twice revokes its
family (``javumbo.accounts.tokens``). Passwords are hashed with argon2id and checked by
``javumbo.accounts``; failed logins are counted by the throttle shared with Anki's sync login
(``rate_limit.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint, APIFlask, Schema
from apiflask.fields import String
from apiflask.validators import Length
from flask import Response, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    verify_jwt_in_request,
)
from jwt.exceptions import PyJWTError

from javumbo.accounts import (
    InvalidUsernameError,
    WeakPasswordError,
    authenticate,
    create_account,
)
from javumbo.accounts.passwords import hash_password, verify_password
from javumbo.accounts.policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from javumbo.accounts.tokens import (
    REFRESH_FAMILIES_ATTRIBUTE,
    Rotation,
    classify_refresh,
    current_token_id,
    families_with,
    families_without,
    new_family_id,
    new_token_id,
    token_version,
)
from javumbo.api.errors import api_error, error_response
from javumbo.api.services import services
from javumbo.settings import Settings, SettingsError
from javumbo.stores.local import private_directory
from javumbo.stores.ports import UserExistsError, UserNotFoundError, UserRecord
from javumbo.usernames import USERNAME_RULE

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
MIN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 4096
SECRET_FILE_NAME = "jwt_secret"

__all__ = ["hash_password", "verify_password"]  # re-exported for tests and tools

bp = APIBlueprint("auth", __name__, tag="Auth")


@bp.after_request
def never_cached(response: Response) -> Response:
    """Answers carrying tokens must not be kept by a browser or a proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


class CredentialsSchema(Schema):
    username = String(
        required=True,
        validate=[Length(min=3, max=32)],
        metadata={"description": "3–32 characters: letters, digits, '_', '.', '-'"},
    )
    password = String(
        required=True,
        validate=[Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        metadata={
            "description": f"at least {MIN_PASSWORD_LENGTH} characters; not the username, not"
            " a run like 12345678, not one of the most common passwords (400 weak_password)"
        },
    )


class LoginSchema(Schema):
    username = String(required=True, validate=[Length(min=1, max=64)])
    password = String(required=True, validate=[Length(min=1, max=MAX_PASSWORD_LENGTH)])


class RefreshTokenSchema(Schema):
    refresh_token = String(required=True, validate=[Length(min=1, max=MAX_TOKEN_LENGTH)])


class RegisteredSchema(Schema):
    username = String(required=True)
    user_id = String(required=True)


class TokensSchema(Schema):
    token = String(required=True, metadata={"description": "access token (Bearer)"})
    access_token = String(required=True, metadata={"description": "same as token"})
    refresh_token = String(required=True)
    username = String(required=True)


class RefreshedSchema(Schema):
    token = String(required=True)
    access_token = String(required=True)
    refresh_token = String(
        required=True,
        metadata={"description": "the next refresh token; the one sent is now used up"},
    )


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _weak_password(error: WeakPasswordError) -> Exception:
    return api_error(400, str(error), code="weak_password")


@bp.post("/register")
@bp.input(CredentialsSchema, arg_name="body")
@bp.output(RegisteredSchema, status_code=201)
@bp.doc(responses=[400, 403, 409, 413])
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Create an account (403 ``registration_closed`` when the server's registration is
    closed: then only the operator adds users, with ``javumbo user add``)."""
    svc = services()
    if svc.settings.registration != "open":
        raise api_error(403, "registration is closed on this server", code="registration_closed")
    try:
        record = create_account(svc.meta, body["username"], body["password"], svc.clock.now())
    except InvalidUsernameError as exc:
        raise api_error(400, USERNAME_RULE, code="invalid_username") from exc
    except WeakPasswordError as exc:
        raise _weak_password(exc) from exc
    except UserExistsError as exc:
        raise api_error(409, "that username is taken", code="username_taken") from exc
    return {"username": record.username, "user_id": record.user_id}


def throttled_response(wait: float) -> Response:
    return error_response(
        429,
        "too_many_attempts",
        "too many failed logins; wait before trying again",
        headers={"Retry-After": str(max(1, int(wait + 0.999)))},
    )


@bp.post("/login")
@bp.input(LoginSchema, arg_name="body")
@bp.output(TokensSchema)
@bp.doc(responses=[401, 413, 429])
def login(body: dict[str, Any]) -> dict[str, Any] | Response:
    """Exchange a username and password for an access and a refresh token."""
    svc = services()
    username, address = body["username"], _client_address()
    wait = svc.login_throttle.retry_after(username, address)
    if wait is not None:
        return throttled_response(wait)
    user = authenticate(svc.meta, username, body["password"])
    if user is None:
        svc.login_throttle.record_failure(username, address)
        raise api_error(401, "wrong username or password", code="invalid_credentials")
    svc.login_throttle.record_success(username, address)
    return issue_tokens(user)


def issue_tokens(user: UserRecord) -> dict[str, Any]:
    """A new access token and the first refresh token of a new family (one per login)."""
    svc = services()
    family, jti = new_family_id(), new_token_id()
    now = svc.clock.now()
    expires_at = now + REFRESH_TOKEN_LIFETIME.total_seconds()
    families = families_with(user, family, jti, expires_at, now)
    svc.meta.update_user_attributes(user.username, {REFRESH_FAMILIES_ATTRIBUTE: families})
    svc.token_states.note(user)
    access = _access_token(user)
    return {
        "token": access,
        "access_token": access,
        "refresh_token": _refresh_token(user, family, jti),
        "username": user.username,
    }


def _access_token(user: UserRecord) -> str:
    claims = {"username": user.username, "ver": token_version(user)}
    token: str = create_access_token(identity=user.user_id, additional_claims=claims)
    return token


def _refresh_token(user: UserRecord, family: str, jti: str) -> str:
    claims = {"username": user.username, "ver": token_version(user), "fam": family, "jti": jti}
    token: str = create_refresh_token(identity=user.user_id, additional_claims=claims)
    return token


def _revoked() -> Exception:
    return api_error(401, "the token was revoked; log in again", code="unauthorized")


@bp.post("/refresh")
@bp.output(RefreshedSchema)
@bp.doc(security="BearerAuth", responses=[401])
def refresh() -> dict[str, Any]:
    """Swap a refresh token (as the Bearer token) for a new access token and the next refresh
    token. Each refresh token works once: presenting a used one again logs out the login it
    came from (a copied token is then useless to whoever copied it); within 10 seconds of its
    swap, it gets the same next token instead (two tabs refreshing at once)."""
    verify_jwt_in_request(refresh=True)
    claims = get_jwt()
    svc = services()
    user = svc.meta.get_user(str(claims["username"]))
    if user is None or user.user_id != claims["sub"] or token_version(user) != claims.get("ver"):
        raise _revoked()
    family, jti, now = claims.get("fam"), str(claims.get("jti")), svc.clock.now()
    if not isinstance(family, str):
        raise _revoked()
    outcome = classify_refresh(user, family, jti, now)
    if outcome is Rotation.JUST_SWAPPED:  # another tab refreshed a moment ago: same answer
        access = _access_token(user)
        current = _refresh_token(user, family, current_token_id(user, family))
        return {"token": access, "access_token": access, "refresh_token": current}
    if outcome is not Rotation.CURRENT:
        if outcome is Rotation.REUSED:
            families = families_without(user, family)
            svc.meta.update_user_attributes(user.username, {REFRESH_FAMILIES_ATTRIBUTE: families})
        raise _revoked()
    next_jti = new_token_id()
    expires_at = now + REFRESH_TOKEN_LIFETIME.total_seconds()
    families = families_with(user, family, next_jti, expires_at, now)
    svc.meta.update_user_attributes(user.username, {REFRESH_FAMILIES_ATTRIBUTE: families})
    svc.token_states.note(user)
    access = _access_token(user)
    return {
        "token": access,
        "access_token": access,
        "refresh_token": _refresh_token(user, family, next_jti),
    }


@bp.post("/logout")
@bp.input(RefreshTokenSchema, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(responses=[413])
def logout(body: dict[str, Any]) -> tuple[str, int]:
    """End the login a refresh token belongs to: that token and every later one of its family
    stop working (access tokens already issued expire within 15 minutes; to end them at once,
    use ``POST /api/account/logout-all``). A token that is not valid any more is not an error."""
    try:
        claims = decode_token(body["refresh_token"], allow_expired=True)
    except PyJWTError:
        return "", 204
    family, username = claims.get("fam"), claims.get("username")
    if claims.get("type") != "refresh" or not isinstance(family, str):
        return "", 204
    svc = services()
    user = svc.meta.get_user(username) if isinstance(username, str) else None
    if user is not None and user.user_id == claims.get("sub"):
        remaining = families_without(user, family)
        if family in (user.attributes.get(REFRESH_FAMILIES_ATTRIBUTE) or {}):
            with contextlib.suppress(UserNotFoundError):
                changes = {REFRESH_FAMILIES_ATTRIBUTE: remaining}
                svc.meta.update_user_attributes(user.username, changes)
    return "", 204


# ------------------------------------------------------------------ JWT configuration


def jwt_secret(settings: Settings) -> str:
    """The configured secret (at least ``MIN_SECRET_BYTES`` bytes: a short one can be guessed
    offline from any token, and then tokens can be forged); in embedded mode one generated on
    first start and kept in the data folder (0600), so tokens survive restarts. Outside
    embedded mode a secret is required."""
    if settings.jwt_secret_key:
        size = len(settings.jwt_secret_key.encode("utf-8"))
        if size < MIN_SECRET_BYTES:
            raise SettingsError(
                f"JWT_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes, got {size}: make one"
                " with python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return settings.jwt_secret_key
    if not settings.is_embedded:
        raise SettingsError("JWT_SECRET_KEY is required when JAVUMBO_BACKEND is not embedded")
    return _embedded_secret(settings.data_dir / SECRET_FILE_NAME)


def _embedded_secret(path: Path) -> str:
    private_directory(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise SettingsError(f"{path} holds no usable JWT secret; delete it") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret


def configure_jwt(app: APIFlask, settings: Settings) -> None:
    app.config["JWT_SECRET_KEY"] = jwt_secret(settings)
    app.config["JWT_ALGORITHM"] = "HS256"
    app.config["JWT_TOKEN_LOCATION"] = ["headers"]
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = ACCESS_TOKEN_LIFETIME
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = REFRESH_TOKEN_LIFETIME
    jwt = JWTManager(app)

    def unauthorized(message: str) -> Response:
        return error_response(
            401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="javumbo"'}
        )

    @jwt.unauthorized_loader
    def missing(reason: str) -> Response:
        return unauthorized("a Bearer access token is required")

    @jwt.invalid_token_loader
    def invalid(reason: str) -> Response:
        return unauthorized("the access token is not valid")

    @jwt.expired_token_loader
    def expired(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return error_response(401, "token_expired", "the token has expired; refresh or log in")

    @jwt.revoked_token_loader
    def revoked(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return unauthorized("the token was revoked (logged out, password changed or account gone)")

    @jwt.needs_fresh_token_loader
    def not_fresh(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return unauthorized("a fresh login is required")

    @jwt.token_verification_failed_loader
    def failed(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return unauthorized("the access token is not valid")

    @jwt.user_lookup_error_loader
    def unknown_user(header: dict[str, Any], payload: dict[str, Any]) -> Response:
        return unauthorized("the token's user does not exist")

    @jwt.token_verification_loader
    def has_username(header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return isinstance(payload.get("username"), str) and isinstance(payload.get("sub"), str)

    @jwt.token_in_blocklist_loader
    def is_revoked(header: dict[str, Any], payload: dict[str, Any]) -> bool:
        # Refresh tokens are checked against the stored record by the view that takes them.
        if payload.get("type") == "refresh":
            return False
        return not services().token_states.accepts(payload)
