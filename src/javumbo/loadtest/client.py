"""One simulated user's HTTP client: keeps its connection to the target, its token and its
session id, and retries what can be retried.

Retries: a connection error, 502, 503, 504, 409 and 429 are tried again with bounded
exponential backoff (honouring a short ``Retry-After``), with the *same* ``Idempotency-Key``, so
the server can tell a retry from a new answer. Every attempt is recorded (time, status,
latency, which instance served it) for the report.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# A front that spreads requests over several app processes may name the one that answered
# here; the report then tells a user's first request to each process (cold) from the rest.
INSTANCE_HEADER = "X-Javumbo-Instance"
RETRY_STATUSES = frozenset({409, 429, 502, 503, 504})
CONNECTION_ERROR = "connection"


@dataclass(frozen=True)
class Attempt:
    user: str
    route: str
    started: float
    ended: float
    status: int | str
    instance: str | None
    cold: bool

    @property
    def latency_ms(self) -> float:
        return (self.ended - self.started) * 1000

    @property
    def ok(self) -> bool:
        return isinstance(self.status, int) and 200 <= self.status < 300


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Recorder:
    """Every attempt of every user, shared by the user threads."""

    attempts: list[Attempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def record(
        self, user: str, route: str, started: float, status: int | str, instance: str | None
    ) -> None:
        ended = time.monotonic()
        with self._lock:
            # Cold: the first time this user reaches this instance process (its cache cannot
            # hold the user's collection yet); a restarted instance is a new process.
            cold = False
            if instance is not None and route.startswith("/api/"):
                cold = (user, instance) not in self._seen
                self._seen.add((user, instance))
            self.attempts.append(Attempt(user, route, started, ended, status, instance, cold))

    def snapshot(self) -> list[Attempt]:
        with self._lock:
            return list(self.attempts)


class RequestBudgetExceeded(RuntimeError):
    """The run's deadline passed: the user stops instead of queueing more work."""


@dataclass(frozen=True)
class Target:
    """Where a running Javumbo answers: ``http(s)://host[:port][/prefix]`` (a prefix such as
    an API Gateway stage is put in front of every path)."""

    scheme: str
    host: str
    port: int
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"target must be an http:// or https:// URL, got {url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise ValueError(f"target has a bad port: {url!r}") from exc
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.prefix}"

    def connect(self, timeout: float) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


class UserClient:
    def __init__(
        self,
        target: Target,
        user: str,
        recorder: Recorder,
        rng: random.Random,
        *,
        timeout: float,
        max_attempts: int,
        deadline: float,
    ) -> None:
        self.target = target
        self.user = user
        self.recorder = recorder
        self.rng = rng
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.token: str | None = None
        self.session_id: str | None = None
        self._connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        route: str | None = None,
        idempotency_key: str | None = None,
        final_statuses: Iterable[int] = (),
    ) -> Answer | None:
        """The first answer that is not worth retrying, else the last one (None when every
        attempt failed to connect). ``final_statuses`` are answers not to retry even if
        listed in ``RETRY_STATUSES`` (a 409 from register means the user exists)."""
        final = set(final_statuses)
        last: Answer | None = None
        payload = json.dumps(body).encode() if body is not None else b""
        for attempt in range(self.max_attempts):
            if time.monotonic() > self.deadline:
                raise RequestBudgetExceeded(f"{self.user}: run deadline passed")
            if attempt:
                self._back_off(attempt, last)
            answer = self._attempt(method, path, payload, route or path, idempotency_key)
            if answer is not None:
                last = answer
                if answer.status not in RETRY_STATUSES or answer.status in final:
                    return answer
        return last

    def _attempt(
        self, method: str, path: str, payload: bytes, route: str, key: str | None
    ) -> Answer | None:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.session_id:
            headers["X-Session-ID"] = self.session_id
        if key:
            headers["Idempotency-Key"] = key
        started = time.monotonic()
        try:
            connection = self._connect()
            connection.request(
                method, self.target.prefix + path, body=payload or None, headers=headers
            )
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            self.recorder.record(self.user, route, started, CONNECTION_ERROR, None)
            return None
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        if response.will_close:
            self.close()
        self.recorder.record(
            self.user, route, started, answer.status, answer.headers.get(INSTANCE_HEADER.lower())
        )
        session = answer.headers.get("x-session-id")
        if session:
            self.session_id = session
        return answer

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = self.target.connect(self.timeout)
        return self._connection

    def _back_off(self, attempt: int, last: Answer | None) -> None:
        delay = min(1.0, 0.05 * 2**attempt) * (0.5 + self.rng.random())
        if last is not None:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(1.0, float(last.headers.get("retry-after", 0))))
        time.sleep(min(delay, max(0.0, self.deadline - time.monotonic())))
