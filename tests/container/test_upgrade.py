"""Upgrading in place: a data folder written by an earlier version of Javumbo (the sources of
``PREVIOUS`` from this repository's history, run by the same interpreter) is served by this one
with nothing done by hand: the learner logs in and finds every answer."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.container.learner import Learner, wait_until_healthy
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
# The product as it was before the narrow ports, the PostgreSQL backend and the image.
PREVIOUS = "f779ecb"


def previous_sources(into: Path) -> Path:
    exists = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{PREVIOUS}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if exists.returncode != 0:
        pytest.skip(f"commit {PREVIOUS} is not in this clone's history")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS, "src"],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def serve(src: Path, data: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(data), "JAVUMBO_BACKEND": "embedded"}
    env["PYTHONPATH"] = str(src)
    env.pop("JWT_SECRET_KEY", None)
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--port", str(port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=src.parent,
    )
    out.close()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, 60, alive=lambda: proc.poll() is None)
    except (RuntimeError, TimeoutError) as exc:
        proc.kill()
        proc.wait()
        pytest.fail(f"{exc}: {log.read_text()[-3000:]}")
    return proc, url


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_a_data_folder_of_the_previous_version_is_served_as_it_is(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    old_src = previous_sources(tmp_path / "previous")
    data, log = tmp_path / "data", tmp_path / "serve.log"
    old, url = serve(old_src, data, log)
    processes.append(old)
    learner = Learner(url, "upgrader")
    learner.register()
    learner.login()
    deck_id = learner.study("Before", cards=4, answers=2)
    old.terminate()
    old.wait(timeout=30)

    new, url = serve(ROOT / "src", data, log)
    processes.append(new)
    again = Learner(url, "upgrader")
    again.login()
    assert again.reps(deck_id) == [0, 0, 1, 1]
    again.study("After", cards=1, answers=1)  # and it keeps working
