"""``javumbo aws init``: create the bucket and tables named by the environment."""

from __future__ import annotations

import argparse

from javumbo.cli.command_error import CommandError
from javumbo.settings import Settings, SettingsError
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.ports import StoreError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("aws", help="AWS resources (S3 bucket, DynamoDB tables)")
    actions = parser.add_subparsers(dest="aws_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the bucket and tables if missing (idempotent; honours AWS_ENDPOINT_URL)",
    )
    init.set_defaults(handler=init_resources)


def init_resources(args: argparse.Namespace) -> int:
    try:
        # Creating resources needs names and an endpoint, not the app's JWT secret.
        settings = Settings.from_env(require_jwt_secret=False)
        report = ensure_aws_resources(settings)
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    for name in report.created:
        print(f"created {name}")
    for name in report.existing:
        print(f"exists  {name}")
    return 0
