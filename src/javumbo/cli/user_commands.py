"""``javumbo user add|remove|reset-password|list``: the operator's account commands.

They work whatever ``JAVUMBO_REGISTRATION`` says (with registration closed they are the only
way in) and apply the same rules as the API (``javumbo.accounts``). A password is read from
standard input when it is not a terminal (one line), else asked twice without echo; ``--generate``
makes a random one and prints it. ``remove`` deletes the user's collection, media, snapshots,
journal, sessions and sync keys from every store, after asking (or with ``--yes``).
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from datetime import UTC, datetime

from javumbo.accounts import (
    InvalidUsernameError,
    WeakPasswordError,
    change_password,
    create_account,
    delete_account,
)
from javumbo.cli.command_error import CommandError
from javumbo.settings import Settings, SettingsError
from javumbo.stores.factory import open_stores
from javumbo.stores.local import private_directory
from javumbo.stores.ports import BlobStore, MetaStore, StoreError, UserExistsError, UserRecord
from javumbo.usernames import canonical_username

GENERATED_PASSWORD_BYTES = 18


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("user", help="add, remove, list users; reset a password")
    actions = parser.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a user (also when registration is closed)")
    add.add_argument("username")
    add.add_argument("--generate", action="store_true", help="make a random password, print it")
    add.set_defaults(handler=add_user)
    remove = actions.add_parser("remove", help="delete a user and all their data")
    remove.add_argument("username")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=remove_user)
    reset = actions.add_parser(
        "reset-password", help="set a new password (every login and sync key of the user ends)"
    )
    reset.add_argument("username")
    reset.add_argument("--generate", action="store_true", help="make a random password, print it")
    reset.set_defaults(handler=reset_password)
    listing = actions.add_parser("list", help="list the users")
    listing.set_defaults(handler=list_users)


def _stores() -> tuple[BlobStore, MetaStore]:
    try:
        settings = Settings.from_env(require_jwt_secret=False)
        if settings.is_embedded:
            private_directory(settings.data_dir)
        return open_stores(settings)
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc


def _existing_user(meta: MetaStore, raw: str) -> UserRecord:
    name = canonical_username(raw)
    user = meta.get_user(name) if name is not None else None
    if user is None:
        raise CommandError(f"no user named {raw!r}")
    return user


def _new_password(generate: bool) -> tuple[str, bool]:
    """The password to set, and whether it was generated (then it is printed)."""
    if generate:
        return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES), True
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input (or use --generate)")
        return password, False
    first = getpass.getpass("New password: ")
    if getpass.getpass("Once more: ") != first:
        raise CommandError("the two passwords differ")
    return first, False


def add_user(args: argparse.Namespace) -> int:
    _blobs, meta = _stores()
    password, generated = _new_password(args.generate)
    try:
        user = create_account(meta, args.username, password, datetime.now(UTC).timestamp())
    except InvalidUsernameError as exc:
        raise CommandError(str(exc)) from exc
    except WeakPasswordError as exc:
        raise CommandError(f"password refused: {exc}") from exc
    except UserExistsError as exc:
        raise CommandError(f"a user named {args.username!r} exists already") from exc
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    print(f"added {user.username}" + (f" with password {password}" if generated else ""))
    return 0


def remove_user(args: argparse.Namespace) -> int:
    blobs, meta = _stores()
    user = _existing_user(meta, args.username)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("removing deletes all the user's data: confirm with --yes")
        typed = input(f"Delete {user.username} and all their data? Type the username: ")
        if typed.strip().lower() != user.username:
            raise CommandError("not confirmed; nothing deleted")
    try:
        deletion = delete_account(meta, blobs, user)
    except StoreError as exc:
        raise CommandError(f"{exc} (run the command again to finish the removal)") from exc
    print(f"removed {deletion.username} ({deletion.blobs_deleted} stored objects deleted)")
    return 0


def reset_password(args: argparse.Namespace) -> int:
    _blobs, meta = _stores()
    user = _existing_user(meta, args.username)
    password, generated = _new_password(args.generate)
    try:
        change_password(meta, user, password)
    except WeakPasswordError as exc:
        raise CommandError(f"password refused: {exc}") from exc
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    shown = f"; new password {password}" if generated else ""
    print(f"password of {user.username} reset; every login and sync key of theirs ended{shown}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    _blobs, meta = _stores()
    try:
        users = meta.list_users()
    except StoreError as exc:
        raise CommandError(str(exc)) from exc
    for user in users:
        created = datetime.fromtimestamp(user.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        print(f"{user.username}\t{created} UTC\t{user.user_id}")
    print(f"{len(users)} user{'s' if len(users) != 1 else ''}", file=sys.stderr)
    return 0
