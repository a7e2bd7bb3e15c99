"""Build the stores the settings ask for: a folder and a SQLite file, S3 and DynamoDB, or an
S3-compatible bucket and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from javumbo.settings import Settings, SettingsError
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import BlobStore, DirectTransfers, MetaStore, StoreError
from javumbo.stores.s3 import S3BlobStore
from javumbo.stores.s3_presigned import S3DirectTransfers
from javumbo.stores.sqlite_meta import SqliteMetaStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

# Fail fast when the backend is gone: a request should get its 503 in a few seconds, not hang
# through botocore's default 60 s timeouts and 5 attempts.
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 10.0
TOTAL_ATTEMPTS = 2


def aws_client_config(settings: Settings) -> Config:
    return Config(
        region_name=settings.aws_region,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": TOTAL_ATTEMPTS, "mode": "standard"},
        max_pool_connections=32,
        # Emulators on an IP address cannot serve virtual-hosted bucket names.
        s3={"addressing_style": "path" if settings.aws_endpoint_url else "auto"},
        # Checksums only where S3 requires them: keeps S3-compatible emulators working.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def s3_client(settings: Settings) -> S3Client:
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=settings.aws_endpoint_url,
        region_name=settings.aws_region,
        config=aws_client_config(settings),
    )
    return client


def dynamodb_client(settings: Settings) -> DynamoDBClient:
    client: DynamoDBClient = boto3.client(
        "dynamodb",
        endpoint_url=settings.aws_endpoint_url,
        region_name=settings.aws_region,
        config=aws_client_config(settings),
    )
    return client


def open_stores(settings: Settings) -> tuple[BlobStore, MetaStore]:
    """Embedded: ``<data_dir>/blobs`` and ``<data_dir>/meta.sqlite3``. AWS: the settings' bucket
    and tables, at ``AWS_ENDPOINT_URL`` when set (see ``javumbo aws init`` to create them).
    PostgreSQL: the bucket (S3 or any S3-compatible server at ``AWS_ENDPOINT_URL``) and the
    database at ``DATABASE_URL``, whose schema is brought up to date on opening (``javumbo db
    init`` creates both)."""
    if settings.is_embedded:
        data_dir = settings.data_dir
        return (
            LocalBlobStore(data_dir / "blobs"),
            SqliteMetaStore(data_dir / "meta.sqlite3"),
        )
    blobs = S3BlobStore(
        settings.s3_bucket, s3_client(settings), conditional_writes=conditional_writes(settings)
    )
    if settings.backend == "postgres":
        return blobs, open_postgres_meta(settings)
    return blobs, DynamoMetaStore(settings, dynamodb_client(settings))


def direct_transfers(
    settings: Settings, blobs: BlobStore, *, in_lambda: bool
) -> DirectTransfers | None:
    """Presigned browser transfers when the blobs are in S3 and the settings want them
    ("auto": on Lambda only, where the API cannot take a package's body)."""
    wanted = settings.direct_transfers == "on" or (
        settings.direct_transfers == "auto" and in_lambda
    )
    if not wanted or not isinstance(blobs, S3BlobStore):
        return None
    return S3DirectTransfers(blobs.bucket, blobs.client)


def conditional_writes(settings: Settings) -> bool | None:
    """Whether the bucket's server honours ``If-None-Match`` (None: ask it). AWS's S3 does;
    an S3-compatible server at ``AWS_ENDPOINT_URL`` is asked unless S3_CONDITIONAL_WRITES
    says."""
    if settings.s3_conditional_writes == "on":
        return True
    if settings.s3_conditional_writes == "off":
        return False
    return None if settings.aws_endpoint_url else True


def open_postgres_meta(settings: Settings, *, upgrade_schema: bool = True) -> MetaStore:
    """The PostgreSQL metastore of ``DATABASE_URL``; a clear error when the optional driver
    (``pip install 'javumbo[postgres]'``) is missing."""
    if not settings.database_url:
        raise SettingsError("DATABASE_URL is required when JAVUMBO_BACKEND=postgres")
    try:
        from javumbo.stores.postgres import PostgresMetaStore
    except ImportError as exc:
        raise StoreError(
            f"the postgres backend needs psycopg: pip install 'javumbo[postgres]' ({exc})"
        ) from exc
    return PostgresMetaStore(
        settings.database_url,
        pool_size=settings.database_pool_size,
        upgrade_schema=upgrade_schema,
    )
