"""Build the stores the settings ask for: a folder and a SQLite file, or S3 and DynamoDB."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from javumbo.settings import Settings
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import BlobStore, MetaStore
from javumbo.stores.s3 import S3BlobStore
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
    and tables, at ``AWS_ENDPOINT_URL`` when set (see ``javumbo aws init`` to create them)."""
    if settings.is_embedded:
        data_dir = settings.data_dir
        return (
            LocalBlobStore(data_dir / "blobs"),
            SqliteMetaStore(data_dir / "meta.sqlite3"),
        )
    return (
        S3BlobStore(settings.s3_bucket, s3_client(settings)),
        DynamoMetaStore(settings, dynamodb_client(settings)),
    )
