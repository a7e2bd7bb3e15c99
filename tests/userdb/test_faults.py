"""Faults that must lose nothing, with real processes: each worker (``worker.py``) is one engine
instance, and they share one blob folder and one ``meta.sqlite3`` (the embedded deployment).

An answer counts as acknowledged once its reply line was read. Every answer bumps one card's
``reps`` and adds a revlog row with the answer's number, so an answer applied twice shows up as
``reps`` larger than the number of rows.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from javumbo.settings import Settings

WORKER = Path(__file__).with_name("worker.py")
SRC = Path(__file__).resolve().parents[2] / "src"
USER = "u1"
REPLY_TIMEOUT = 60.0


@dataclass(frozen=True)
class Backend:
    """Where the workers' shared stores live: ``local`` (blob folder + meta.sqlite3) or ``aws``
    (S3 + DynamoDB on a moto server, with names unique to the test)."""

    name: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from tests.plugins.aws import start_moto_server

    url, stop = start_moto_server()
    yield url
    stop()


@pytest.fixture(params=["local", "aws"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "local":
        return Backend("local", {})
    from javumbo.stores.aws_setup import ensure_aws_resources
    from tests.support import FAKE_AWS_ENV

    url = request.getfixturevalue("moto_url")
    prefix = f"jv-{uuid.uuid4().hex[:10]}"
    env = {
        **FAKE_AWS_ENV,
        "JAVUMBO_BACKEND": "aws",
        "JWT_SECRET_KEY": "test-secret",
        "AWS_ENDPOINT_URL": url,
        "S3_BUCKET": prefix,
        "DYNAMODB_USERS_TABLE": f"{prefix}-users",
        "DYNAMODB_LOCKS_TABLE": f"{prefix}-locks",
        "DYNAMODB_SESSIONS_TABLE": f"{prefix}-sessions",
        "DYNAMODB_JOURNAL_TABLE": f"{prefix}-journal",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        ensure_aws_resources(Settings.from_env(env))
    return Backend("aws", env)


class Worker:
    def __init__(
        self,
        root: Path,
        name: str,
        backend: Backend,
        crash: str | None = None,
        lease_ttl: float = 120.0,
    ) -> None:
        # The workers import this checkout's sources, whatever the venv's editable install
        # points at.
        env = {**os.environ, **backend.env, "PYTHONPATH": str(SRC)}
        env.pop("JAVUMBO_TEST_CRASH", None)
        if crash:
            env["JAVUMBO_TEST_CRASH"] = crash
        self.name = name
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                "--data",
                str(root / "data"),
                "--cache",
                str(root / f"cache-{name}"),
                "--instance",
                name,
                "--lease-ttl",
                str(lease_ttl),
                "--backend",
                backend.name,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        assert self.reply()["ready"] == name

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, **command: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def reply(self) -> dict[str, Any]:
        line = self._lines.get(timeout=REPLY_TIMEOUT)
        if line is None:
            rc = self.proc.wait(10)
            assert self.proc.stderr is not None
            raise EOFError(f"{self.name} exited (rc {rc}): {self.proc.stderr.read()[-3000:]}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def call(self, **command: Any) -> dict[str, Any]:
        self.send(**command)
        reply = self.reply()
        assert reply["ok"], reply
        return reply

    def answer(self, n: int, key: str | None = None) -> dict[str, Any]:
        return self.call(op="answer", user=USER, n=n, key=key)

    def state(self) -> tuple[list[int], int]:
        reply = self.call(op="state", user=USER)
        return reply["revlog"], reply["reps"]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


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


def test_sigkill_mid_session_loses_no_acknowledged_answer(workers: Any) -> None:
    first = workers("p1")
    for n in range(1, 11):
        first.answer(n)
    first.send(op="answer", user=USER, n=11)  # in flight when the process dies
    first.kill()
    second = workers("p2")
    revlog, reps = second.state()
    assert revlog[:10] == list(range(1, 11)) and revlog in (list(range(1, 11)), list(range(1, 12)))
    assert reps == len(revlog)
    for n in range(12, 21):
        second.answer(n)
    revlog, reps = second.state()
    assert set(range(1, 11)) | set(range(12, 21)) <= set(revlog) and reps == len(revlog)


@pytest.mark.parametrize("crash", ["after_replacement_put", "after_append:6"])
def test_sigkill_during_a_bulk_write_loses_nothing_and_applies_it_whole_or_not_at_all(
    workers: Any, crash: str
) -> None:
    """Killed after the bulk write's collection is stored but before its marker, or after the
    marker (the 6th append) but before the new working copy and the head move: acknowledged
    answers stay, the bulk rows are all there or none, and the same instance folder (with its
    leftover copy) and a fresh one both go on from there."""
    bulk = list(range(1000, 1500))
    first = workers("p1", crash=crash)
    for n in range(1, 6):
        first.answer(n)
    first.send(op="bulk", user=USER, start=bulk[0], count=len(bulk))
    with pytest.raises(EOFError):
        first.reply()
    expected = list(range(1, 6)) + (bulk if crash.startswith("after_append") else [])
    for name in ("p1", "p2"):
        worker = workers(name)
        assert worker.state() == (expected, 5)
        worker.stop()
    again = workers("p1")
    again.answer(6)
    again.call(op="bulk", user=USER, start=2000, count=10)
    revlog, reps = workers("p3").state()
    assert revlog == sorted([*expected, 6, *range(2000, 2010)]) and reps == 6


def test_two_processes_alternating_equal_the_sequential_result(workers: Any) -> None:
    a, b = workers("a"), workers("b")
    for n in range(1, 21):
        reply = (a if n % 2 else b).answer(n)
        assert reply["result"] == n and reply["seq"] == n
    assert a.state() == b.state() == (list(range(1, 21)), 20)
    assert workers("fresh").state() == (list(range(1, 21)), 20)


def test_concurrent_writers_in_two_processes_lose_nothing(workers: Any) -> None:
    a, b = workers("a"), workers("b")
    a.answer(1)
    b.answer(2)
    for n in range(3, 23, 2):  # both write at once; losers replay and retry (or 409)
        a.send(op="answer", user=USER, n=n)
        b.send(op="answer", user=USER, n=n + 1)
        for worker, number in ((a, n), (b, n + 1)):
            reply = worker.reply()
            if not reply["ok"]:
                assert reply["error"] == "ConflictError"
                worker.answer(number)  # the client retries after a 409
    revlog, reps = workers("fresh").state()
    assert revlog == list(range(1, 23)) and reps == 22


def test_two_flushes_racing_keep_every_answer(workers: Any) -> None:
    a, b = workers("a"), workers("b")
    statuses = []
    for round_ in range(3):
        for n in range(round_ * 10 + 1, round_ * 10 + 11):
            (a if n % 2 else b).answer(n)
        a.state()
        b.state()  # both copies current
        a.send(op="flush", user=USER)
        b.send(op="flush", user=USER)
        replies = [a.reply(), b.reply()]
        assert all(r["ok"] for r in replies), replies
        statuses += [r["status"] for r in replies]
        assert "flushed" in {r["status"] for r in replies}
    assert set(statuses) <= {"flushed", "busy", "superseded", "clean"}
    assert workers("fresh").state() == (list(range(1, 31)), 30)


def test_crash_between_snapshot_upload_and_head_update(workers: Any) -> None:
    doomed = workers("doomed", crash="after_snapshot_put", lease_ttl=0.5)
    for n in range(1, 6):
        doomed.answer(n)
    doomed.send(op="flush", user=USER)
    with pytest.raises(EOFError):
        doomed.reply()
    assert doomed.proc.returncode == -signal.SIGKILL
    survivor = workers("survivor")
    assert survivor.state() == ([1, 2, 3, 4, 5], 5)
    # The dead process still holds the flush lease until it expires; then the orphan snapshot
    # (seq 5, already uploaded) is adopted.
    deadline = time.monotonic() + 30
    while (flushed := survivor.call(op="flush", user=USER))["status"] == "busy":
        assert time.monotonic() < deadline, "the dead flusher's lease never expired"
    assert flushed == {"ok": True, "status": "flushed", "seq": 5}
    survivor.answer(6)
    assert workers("fresh").state() == ([1, 2, 3, 4, 5, 6], 6)


def test_delta_compactions_racing_keep_every_answer(workers: Any) -> None:
    """Page-level deltas from two processes at once: each compaction installs only on top of
    the head it read (the conditional head move), so the chain stays linear and complete."""
    a, b = workers("a"), workers("b")
    for n in range(1, 6):
        a.answer(n)
    assert a.call(op="flush", user=USER)["status"] == "flushed"  # a base both can build on
    statuses, keys = [], []
    for round_ in range(4):
        for n in range(round_ * 10 + 6, round_ * 10 + 16):
            (a if n % 2 else b).answer(n)
        a.state()
        b.state()  # both copies current, both hold the chain
        a.send(op="compact", user=USER)
        b.send(op="compact", user=USER)
        replies = [a.reply(), b.reply()]
        assert all(r["ok"] for r in replies), replies
        statuses += [r["status"] for r in replies]
        keys += [r["key"] for r in replies if r["status"] == "flushed"]
    assert set(statuses) <= {"flushed", "busy", "superseded", "clean"}
    assert any("/deltas/" in key for key in keys), keys
    assert workers("fresh").state() == (list(range(1, 46)), 45)


def test_crash_between_delta_upload_and_head_update(workers: Any) -> None:
    doomed = workers("doomed", crash="after_delta_put", lease_ttl=0.5)
    for n in range(1, 4):
        doomed.answer(n)
    assert doomed.call(op="flush", user=USER)["status"] == "flushed"
    for n in range(4, 7):
        doomed.answer(n)
    doomed.send(op="compact", user=USER)
    with pytest.raises(EOFError):
        doomed.reply()
    assert doomed.proc.returncode == -signal.SIGKILL
    survivor = workers("survivor")
    assert survivor.state() == ([1, 2, 3, 4, 5, 6], 6)  # the orphan delta is not on the chain
    survivor.answer(7)
    deadline = time.monotonic() + 30
    while (compacted := survivor.call(op="compact", user=USER))["status"] == "busy":
        assert time.monotonic() < deadline, "the dead compactor's lease never expired"
    assert compacted["status"] == "flushed" and "/deltas/" in compacted["key"]
    survivor.answer(8)
    assert workers("fresh").state() == ([1, 2, 3, 4, 5, 6, 7, 8], 8)


def test_crash_between_journal_append_and_answer_then_retry_with_key(workers: Any) -> None:
    doomed = workers("doomed", crash="after_append:3")
    doomed.answer(1, key="k1")
    doomed.answer(2, key="k2")
    doomed.send(op="answer", user=USER, n=3, key="k3")
    with pytest.raises(EOFError):
        doomed.reply()  # the client never hears back
    other = workers("other")
    retried = other.answer(3, key="k3")
    assert retried["already"] is True and retried["seq"] == 3 and retried["result"] == 3
    assert other.answer(4, key="k4")["already"] is False
    assert other.state() == ([1, 2, 3, 4], 4)


@pytest.mark.slow
def test_store_outage_fails_clearly_and_recovers(
    workers: Any, tmp_path: Path, backend: Backend
) -> None:
    """Local: an exclusive lock on ``meta.sqlite3``. AWS: the emulator becomes unreachable (a
    relay in front of moto refuses connections), then comes back."""
    if backend.name == "aws":
        _aws_outage_fails_clearly_and_recovers(tmp_path, backend)
        return
    worker = workers("w")
    worker.answer(1, key="k1")
    blocker = sqlite3.connect(tmp_path / "data" / "meta.sqlite3", isolation_level=None)
    blocker.execute("begin exclusive")  # the metastore refuses writes until released
    try:
        worker.send(op="answer", user=USER, n=2, key="k2")
        failed = worker.reply()
    finally:
        blocker.execute("rollback")
        blocker.close()
    assert not failed["ok"] and failed["error"] == "StoreUnavailableError"
    assert worker.answer(2, key="k2")["already"] is False  # recovery needs no intervention
    assert worker.state() == ([1, 2], 2)


def _aws_outage_fails_clearly_and_recovers(tmp_path: Path, backend: Backend) -> None:
    from javumbo_testbed.emulator import CountingProxy

    proxy = CountingProxy(backend.env["AWS_ENDPOINT_URL"])
    proxy.start()
    behind_proxy = Backend("aws", {**backend.env, "AWS_ENDPOINT_URL": proxy.url})
    worker = Worker(tmp_path, "w", behind_proxy)
    try:
        worker.answer(1, key="k1")
        with proxy.unreachable():
            worker.send(op="answer", user=USER, n=2, key="k2")
            failed = worker.reply()
        assert not failed["ok"] and failed["error"] == "StoreUnavailableError", failed
        assert worker.answer(2, key="k2")["already"] is False  # recovery is automatic
        assert worker.answer(3, key="k3")["already"] is False
        survivor = Worker(tmp_path, "survivor", backend)  # straight to the emulator
        try:
            assert survivor.state() == ([1, 2, 3], 3)
        finally:
            survivor.stop()
    finally:
        worker.stop()
        proxy.stop()
