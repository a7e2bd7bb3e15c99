"""Creating, changing and deleting accounts: the same rules for the API and the ``javumbo
user`` commands.

Deleting an account removes everything of the user from every store: the blobs under
``users/<user_id>/`` (collection snapshots, spills, media, pending syncs, import jobs), then the
metastore records (``MetaStore.purge_user``: head, journal, idempotency records, sync state,
sessions, and the user record with its sync host keys and refresh families last). The tokens are
revoked first, so nothing can write for the user while the rest goes; every step is idempotent,
so a deletion that failed half-way is finished by running it again.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from javumbo.accounts.legacy_hashes import UPGRADED_HASH_ATTRIBUTE
from javumbo.accounts.passwords import hash_password
from javumbo.accounts.policy import check_new_password
from javumbo.accounts.tokens import revocation_changes
from javumbo.stores.ports import BlobStore, MetaStore, UserNotFoundError, UserRecord, UserStore
from javumbo.userdb.names import user_prefix
from javumbo.usernames import USERNAME_RULE, canonical_username


class InvalidUsernameError(ValueError):
    """The username breaks ``USERNAME_RULE``."""


def valid_username(raw: str) -> str:
    """The stored form of ``raw``; ``InvalidUsernameError`` if it breaks the rule."""
    name = canonical_username(raw)
    if name is None:
        raise InvalidUsernameError(USERNAME_RULE)
    return name


def create_account(meta: UserStore, username: str, password: str, now: float) -> UserRecord:
    """A new user; ``InvalidUsernameError``, ``WeakPasswordError`` or ``UserExistsError``."""
    name = valid_username(username)
    check_new_password(password, name)
    record = UserRecord(
        username=name,
        user_id=uuid.uuid4().hex,
        password_hash=hash_password(password),
        created_at=now,
    )
    meta.create_user(record)
    return record


def change_password(meta: UserStore, user: UserRecord, new_password: str) -> UserRecord:
    """Store a new password (``WeakPasswordError`` if it breaks the policy) and log the user out
    everywhere; returns the record as stored now."""
    check_new_password(new_password, user.username)
    changes = {**revocation_changes(user), UPGRADED_HASH_ATTRIBUTE: hash_password(new_password)}
    return _updated(meta, user, changes)


def log_out_everywhere(meta: UserStore, user: UserRecord) -> UserRecord:
    """Every token and sync host key of the user stops working."""
    return _updated(meta, user, revocation_changes(user))


@dataclass(frozen=True)
class Deletion:
    username: str
    user_id: str
    blobs_deleted: int


def delete_account(
    meta: MetaStore,
    blobs: BlobStore,
    user: UserRecord,
    *,
    release: Callable[[str], None] | None = None,
) -> Deletion:
    """Remove the user and all their data from every store (see the module docstring).
    ``release(user_id)`` runs once the tokens are revoked and before anything is deleted: the
    running process drops its own copy of the collection there."""
    with contextlib.suppress(UserNotFoundError):  # finished by someone else: purge the rest
        log_out_everywhere(meta, user)
    if release is not None:
        release(user.user_id)
    deleted = 0
    for info in list(blobs.list(user_prefix(user.user_id))):
        blobs.delete(info.key)
        deleted += 1
    meta.purge_user(user.user_id, user.username)
    return Deletion(user.username, user.user_id, deleted)


def _updated(meta: UserStore, user: UserRecord, changes: dict[str, object]) -> UserRecord:
    meta.update_user_attributes(user.username, changes)
    stored = meta.get_user(user.username)
    if stored is None:
        raise UserNotFoundError(user.username)
    return stored
