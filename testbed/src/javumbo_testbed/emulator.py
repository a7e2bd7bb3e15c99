"""The S3/DynamoDB emulator (moto's server, as a child process, answering one request at a time:
see ``moto_server``) and the counting proxy the instances talk to instead of it.

The proxy is where S3 and DynamoDB operations are counted: on the wire, whatever the app's own
counters say. S3 requests are classified by method (and object vs bucket for GET), DynamoDB
requests by their ``X-Amz-Target``. It can also play an outage: while ``unreachable()`` is on,
every connection to it is dropped without an answer.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from javumbo_testbed import lifeline
from javumbo_testbed.relay import RelayServer, Request, Response, json_error, send

MOTO_ENV = {"MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(128 * 1024 * 1024)}
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
DYNAMODB_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
UPSTREAM_TIMEOUT_SECONDS = 60.0
READY_DEADLINE_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(url: str, *, deadline_seconds: float = READY_DEADLINE_SECONDS) -> None:
    """Poll ``url`` until it answers with any status below 500; ``TimeoutError`` past it."""
    deadline = time.monotonic() + deadline_seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
                last = answer.status
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc.code
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {deadline_seconds}s (last: {last!r})")


@dataclass
class Emulator:
    """moto's server in a child process (S3 and DynamoDB on one port, one request at a time)."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        lifeline.stop(self.process, grace_seconds=3)


def start_moto(*, log_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Emulator:
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="javumbo-moto-"))
    log_path = log_dir / "moto.log"
    port = free_port()
    child_env = {**(env or os.environ), **FAKE_AWS_ENV, **MOTO_ENV}
    with log_path.open("ab") as log:
        process = lifeline.spawn(
            "javumbo_testbed.moto_server",
            ["-H", "127.0.0.1", "-p", str(port)],
            env=child_env,
            log=log,
        )
    emulator = Emulator(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_until_ready(f"{emulator.url}/")  # S3 ListBuckets: cheap, unlike moto-api/data.json
    except TimeoutError:
        emulator.stop()
        raise
    return emulator


def classify(request: Request) -> str:
    """``s3.get``, ``s3.put``, ``dynamodb.read``, ``dynamodb.write``, or a finer other kind."""
    target = request.header("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
        if operation in DYNAMODB_READS:
            return "dynamodb.read"
        if operation in DYNAMODB_WRITES:
            return "dynamodb.write"
        return f"dynamodb.other.{operation}"
    path = urlsplit(request.path).path
    if path.startswith("/moto-api"):
        return "emulator.admin"
    is_object = len(path.strip("/").split("/", 1)) == 2
    method = request.method.lower()
    if method == "get" and not is_object:
        return "s3.list"
    return f"s3.{method}"


class CountingProxy:
    """A relay in front of the emulator that counts what passes."""

    def __init__(self, upstream_url: str, *, port: int = 0) -> None:
        parts = urlsplit(upstream_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"emulator URL needs a host and port: {upstream_url!r}")
        self._host, self._port = parts.hostname, parts.port
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._server = RelayServer(self._forward, port=port)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    def set_unreachable(self, unreachable: bool) -> None:
        self._server.set_refusing(unreachable)

    @contextlib.contextmanager
    def unreachable(self) -> Iterator[None]:
        self.set_unreachable(True)
        try:
            yield
        finally:
            self.set_unreachable(False)

    def _forward(self, request: Request) -> Response | None:
        kind = classify(request)
        try:
            answer = send(self._host, self._port, request, timeout=UPSTREAM_TIMEOUT_SECONDS)
        except OSError as exc:
            with self._lock:
                self._counts["proxy.failed"] += 1
            return json_error(502, "emulator_unreachable", str(exc))
        with self._lock:
            self._counts[kind] += 1
        return answer
