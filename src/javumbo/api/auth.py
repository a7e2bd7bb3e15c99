"""Accounts and tokens: ``POST /register``, ``POST /login``, ``POST /refresh``.

Access tokens are short-lived JWTs (15 minutes) whose subject is the user's opaque id and which
carry the username (sessions are keyed by it); refresh tokens last 30 days and can only be
swapped for a new access token. Passwords are hashed with argon2id. Failed logins are limited
per (username, client address), see ``rate_limit.py``.
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint, APIFlask, Schema
from apiflask.fields import String
from apiflask.validators import Length
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Response, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    verify_jwt_in_request,
)

from javumbo.api.errors import api_error, error_response
from javumbo.api.services import services
from javumbo.ops.legacy_passwords import check_password
from javumbo.settings import Settings, SettingsError
from javumbo.stores.ports import UserExistsError, UserRecord
from javumbo.usernames import USERNAME_RULE, canonical_username

ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
SECRET_FILE_NAME = "jwt_secret"

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

bp = APIBlueprint("auth", __name__, tag="Auth")


class CredentialsSchema(Schema):
    username = String(
        required=True,
        validate=[Length(min=3, max=32)],
        metadata={"description": "3–32 characters: letters, digits, '_', '.', '-'"},
    )
    password = String(
        required=True, validate=[Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]
    )


class LoginSchema(Schema):
    username = String(required=True, validate=[Length(min=1, max=64)])
    password = String(required=True, validate=[Length(min=1, max=MAX_PASSWORD_LENGTH)])


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


def normalize_username(raw: str) -> str:
    """Usernames compare case-insensitively; stored and used lower-case."""
    name = canonical_username(raw)
    if name is None:
        raise api_error(400, USERNAME_RULE, code="invalid_username")
    return name


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.post("/register")
@bp.input(CredentialsSchema, arg_name="body")
@bp.output(RegisteredSchema, status_code=201)
@bp.doc(responses=[400, 409, 413])
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Create an account."""
    username = normalize_username(body["username"])
    record = UserRecord(
        username=username,
        user_id=uuid.uuid4().hex,
        password_hash=hash_password(body["password"]),
        created_at=services().clock.now(),
    )
    try:
        services().meta.create_user(record)
    except UserExistsError as exc:
        raise api_error(409, "that username is taken", code="username_taken") from exc
    return {"username": username, "user_id": record.user_id}


@bp.post("/login")
@bp.input(LoginSchema, arg_name="body")
@bp.output(TokensSchema)
@bp.doc(responses=[401, 413, 429])
def login(body: dict[str, Any]) -> dict[str, Any] | Response:
    """Exchange a username and password for an access and a refresh token."""
    username = body["username"].strip().lower()
    limiter = services().login_limiter
    key = (username, _client_address())
    wait = limiter.retry_after(key)
    if wait is not None:
        return error_response(
            429,
            "too_many_attempts",
            "too many failed logins; wait before trying again",
            headers={"Retry-After": str(max(1, int(wait + 0.999)))},
        )
    valid = canonical_username(username) is not None
    user = services().meta.get_user(username) if valid else None
    if user is None:
        verify_password(_DUMMY_HASH, body["password"])  # same cost as a real check
        ok = False
    else:
        # Migrated werkzeug hashes are checked too, and upgraded to argon2id on success.
        ok = check_password(
            services().meta, user, body["password"], verify=verify_password, rehash=hash_password
        )
    if user is None or not ok:
        limiter.record_failure(key)
        raise api_error(401, "wrong username or password", code="invalid_credentials")
    limiter.reset(key)
    claims = {"username": user.username}
    token = create_access_token(identity=user.user_id, additional_claims=claims)
    return {
        "token": token,
        "access_token": token,
        "refresh_token": create_refresh_token(identity=user.user_id, additional_claims=claims),
        "username": user.username,
    }


@bp.post("/refresh")
@bp.output(RefreshedSchema)
@bp.doc(security="BearerAuth", responses=[401])
def refresh() -> dict[str, Any]:
    """Swap a refresh token (as the Bearer token) for a new access token."""
    verify_jwt_in_request(refresh=True)
    token = create_access_token(
        identity=get_jwt_identity(), additional_claims={"username": get_jwt()["username"]}
    )
    return {"token": token, "access_token": token}


# ------------------------------------------------------------------ JWT configuration


def jwt_secret(settings: Settings) -> str:
    """The configured secret; in embedded mode one generated on first start and kept in the
    data folder (0600), so tokens survive restarts. Outside embedded mode a secret is required."""
    if settings.jwt_secret_key:
        return settings.jwt_secret_key
    if not settings.is_embedded:
        raise SettingsError("JWT_SECRET_KEY is required when JAVUMBO_BACKEND is not embedded")
    return _embedded_secret(settings.data_dir / SECRET_FILE_NAME)


def _embedded_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if len(secret) < 32:
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
        return unauthorized("the token was revoked")

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
