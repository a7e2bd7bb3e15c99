"""Sync commands: ``javumbo sync revoke-keys --user NAME`` signs a user's Anki devices out.

A host key is what Anki keeps after logging in to the sync server; revoking the user's keys
(all of them, or the one given) makes every such device ask for the password again, e.g. after
a lost phone or a changed password.
"""

from __future__ import annotations

import argparse

from javumbo.api.rate_limit import LoginThrottle
from javumbo.cli.command_error import CommandError
from javumbo.collection.clock import SystemClock
from javumbo.settings import Settings, SettingsError
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import StoreError
from javumbo.sync.host_keys import HostKeys


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("sync", help="Anki sync server administration")
    actions = parser.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    revoke = actions.add_parser(
        "revoke-keys", help="sign a user's Anki devices out (they must log in again)"
    )
    revoke.add_argument("--user", required=True, help="the Javumbo username")
    revoke.add_argument("--key", help="revoke only this host key (default: all of them)")
    revoke.set_defaults(handler=revoke_keys)


def revoke_keys(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(require_jwt_secret=False)
        _blobs, meta = open_stores(settings)
        username = str(args.user).strip().lower()
        if meta.get_user(username) is None:
            raise CommandError(f"no user named {args.user!r}")
        clock = SystemClock()
        keys = HostKeys(meta, clock, LoginThrottle(clock))
        removed = keys.revoke(username, args.key)
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"revoked {removed} sync host key{'s' if removed != 1 else ''} of {username}")
    return 0
