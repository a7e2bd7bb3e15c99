"""Create the bucket and the four tables on a fresh account or an emulator, idempotently.

The production layout is Terraform's (``infra/modules/data_tier``); this mirrors its keys, GSI
and TTL settings so the application finds the same shapes on an emulator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from javumbo.settings import Settings
from javumbo.stores.factory import dynamodb_client, s3_client
from javumbo.stores.ports import StoreError, StoreUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

TABLE_ACTIVE_DEADLINE_SECONDS = 120.0


@dataclass
class SetupReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table_definitions(settings: Settings) -> list[dict[str, Any]]:
    """``CreateTable`` requests for the users, locks, sessions and journal tables."""

    def hash_only(name: str, key: str) -> dict[str, Any]:
        return {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        }

    sessions = hash_only(settings.sessions_table, "session_id")
    sessions["AttributeDefinitions"].append({"AttributeName": "username", "AttributeType": "S"})
    sessions["GlobalSecondaryIndexes"] = [
        {
            "IndexName": "username-index",
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]
    journal = {
        "TableName": settings.journal_table,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": "username", "KeyType": "HASH"},
            {"AttributeName": "seq", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "username", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
        ],
    }
    return [
        hash_only(settings.users_table, "username"),
        hash_only(settings.locks_table, "lock_id"),
        sessions,
        journal,
    ]


TTL_TABLES = ("locks_table", "sessions_table", "journal_table")  # journal: idempotency keys


def ensure_aws_resources(
    settings: Settings,
    *,
    s3: S3Client | None = None,
    dynamodb: DynamoDBClient | None = None,
) -> SetupReport:
    """Create what is missing; leave what exists. Safe to run any number of times."""
    s3 = s3 or s3_client(settings)
    dynamodb = dynamodb or dynamodb_client(settings)
    report = SetupReport()
    try:
        _ensure_bucket(s3, settings, report)
        for definition in table_definitions(settings):
            _ensure_table(dynamodb, definition, report)
        for attribute in TTL_TABLES:
            _ensure_ttl(dynamodb, getattr(settings, attribute))
    except BotoCoreError as exc:
        raise StoreUnavailableError(f"AWS not reachable: {exc}") from exc
    except ClientError as exc:
        raise StoreError(f"AWS setup failed: {exc}") from exc
    return report


def ensure_bucket(settings: Settings, *, s3: S3Client | None = None) -> SetupReport:
    """Create the bucket if missing (any S3-compatible server at ``AWS_ENDPOINT_URL``)."""
    report = SetupReport()
    try:
        _ensure_bucket(s3 or s3_client(settings), settings, report)
    except BotoCoreError as exc:
        raise StoreUnavailableError(f"S3 not reachable: {exc}") from exc
    except ClientError as exc:
        raise StoreError(f"S3 setup failed: {exc}") from exc
    return report


def _ensure_bucket(s3: S3Client, settings: Settings, report: SetupReport) -> None:
    name = f"s3://{settings.s3_bucket}"
    try:
        s3.head_bucket(Bucket=settings.s3_bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    else:
        report.existing.append(name)
        return
    request: dict[str, Any] = {"Bucket": settings.s3_bucket}
    if settings.aws_region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": settings.aws_region}
    try:
        s3.create_bucket(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
        report.existing.append(name)
        return
    report.created.append(name)


def _ensure_table(
    dynamodb: DynamoDBClient, definition: dict[str, Any], report: SetupReport
) -> None:
    table = definition["TableName"]
    name = f"dynamodb:{table}"
    client: Any = dynamodb
    try:
        client.create_table(**definition)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
        report.existing.append(name)
    else:
        report.created.append(name)
    _wait_until_active(dynamodb, table)


def _wait_until_active(dynamodb: DynamoDBClient, table: str) -> None:
    deadline = time.monotonic() + TABLE_ACTIVE_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        status = dynamodb.describe_table(TableName=table)["Table"].get("TableStatus")
        if status == "ACTIVE":
            return
        time.sleep(0.5)
    raise StoreUnavailableError(f"table {table} not ACTIVE after {TABLE_ACTIVE_DEADLINE_SECONDS}s")


def _ensure_ttl(dynamodb: DynamoDBClient, table: str) -> None:
    current = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    dynamodb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
