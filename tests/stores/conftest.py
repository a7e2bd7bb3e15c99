"""Backends for the contract suites: every test taking ``blob_store``, ``meta_store`` or one of
the narrow metastore ports (``users``, ``journal``, ``keyed_journal``, ``sync_states``,
``sessions``, ``leases``) runs once per adapter. The emulators (moto, SeaweedFS) start once per
test run, on first use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from javumbo.settings import Settings
from javumbo.stores import BlobStore, MetaStore
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import aws_client_config, dynamodb_client, s3_client
from javumbo.stores.local import LocalBlobStore
from javumbo.stores.ports import JournalStore, LeaseStore, SessionStore, SyncStateStore, UserStore
from javumbo.stores.postgres import PostgresMetaStore
from javumbo.stores.s3 import MIN_PART_SIZE, S3BlobStore
from javumbo.stores.sqlite_meta import SqliteMetaStore
from tests.stores.meta_records import KeyedJournal
from tests.stores.postgres_server import PostgresUnavailable, create_database, start_postgres
from tests.stores.s3rver_server import S3RVER_CREDENTIALS, S3rverUnavailable, start_s3rver
from tests.support import aws_settings, unique_names

# A small multipart threshold (S3's smallest part size): the contract's 6 MiB and 11 MiB
# objects go up in parts when overwritten; create-only puts stay single conditional PUTs.
TEST_MULTIPART_THRESHOLD = MIN_PART_SIZE
TEST_PART_SIZE = MIN_PART_SIZE


def new_bucket_store(
    endpoint_url: str,
    *,
    conditional_writes: bool | None = True,
    credentials: dict[str, str] | None = None,
) -> S3BlobStore:
    settings = aws_settings(endpoint_url, s3_bucket=f"t-{uuid.uuid4().hex[:16]}")
    client = s3_client(settings)
    if credentials is not None:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=aws_client_config(settings),
            **credentials,  # type: ignore[arg-type]
        )
    client.create_bucket(Bucket=settings.s3_bucket)
    return S3BlobStore(
        settings.s3_bucket,
        client,
        multipart_threshold=TEST_MULTIPART_THRESHOLD,
        part_size=TEST_PART_SIZE,
        conditional_writes=conditional_writes,
    )


@pytest.fixture(scope="session")
def s3rver_url(aws_env: dict[str, str]) -> Iterator[str]:
    """s3rver (npm), an S3-compatible server that ignores ``If-None-Match``."""
    try:
        url, stop = start_s3rver()
    except S3rverUnavailable as exc:
        pytest.skip(f"s3rver cannot run here: {exc}")
    yield url
    stop()


@pytest.fixture(params=["local", "s3-moto", "s3-seaweedfs", "s3-s3rver"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    if request.param == "s3-moto":
        return new_bucket_store(request.getfixturevalue("moto_url"))
    if request.param == "s3-s3rver":
        return new_bucket_store(
            request.getfixturevalue("s3rver_url"),
            conditional_writes=None,
            credentials=S3RVER_CREDENTIALS,
        )
    return new_bucket_store(request.getfixturevalue("seaweedfs_url"))


@pytest.fixture(scope="session")
def dynamo_settings(moto_url: str) -> Settings:
    """One set of tables for the run (tests use unique user ids, names and session ids)."""
    settings = aws_settings(moto_url, **unique_names("contract"))
    ensure_aws_resources(settings)
    return settings


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server of Debian's package for the run (its ``postgres`` database)."""
    try:
        url, stop = start_postgres()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL cannot run here: {exc}")
    yield url
    stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: str) -> str:
    """One database for the contract suites (tests use unique user ids, names, session ids)."""
    return create_database(postgres_server_url, "contract")


@pytest.fixture(params=["sqlite", "dynamodb-moto", "postgres"])
def meta_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetaStore]:
    if request.param == "sqlite":
        yield SqliteMetaStore(tmp_path / "meta.sqlite3")
    elif request.param == "postgres":
        store = PostgresMetaStore(request.getfixturevalue("postgres_url"))
        yield store
        store.close()
    else:
        settings: Settings = request.getfixturevalue("dynamo_settings")
        yield DynamoMetaStore(settings, dynamodb_client(settings))


# The narrow ports, each the same adapter seen through the protocol its contract suite checks.


@pytest.fixture
def users(meta_store: MetaStore) -> UserStore:
    return meta_store


@pytest.fixture
def journal(meta_store: MetaStore) -> JournalStore:
    return meta_store


@pytest.fixture
def keyed_journal(meta_store: MetaStore) -> KeyedJournal:
    return meta_store


@pytest.fixture
def sync_states(meta_store: MetaStore) -> SyncStateStore:
    return meta_store


@pytest.fixture
def sessions(meta_store: MetaStore) -> SessionStore:
    return meta_store


@pytest.fixture
def leases(meta_store: MetaStore) -> LeaseStore:
    return meta_store


@pytest.fixture
def moto_s3(moto_url: str) -> object:
    return boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
