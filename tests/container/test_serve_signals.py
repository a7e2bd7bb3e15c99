"""``javumbo serve`` stops cleanly on SIGTERM (``docker stop``): the server closes, the storage
engine settles and closes the open collections, the process exits 0 at once, and what was
answered is there after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.container.learner import Learner, wait_until_healthy
from tests.support import free_port

STOP_DEADLINE_SECONDS = 10.0


class Server:
    def __init__(self, data: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JAVUMBO_DATA_DIR": str(data), "JAVUMBO_BACKEND": "embedded"}
        env.pop("JWT_SECRET_KEY", None)
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "javumbo", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_until_healthy(self.url, 30, alive=lambda: self.proc.poll() is None)

    def terminate(self) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=STOP_DEADLINE_SECONDS)
        self._out.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def test_sigterm_stops_at_once_and_keeps_every_answer(
    tmp_path: Path, servers: list[Server]
) -> None:
    data, log = tmp_path / "data", tmp_path / "serve.log"
    servers.append(Server(data, log))
    learner = Learner(servers[0].url, "sigterm")
    learner.register()
    learner.login()
    deck_id = learner.study("Signals", cards=5, answers=3)
    code, took = servers[0].terminate()
    assert code == 0 and took < STOP_DEADLINE_SECONDS
    assert "Javumbo stopped" in log.read_text()
    servers.append(Server(data, log))
    again = Learner(servers[1].url, "sigterm")
    again.login()
    assert again.reps(deck_id) == [0, 0, 1, 1, 1]
