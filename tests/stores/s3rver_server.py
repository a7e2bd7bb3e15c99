"""s3rver (from npm) on 127.0.0.1: an S3-compatible server that ignores ``If-None-Match``, so
the S3 adapter's fallback for servers without conditional writes runs against a real one.

``make test`` installs it (``npm ci`` in ``tests/stores/s3rver``); ``start_s3rver()``
runs it in a temporary folder on a free port and returns ``(url, stop)``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.support import free_port, wait_for_http

S3RVER_DIR = Path(__file__).resolve().parent / "s3rver"
START_DEADLINE_SECONDS = 30.0
# The only key s3rver knows (it checks the key id, and with --allow-mismatched-signatures not
# the signature).
S3RVER_CREDENTIALS = {"aws_access_key_id": "S3RVER", "aws_secret_access_key": "S3RVER"}

Stop = Callable[[], None]


class S3rverUnavailable(RuntimeError):
    """No Node.js, or s3rver not installed."""


def s3rver_script() -> Path:
    script = S3RVER_DIR / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if not script.is_file():
        raise S3rverUnavailable(f"not installed (cd {S3RVER_DIR} && npm ci; make test does)")
    return script


def start_s3rver() -> tuple[str, Stop]:
    script = s3rver_script()
    node = shutil.which("node")
    if node is None:
        raise S3rverUnavailable("node not found")
    data = Path(tempfile.mkdtemp(prefix="javumbo-s3rver-"))
    port = free_port()
    log = (data.parent / f"{data.name}.log").open("wb")
    process = subprocess.Popen(
        [
            node,
            str(script),
            "-d",
            str(data),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "--silent",
            "--allow-mismatched-signatures",
            "--no-vhost-buckets",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)
        shutil.rmtree(data, ignore_errors=True)

    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/", timeout=START_DEADLINE_SECONDS, ok=lambda s: s < 500)
    except BaseException:
        stop()
        raise
    return url, stop
