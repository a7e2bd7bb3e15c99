"""The session sweeper: expired sessions are flushed and closed (CLI, function, Lambda entry)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from javumbo.cli import main
from javumbo.collection import SystemClock
from javumbo.lambda_handler import sweep_sessions
from javumbo.ops.sweeper import sweep_expired_sessions
from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_aws_resources
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.factory import dynamodb_client
from javumbo.stores.ports import MetaStore, SessionRecord, StoreUnavailableError, UserRecord
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.userdb import JournalLimits, StorageEngine
from tests.ops.conftest import Target
from tests.ops.test_backup_restore import adder
from tests.support import aws_settings, unique_names


def expired_session(meta: MetaStore, username: str, *, ago: float = 60.0) -> SessionRecord:
    now = time.time()
    session = SessionRecord(
        session_id=f"sess-{username}",
        username=username,
        instance_id="gone-instance",
        db_etag=None,
        last_access=now - ago - 300,
        expires_at=now - ago,
    )
    meta.create_session(session, now - ago - 300)
    return session


def test_expired_sessions_are_closed_and_their_journal_kept(target: Target) -> None:
    target.meta.create_user(UserRecord("alice", "uid-alice", "h", 1.0))
    writer = target.databases("writer")
    writer.write("uid-alice", adder("unflushed"))
    head = target.meta.get_head("uid-alice")
    assert head.seq > head.snapshot_seq  # only in the journal so far
    expired = expired_session(target.meta, "alice")
    live = target.meta.get_user_session  # a live session of another user stays
    target.meta.create_user(UserRecord("bob", "uid-bob", "h", 1.0))
    bob = target.databases("bob").sessions.create_session("bob")

    result = sweep_expired_sessions(target.settings, stores=(target.blobs, target.meta))
    assert (result.closed, result.still_expired) == (1, 0)
    assert target.meta.get_session(expired.session_id) is None
    head = target.meta.get_head("uid-alice")
    assert head.seq > head.snapshot_seq  # below its bound the journal is the delta
    with target.databases("fresh").read("uid-alice") as col:
        found = col.db.execute("select count() from notes where flds like 'unflushed%'")
        assert found.fetchone()[0] == 1
    assert live("bob") == bob
    assert sweep_expired_sessions(target.settings, stores=(target.blobs, target.meta)).closed == 0
    writer.close()


def test_sweep_cli(
    target: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JAVUMBO_BACKEND", "embedded")
    monkeypatch.setenv("JAVUMBO_DATA_DIR", str(target.settings.data_dir))
    target.meta.create_user(UserRecord("carol", "uid-carol", "h", 1.0))
    expired_session(target.meta, "carol")
    assert main(["sweep"]) == 0
    assert "closed 1 expired sessions" in capsys.readouterr().out
    assert target.meta.get_user_session("carol") is None


def test_lambda_entry_point_on_dynamodb_and_s3(
    moto_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = unique_names("sweep")
    settings: Settings = aws_settings(moto_url, **names)
    ensure_aws_resources(settings)
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": "javumbo-sweeper",
        "JAVUMBO_BACKEND": "aws",
        "AWS_ENDPOINT_URL": moto_url,
        "S3_BUCKET": names["s3_bucket"],
        "DYNAMODB_USERS_TABLE": names["users_table"],
        "DYNAMODB_LOCKS_TABLE": names["locks_table"],
        "DYNAMODB_SESSIONS_TABLE": names["sessions_table"],
        "DYNAMODB_JOURNAL_TABLE": names["journal_table"],
        "JAVUMBO_CACHE_DIR": str(tmp_path / "lambda-tmp"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    meta = DynamoMetaStore(settings, dynamodb_client(settings))
    meta.create_user(UserRecord("dora", "uid-dora", "h", 1.0))
    session = expired_session(meta, "dora")
    assert sweep_sessions({"source": "aws.events"}, None) == {"closed": 1, "still_expired": 0}
    assert meta.get_session(session.session_id) is None
    assert meta.get_head("uid-dora").snapshot_key is not None  # flushed (first snapshot)


class FlushFails(SqliteMetaStore):
    def acquire_lease(self, name: str, owner: str, ttl: float, now: float) -> bool:
        if name.startswith("flush:"):
            raise StoreUnavailableError("metastore throttled")
        return super().acquire_lease(name, owner, ttl, now)


def test_a_failing_flush_leaves_the_session_for_the_next_sweep(target: Target) -> None:
    target.meta.create_user(UserRecord("erin", "uid-erin", "h", 1.0))
    never_compacts = JournalLimits(min_bytes=10**9, max_bytes=10**9)
    writer = StorageEngine(
        target.settings,
        target.blobs,
        target.meta,
        instance_id="writer",
        cache_dir=target.tmp / "cache-writer",
        clock=SystemClock(),
        limits=never_compacts,
    )
    # a journal past the sweeper's bound (256 KB at least): the sweep compacts it
    writer.write("uid-erin", adder("kept in the journal " + os.urandom(270_000).hex()))
    session = expired_session(target.meta, "erin")
    failing = FlushFails(target.settings.data_dir / "meta.sqlite3")
    result = sweep_expired_sessions(target.settings, stores=(target.blobs, failing))
    assert (result.closed, result.still_expired) == (0, 1)
    assert target.meta.get_session(session.session_id) is not None
    result = sweep_expired_sessions(target.settings, stores=(target.blobs, target.meta))
    assert (result.closed, result.still_expired) == (1, 0)
    head = target.meta.get_head("uid-erin")
    assert head.snapshot_seq == head.seq > 0
    writer.close()
