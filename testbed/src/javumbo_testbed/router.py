"""The cluster's front door, standing in for API Gateway: one address on 127.0.0.1 that spreads
requests over the app instances.

Policies: ``round-robin``, ``random``, and ``sticky`` (the JWT subject picks the instance, as a
user-affinity load balancer would; requests without a token go round robin). Like Lambda, no
policy is needed for correctness: any instance can serve any user.

Failures: no instance up → 503. An instance that refuses the connection never saw the request,
so any request moves on to the next instance. After that the outcome is unknown, so only
requests that are safe to repeat move on (GET/HEAD/OPTIONS/PUT/DELETE, or anything with an
``Idempotency-Key``); the rest get 502 (504 on a timeout). Every answer carries
``X-Javumbo-Instance: <name>#<generation>`` so clients can tell which process served them.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import itertools
import json
import random
import threading
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal

from javumbo.loadtest.client import INSTANCE_HEADER
from javumbo_testbed.relay import NotDelivered, RelayServer, Request, Response, json_error, send

Policy = Literal["round-robin", "random", "sticky"]
POLICIES: tuple[Policy, ...] = ("round-robin", "random", "sticky")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class Backend:
    name: str
    port: int
    host: str = "127.0.0.1"
    up: bool = True
    generation: int = 0

    @property
    def label(self) -> str:
        return f"{self.name}#{self.generation}"


class BackendTable:
    """The instances and whether each is up; the supervisor writes it, the router reads it."""

    def __init__(self, backends: list[Backend]) -> None:
        self._lock = threading.Lock()
        self._backends = list(backends)

    def all(self) -> list[Backend]:
        with self._lock:
            return list(self._backends)

    def update(self, name: str, *, up: bool, generation: int | None = None) -> None:
        with self._lock:
            for index, backend in enumerate(self._backends):
                if backend.name == name:
                    self._backends[index] = replace(
                        backend,
                        up=up,
                        generation=backend.generation if generation is None else generation,
                    )
                    return
        raise KeyError(name)


def jwt_subject(authorization: str | None) -> str | None:
    """The ``sub`` claim of a bearer token, unverified: it only picks an instance."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    parts = authorization[7:].strip().split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return str(subject) if subject is not None else None


def is_repeatable(request: Request) -> bool:
    return request.method in SAFE_METHODS or request.header("Idempotency-Key") is not None


class Router:
    def __init__(
        self,
        table: BackendTable,
        *,
        policy: Policy = "round-robin",
        port: int = 0,
        upstream_timeout: float = 30.0,
        max_attempts: int = 3,
        seed: int | None = None,
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"routing policy must be one of {POLICIES}, got {policy!r}")
        self.table = table
        self.policy = policy
        self.upstream_timeout = upstream_timeout
        self.max_attempts = max_attempts
        self._random = random.Random(seed)
        self._turn = itertools.count()
        self._stats_lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        self._server = RelayServer(self.route, port=port)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def candidates(self, request: Request) -> list[Backend]:
        """Instances to try, in order: the policy's choice first, then the others that are up."""
        backends = self.table.all()
        if not backends:
            return []
        first = self._first_choice(request, len(backends))
        ring = backends[first:] + backends[:first]
        return [backend for backend in ring if backend.up]

    def _first_choice(self, request: Request, count: int) -> int:
        if self.policy == "sticky":
            subject = jwt_subject(request.header("Authorization"))
            if subject is not None:
                return zlib.crc32(subject.encode()) % count
        if self.policy == "random":
            with self._stats_lock:
                return self._random.randrange(count)
        return next(self._turn) % count

    def route(self, request: Request) -> Response:
        tried = self.candidates(request)[: self.max_attempts]
        if not tried:
            self._count("no_instance")
            return json_error(503, "no_instance", "no app instance is up", retry_after=1)
        failure = json_error(502, "bad_gateway", "no instance answered")
        for attempt, backend in enumerate(tried):
            if attempt:
                self._count("retries")
            try:
                answer = send(backend.host, backend.port, request, timeout=self.upstream_timeout)
            except NotDelivered as exc:
                self._count("not_delivered")
                failure = json_error(502, "bad_gateway", str(exc))
                continue
            except TimeoutError:
                self._count("timeouts")
                failure = json_error(504, "gateway_timeout", f"{backend.label} did not answer")
                if not is_repeatable(request):
                    break
                continue
            except (OSError, http.client.HTTPException) as exc:
                self._count("broken")
                failure = json_error(502, "bad_gateway", f"{backend.label}: {exc}")
                if not is_repeatable(request):
                    break
                continue
            self._count(f"routed:{backend.name}")
            answer.headers.append((INSTANCE_HEADER, backend.label))
            return answer
        self._count(f"failed:{failure.status}")
        return failure

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1
