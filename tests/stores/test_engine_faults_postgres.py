"""The storage engine's fault tests (``tests/userdb/test_faults.py``: kill -9 mid-session, two
processes alternating and racing, racing flushes and delta compactions, crashes between a
snapshot's or a delta's upload and the head move and between append and answer) on a cluster
without AWS: every worker process opens the stores as ``JAVUMBO_BACKEND=postgres`` does, the
journal in PostgreSQL and the snapshots and deltas in SeaweedFS.

The tests are the engine's own, collected here a second time with a ``backend`` fixture of this
module; only the outage differs (the database holds a lock past the statement timeout).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from javumbo.settings import Settings
from javumbo.stores.aws_setup import ensure_bucket
from javumbo.stores.postgres import STATEMENT_TIMEOUT_MS
from tests.stores.postgres_server import create_database
from tests.support import FAKE_AWS_ENV
from tests.userdb.test_faults import (  # the engine's fault tests, run again on this backend
    USER,
    Backend,
    Worker,
    test_concurrent_writers_in_two_processes_lose_nothing,
    test_crash_between_delta_upload_and_head_update,
    test_crash_between_journal_append_and_answer_then_retry_with_key,
    test_crash_between_snapshot_upload_and_head_update,
    test_delta_compactions_racing_keep_every_answer,
    test_sigkill_during_a_bulk_write_loses_nothing_and_applies_it_whole_or_not_at_all,
    test_sigkill_mid_session_loses_no_acknowledged_answer,
    test_two_flushes_racing_keep_every_answer,
    test_two_processes_alternating_equal_the_sequential_result,
)

ENGINE_FAULT_TESTS = (
    test_concurrent_writers_in_two_processes_lose_nothing,
    test_crash_between_delta_upload_and_head_update,
    test_crash_between_journal_append_and_answer_then_retry_with_key,
    test_crash_between_snapshot_upload_and_head_update,
    test_delta_compactions_racing_keep_every_answer,
    test_sigkill_during_a_bulk_write_loses_nothing_and_applies_it_whole_or_not_at_all,
    test_sigkill_mid_session_loses_no_acknowledged_answer,
    test_two_flushes_racing_keep_every_answer,
    test_two_processes_alternating_equal_the_sequential_result,
)


@pytest.fixture
def backend(postgres_server_url: str, seaweedfs_url: str, aws_env: dict[str, str]) -> Backend:
    """A database and a bucket of the test's own; the workers' ``--backend aws`` opens
    whatever ``JAVUMBO_BACKEND`` names (``open_stores``)."""
    bucket = f"pg-faults-{uuid.uuid4().hex[:10]}"
    env = {
        **FAKE_AWS_ENV,
        "JAVUMBO_BACKEND": "postgres",
        "JWT_SECRET_KEY": "test-secret-" + "x" * 24,
        "DATABASE_URL": create_database(postgres_server_url, "faults"),
        "AWS_ENDPOINT_URL": seaweedfs_url,
        "S3_BUCKET": bucket,
    }
    ensure_bucket(Settings.from_env(env))
    return Backend("aws", env)


@pytest.fixture
def workers(tmp_path: Path, backend: Backend) -> Iterator[Any]:
    started: list[Worker] = []

    def start(name: str, crash: str | None = None, lease_ttl: float = 120.0) -> Worker:
        worker = Worker(tmp_path, name, backend, crash, lease_ttl)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_the_engine_fault_tests_are_all_here() -> None:
    """A fault test added to the engine's module must be added here too."""
    import tests.userdb.test_faults as engine_faults

    theirs = {
        name
        for name in dir(engine_faults)
        if name.startswith("test_") and name != "test_store_outage_fails_clearly_and_recovers"
    }
    assert theirs == {test.__name__ for test in ENGINE_FAULT_TESTS}


@pytest.mark.slow
def test_database_outage_fails_clearly_and_recovers(workers: Any, backend: Backend) -> None:
    """A lock held past the statement timeout: the append fails as unavailable (503), nothing
    half-written; once the lock goes, the same request succeeds without intervention."""
    worker = workers("w")
    worker.answer(1, key="k1")
    with psycopg.connect(backend.env["DATABASE_URL"]) as blocker:
        blocker.execute("LOCK TABLE heads IN ACCESS EXCLUSIVE MODE")
        worker.send(op="answer", user=USER, n=2, key="k2")
        failed = worker.reply()
        blocker.rollback()
    assert not failed["ok"] and failed["error"] == "StoreUnavailableError", failed
    assert STATEMENT_TIMEOUT_MS <= 30_000  # the reply came within the worker's timeout
    assert worker.answer(2, key="k2")["already"] is False
    assert worker.state() == ([1, 2], 2)
    assert workers("fresh").state() == ([1, 2], 2)
