"""What only the PostgreSQL metastore must add to the contract suites: versioned migrations
(``javumbo db upgrade``, also run on opening), app processes sharing one database, the
``postgres`` backend built from the environment, and a 503 when the server is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import psycopg
import pytest

from javumbo.settings import Settings, SettingsError
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import StoreError, StoreUnavailableError
from javumbo.stores.postgres import PostgresMetaStore
from javumbo.stores.postgres_schema import (
    MIGRATIONS,
    Migration,
    SchemaTooNewError,
    current_version,
    latest_version,
    upgrade,
)
from javumbo.stores.s3 import S3BlobStore
from tests.stores.postgres_server import create_database
from tests.stores.s3rver_server import S3RVER_CREDENTIALS
from tests.support import closed_port_url

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from javumbo.stores import ConditionFailedError
from javumbo.stores.postgres import PostgresMetaStore

meta = PostgresMetaStore(sys.argv[1], pool_size=2)
name, count = sys.argv[2], int(sys.argv[3])
done = 0
while done < count:
    seq = meta.get_head("shared").seq
    try:
        meta.append_journal("shared", seq, f"{name}:{done}".encode())
    except ConditionFailedError:
        continue
    done += 1
meta.close()
"""


@pytest.fixture
def empty_db(postgres_server_url: str) -> str:
    return create_database(postgres_server_url, "schema")


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_upgrade_creates_the_schema_once_and_records_its_version(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        assert current_version(conn) == 0
        first = upgrade(conn)
        assert first.applied == [m.version for m in MIGRATIONS]
        assert first.version == latest_version() == current_version(conn)
        again = upgrade(conn)
        assert again.applied == [] and again.version == latest_version()
    assert {"users", "heads", "journal", "idempotency", "sessions", "leases"} <= tables(empty_db)


def test_a_later_migration_applies_on_top_and_a_failed_one_changes_nothing(
    empty_db: str,
) -> None:
    broken = Migration(
        len(MIGRATIONS) + 1,
        "a table, then a statement that fails",
        ("CREATE TABLE added_later (id INTEGER)", "SELECT no_such_column FROM users"),
    )
    fixed = Migration(broken.version, "a table", ("CREATE TABLE added_later (id INTEGER)",))
    with psycopg.connect(empty_db) as conn:
        upgrade(conn)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            upgrade(conn, (*MIGRATIONS, broken))
        conn.rollback()
        assert current_version(conn) == latest_version()
        assert "added_later" not in tables(empty_db)
        report = upgrade(conn, (*MIGRATIONS, fixed))
        assert report.applied == [fixed.version] and current_version(conn) == fixed.version
    assert "added_later" in tables(empty_db)


def test_a_database_newer_than_the_code_is_refused(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        upgrade(conn)
        conn.execute(
            "INSERT INTO javumbo_schema_migrations (version, description) VALUES (%s, 'future')",
            (latest_version() + 1,),
        )
        conn.commit()
        with pytest.raises(SchemaTooNewError):
            upgrade(conn)
    with pytest.raises(StoreError, match="newer than this release"):
        PostgresMetaStore(empty_db)


def test_migrations_are_numbered_from_one_without_gaps(empty_db: str) -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    with psycopg.connect(empty_db) as conn, pytest.raises(ValueError):
        upgrade(conn, (*MIGRATIONS, Migration(len(MIGRATIONS) + 2, "gap", ("SELECT 1",))))


def test_containers_starting_at_once_migrate_the_schema_once(empty_db: str) -> None:
    """Every app container runs the upgrade on start: they wait for each other's lock."""
    starters = 6
    barrier = threading.Barrier(starters)
    stores: list[PostgresMetaStore] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def start() -> None:
        barrier.wait()
        try:
            store = PostgresMetaStore(empty_db, pool_size=1)
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        with lock:
            stores.append(store)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(stores) == starters
    with psycopg.connect(empty_db) as conn:
        rows = conn.execute("SELECT version FROM javumbo_schema_migrations").fetchall()
    assert sorted(row[0] for row in rows) == [m.version for m in MIGRATIONS]
    stores[0].append_journal("u", 0, b"works")
    assert stores[-1].get_head("u").seq == 1
    for store in stores:
        store.close()


def test_processes_appending_to_one_database_never_lose_or_duplicate(empty_db: str) -> None:
    PostgresMetaStore(empty_db).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, empty_db, f"p{i}", "30"], env=env)
        for i in range(3)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    meta = PostgresMetaStore(empty_db)
    entries = meta.read_journal("shared", 0)
    assert [entry.seq for entry in entries] == list(range(1, 91))
    payloads = sorted(entry.payload.decode() for entry in entries)
    assert payloads == sorted(f"p{i}:{n}" for i in range(3) for n in range(30))
    meta.close()


