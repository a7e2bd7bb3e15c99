"""The signed-in user's own account: change the password, log out everywhere, delete it all;
and ``GET /api/server-info``, public, so the web app knows whether to offer sign-up.

Routes that change the account ask for the current password again (a stolen access token alone
cannot take the account over or delete it); those checks count against the same login throttle
as ``/login``, so they cannot be used to guess the password either.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, String
from apiflask.validators import Length, OneOf
from flask import Response, request

from javumbo.accounts import (
    WeakPasswordError,
    authenticate,
    change_password,
    delete_account,
    log_out_everywhere,
)
from javumbo.accounts.policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from javumbo.api.auth import TokensSchema, issue_tokens, never_cached, throttled_response
from javumbo.api.collection_handle import current_token_user
from javumbo.api.errors import api_error
from javumbo.api.services import Services, services
from javumbo.settings import REGISTRATION_POLICIES
from javumbo.stores.ports import UserRecord

bp = APIBlueprint("account", __name__, tag="Account", url_prefix="/api/account")
public_bp = APIBlueprint("server_info", __name__, tag="Server", url_prefix="/api")
bp.after_request(never_cached)


class PasswordChangeSchema(Schema):
    current_password = String(required=True, validate=[Length(min=1, max=MAX_PASSWORD_LENGTH)])
    new_password = String(
        required=True,
        validate=[Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        metadata={"description": "the same policy as at registration (400 weak_password)"},
    )


class PasswordSchema(Schema):
    password = String(required=True, validate=[Length(min=1, max=MAX_PASSWORD_LENGTH)])


class ServerInfoSchema(Schema):
    registration = String(
        required=True,
        validate=[OneOf(REGISTRATION_POLICIES)],
        metadata={"description": "closed: only the operator adds users (javumbo user add)"},
    )
    direct_transfers = Boolean(
        required=True,
        metadata={
            "description": "packages go straight to and from storage (POST /api/import/uploads,"
            " POST /api/export/link) instead of in the request"
        },
    )


def _confirmed_user(svc: Services, password: str) -> UserRecord | Response:
    """The token's user if ``password`` is theirs; a 429 answer when throttled; 403 else."""
    token_user = current_token_user()
    address = request.remote_addr or "unknown"
    wait = svc.login_throttle.retry_after(token_user.username, address)
    if wait is not None:
        return throttled_response(wait)
    user = authenticate(svc.meta, token_user.username, password)
    if user is None or user.user_id != token_user.user_id:
        svc.login_throttle.record_failure(token_user.username, address)
        raise api_error(403, "the password is not right", code="wrong_password")
    svc.login_throttle.record_success(token_user.username, address)
    return user


@bp.post("/password")
@bp.input(PasswordChangeSchema, arg_name="body")
@bp.output(TokensSchema)
@bp.doc(responses=[400, 403, 429])
def password(body: dict[str, Any]) -> dict[str, Any] | Response:
    """Change the password. Every other login (web sessions, Anki sync host keys) is logged
    out; the answer carries new tokens for this one."""
    svc = services()
    user = _confirmed_user(svc, body["current_password"])
    if isinstance(user, Response):
        return user
    try:
        changed = change_password(svc.meta, user, body["new_password"])
    except WeakPasswordError as exc:
        raise api_error(400, str(exc), code="weak_password") from exc
    svc.token_states.note(changed)
    return issue_tokens(changed)


@bp.post("/logout-all")
@bp.output({}, status_code=204)
def logout_all() -> tuple[str, int]:
    """Log out everywhere: every access and refresh token of the user (this one too) and every
    Anki sync host key stop working."""
    svc = services()
    token_user = current_token_user()
    user = svc.meta.get_user(token_user.username)
    if user is not None and user.user_id == token_user.user_id:
        svc.token_states.note(log_out_everywhere(svc.meta, user))
    return "", 204


@bp.delete("")
@bp.input(PasswordSchema, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(responses=[403, 429])
def delete(body: dict[str, Any]) -> tuple[str, int] | Response:
    """Delete the account and everything in it, from every store: the collection and its
    snapshots, media, the journal, sessions, sync keys and logins. There is no undo."""
    svc = services()
    user = _confirmed_user(svc, body["password"])
    if isinstance(user, Response):
        return user

    def release(user_id: str) -> None:
        # Tokens are revoked in the store now: this instance stops accepting them at once, and
        # drops its copy of the collection, in memory and on disk.
        svc.token_states.forget(user.username)
        svc.engine.forget_user(user_id)

    delete_account(svc.meta, svc.blobs, user, release=release)
    svc.token_states.forget(user.username)
    return "", 204


@public_bp.get("/server-info")
@public_bp.output(ServerInfoSchema)
def server_info() -> dict[str, Any]:
    """What the web app needs to know before anyone logs in."""
    svc = services()
    return {
        "registration": svc.settings.registration,
        "direct_transfers": svc.direct_transfers is not None,
    }
