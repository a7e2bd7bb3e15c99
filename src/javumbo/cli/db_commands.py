"""``javumbo db init`` / ``javumbo db upgrade``: a cluster without AWS (PostgreSQL + an
S3-compatible bucket), the counterpart of ``javumbo aws init``."""

from __future__ import annotations

import argparse

from javumbo.cli.command_error import CommandError
from javumbo.settings import Settings, SettingsError
from javumbo.stores.ports import StoreError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "db", help="the PostgreSQL metastore (JAVUMBO_BACKEND=postgres, DATABASE_URL)"
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the bucket (S3_BUCKET at AWS_ENDPOINT_URL) and the schema if missing"
        " (idempotent)",
    )
    init.set_defaults(handler=init_resources)
    upgrade = actions.add_parser(
        "upgrade", help="apply the schema migrations the database lacks (idempotent)"
    )
    upgrade.set_defaults(handler=upgrade_schema)


def _settings() -> Settings:
    # Creating a schema needs the database, not the app's JWT secret.
    settings = Settings.from_env(require_jwt_secret=False)
    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set (postgresql://user:password@host:5432/db)")
    return settings


def init_resources(args: argparse.Namespace) -> int:
    from javumbo.stores.postgres_setup import ensure_postgres_resources

    try:
        report = ensure_postgres_resources(_settings())
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    for name in report.created:
        print(f"created {name}")
    for name in report.existing:
        print(f"exists  {name}")
    for note in report.notes:
        print(f"note    {note}")
    return 0


def upgrade_schema(args: argparse.Namespace) -> int:
    from javumbo.stores.postgres_setup import upgrade_schema as upgrade

    try:
        report = upgrade(_settings())
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    for version in report.applied:
        print(f"applied migration {version}")
    print(f"schema at version {report.version}")
    return 0
