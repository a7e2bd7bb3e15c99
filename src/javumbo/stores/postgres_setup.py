"""``javumbo db init`` and ``javumbo db upgrade``: the bucket and the PostgreSQL schema of a
cluster without AWS, created or brought up to date idempotently."""

from __future__ import annotations

import psycopg

from javumbo.settings import Settings, SettingsError
from javumbo.stores.aws_setup import SetupReport, ensure_bucket
from javumbo.stores.factory import conditional_writes, s3_client
from javumbo.stores.ports import StoreError, StoreUnavailableError
from javumbo.stores.postgres import CONNECT_TIMEOUT_SECONDS, safe_url
from javumbo.stores.postgres_schema import SchemaTooNewError, UpgradeReport, upgrade
from javumbo.stores.s3 import S3BlobStore


def upgrade_schema(settings: Settings) -> UpgradeReport:
    """Apply the migrations the database at ``DATABASE_URL`` lacks."""
    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set")
    try:
        url = settings.database_url
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            return upgrade(conn)
    except SchemaTooNewError as exc:
        raise StoreError(str(exc)) from exc
    except psycopg.OperationalError as exc:
        raise StoreUnavailableError(f"{safe_url(settings.database_url)}: {exc}") from exc
    except psycopg.Error as exc:
        raise StoreError(f"{safe_url(settings.database_url)}: {exc}") from exc


def ensure_postgres_resources(settings: Settings) -> SetupReport:
    """The bucket, then the schema; safe to run any number of times."""
    report = ensure_bucket(settings)
    report.notes.append(conditional_writes_note(settings))
    schema = upgrade_schema(settings)
    where = f"postgres:{safe_url(settings.database_url or '')} schema v{schema.version}"
    (report.created if schema.applied else report.existing).append(where)
    return report


def conditional_writes_note(settings: Settings) -> str:
    """What the bucket's server does with ``If-None-Match`` (asked unless the settings say)."""
    store = S3BlobStore(
        settings.s3_bucket, s3_client(settings), conditional_writes=conditional_writes(settings)
    )
    where = f"s3://{settings.s3_bucket}"
    if store.honours_conditional_writes():
        return f"{where} honours conditional writes (If-None-Match)"
    return (
        f"{where} ignores conditional writes (If-None-Match): create-only puts check, put and"
        " check again (see the README on S3-compatible servers)"
    )