def test_a_server_that_is_gone_is_unavailable_not_an_error_of_the_request() -> None:
    url = closed_port_url().replace("http://", "postgresql://postgres@") + "/postgres"
    with pytest.raises(StoreUnavailableError):
        PostgresMetaStore(url)


def test_connections_the_server_dropped_are_replaced(postgres_url: str) -> None:
    meta = PostgresMetaStore(postgres_url, pool_size=1)
    meta.get_head("u-gone")
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = '' AND pid <> pg_backend_pid()"
            " AND datname = current_database()"
        )
    # The pool checks a connection before lending it: the dropped one is replaced.
    assert meta.get_head("u-gone").seq == 0
    meta.close()


def test_postgres_settings_need_a_database_url() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({"JAVUMBO_BACKEND": "postgres", "JWT_SECRET_KEY": "s" * 32})
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        Settings.from_env({"JAVUMBO_BACKEND": "postgres", "DATABASE_URL": "postgresql://h/db"})
    settings = Settings.from_env(
        {
            "JAVUMBO_BACKEND": "postgres",
            "DATABASE_URL": "postgresql://u:p@db:5432/javumbo",
            "JAVUMBO_DB_POOL_SIZE": "4",
        },
        require_jwt_secret=False,
    )
    assert (settings.backend, settings.database_url) == (
        "postgres",
        "postgresql://u:p@db:5432/javumbo",
    )
    assert settings.database_pool_size == 4 and not settings.is_embedded


def test_the_postgres_backend_opens_the_bucket_and_the_database(
    empty_db: str, seaweedfs_url: str, aws_env: dict[str, str]
) -> None:
    env = {
        **aws_env,
        "JAVUMBO_BACKEND": "postgres",
        "DATABASE_URL": empty_db,
        "AWS_ENDPOINT_URL": seaweedfs_url,
        "S3_BUCKET": "pg-backend",
    }
    run = subprocess.run(
        [sys.executable, "-m", "javumbo", "db", "init"],
        env={**os.environ, **env, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "created s3://pg-backend" in run.stdout
    assert f"schema v{latest_version()}" in run.stdout
    assert "note    s3://pg-backend honours conditional writes (If-None-Match)" in run.stdout
    again = subprocess.run(
        [sys.executable, "-m", "javumbo", "db", "upgrade"],
        env={**os.environ, **env, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines() == [f"schema at version {latest_version()}"]
    settings = Settings.from_env({**env, "JWT_SECRET_KEY": "s" * 32})
    blobs, meta = open_stores(settings)
    assert isinstance(blobs, S3BlobStore) and isinstance(meta, PostgresMetaStore)
    etag = blobs.put("users/u/snapshots/1", b"snapshot")
    assert meta.append_journal("u", 0, b"e") == 1
    meta.move_head_snapshot("u", None, "users/u/snapshots/1", 1, etag)
    assert meta.get_head("u").snapshot_etag == etag
    s3 = boto3.client("s3", endpoint_url=seaweedfs_url, region_name="us-east-1")
    assert s3.get_object(Bucket="pg-backend", Key="users/u/snapshots/1")["Body"].read() == (
        b"snapshot"
    )
    meta.close()


def test_db_upgrade_without_a_database_url_fails_in_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "javumbo", "db", "upgrade"],
        env={**env, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "javumbo: error: DATABASE_URL is not set (postgresql://user:password@host:5432/db)"
    ]


def test_db_init_says_when_the_bucket_ignores_conditional_writes(
    empty_db: str, s3rver_url: str
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "DATABASE_URL": empty_db,
        "AWS_ENDPOINT_URL": s3rver_url,
        "AWS_ACCESS_KEY_ID": S3RVER_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": S3RVER_CREDENTIALS["aws_secret_access_key"],
        "S3_BUCKET": "no-conditions",
    }
    run = subprocess.run(
        [sys.executable, "-m", "javumbo", "db", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "created s3://no-conditions" in run.stdout
    assert "note    s3://no-conditions ignores conditional writes (If-None-Match)" in run.stdout
