"""API latency (``python -m bench api``): a warm ``POST /api/review`` against ``GET /health``.

Two setups, in one run:

* **embedded over HTTP**: ``javumbo serve`` (waitress) in a subprocess with a temp data folder,
  driven over keep-alive HTTP connections, the requests of the two kinds interleaved so both see
  the same machine load;
* **Lambda handler on S3 + DynamoDB**: the app behind ``apig-wsgi`` with the AWS adapters on a
  local moto server, called in-process with HTTP API v2 events, as Lambda would.

A review is "warm" once the user's collection is in the instance cache (the first requests of
the session load it). Goal from the issue: a warm review's p95 is at most 3x that of /health and
under 10 ms on this machine. The review does more than /health by design: it verifies the token,
resumes the session (from memory; the session record is rewritten at most every ttl/10), checks
the journal head (one metastore read), runs the scheduler and appends one journal entry (one
metastore transaction, which also rejects a reused Idempotency-Key).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.bench_storage import moto_stores

PASSWORD = "bench-password-1"
DEFAULT_SAMPLES = 300
START_DEADLINE_SECONDS = 30.0
GOAL_RATIO = 3.0
GOAL_P95_MS = 10.0


@dataclass
class Timings:
    name: str
    samples: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.samples)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


Call = Callable[[str, str, Any], tuple[int, Any]]


def run_workload(call: Call, samples: int) -> tuple[Timings, Timings]:
    """Register, log in, add ``samples`` cards, warm up, then time reviews and health checks
    interleaved. ``call(method, path, json_body)`` returns (status, parsed body)."""
    username = f"bench{os.getpid()}{int(time.time())}"
    credentials = {"username": username, "password": PASSWORD}
    status, _ = call("POST", "/register", credentials)
    assert status == 201, status
    status, body = call("POST", "/login", credentials)
    assert status == 200, body
    token = body["token"]
    auth = {"Authorization": f"Bearer {token}"}

    def api(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return call(method, path, {"__headers__": auth, "__body__": body})

    status, started = api("POST", "/api/session/start")
    assert status == 200, started
    auth["X-Session-ID"] = started["session_id"]
    status, deck = api("POST", "/api/decks", {"name": "Bench"})
    assert status == 201, deck
    card_ids = []
    for index in range(samples + 20):
        status, card = api(
            "POST", "/api/cards", {"deck_id": deck["id"], "front": f"q{index}", "back": "a"}
        )
        assert status == 201, card
        card_ids.append(card["card_id"])

    def review(card_id: int) -> None:
        status, answer = api(
            "POST", "/api/review", {"card_id": card_id, "rating": 3, "time_ms": 900}
        )
        assert status == 200, answer

    def health() -> None:
        status, _ = call("GET", "/health", None)
        assert status == 200

    for card_id in card_ids[:20]:  # warm-up: caches, connections, first-use imports
        review(card_id)
        health()
    reviews, healths = [], []
    for card_id in card_ids[20:]:
        started_at = time.perf_counter()
        review(card_id)
        reviews.append((time.perf_counter() - started_at) * 1000)
        started_at = time.perf_counter()
        health()
        healths.append((time.perf_counter() - started_at) * 1000)
    return Timings("POST /api/review", reviews), Timings("GET /health", healths)


# ------------------------------------------------------------------ embedded over HTTP


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def embedded_http(samples: int, work: Path) -> tuple[Timings, Timings]:
    port = _free_port()
    env = {**os.environ, "JAVUMBO_DATA_DIR": str(work / "data"), "JAVUMBO_BACKEND": "embedded"}
    log = (work / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "javumbo", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            if proc.poll() is not None:
                raise RuntimeError((work / "serve.log").read_text()[-2000:])
            try:
                if http.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

        def call(method: str, path: str, payload: Any) -> tuple[int, Any]:
            headers, body = {}, payload
            if isinstance(payload, dict) and "__headers__" in payload:
                headers, body = payload["__headers__"], payload["__body__"]
            response = http.request(method, base + path, json=body, headers=headers, timeout=30)
            return response.status_code, response.json()

        return run_workload(call, samples)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


# ------------------------------------------------------------------ Lambda on moto


def v2_event(method: str, path: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "host": "bench.execute-api.local",
            **{k.lower(): v for k, v in headers.items()},
        },
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "10.0.0.1",
            },
            "requestId": "bench",
            "stage": "$default",
        },
        "body": body.decode() if body is not None else None,
        "isBase64Encoded": False,
    }


def lambda_on_moto(samples: int, work: Path) -> tuple[Timings, Timings]:
    import logging

    from javumbo.api.app import app_services, create_app
    from javumbo.api.observability import REQUEST_LOGGER
    from javumbo.lambda_handler import wrap_app

    with moto_stores(f"javumbo-bench-api-{os.getpid()}") as (blobs, meta, settings):
        settings = type(settings)(
            **{**settings.__dict__, "cache_dir": work / "lambda-cache", "jwt_secret_key": "b" * 48}
        )
        app = create_app(settings, stores=(blobs, meta), in_lambda=False)
        handler = wrap_app(app)
        logging.getLogger(REQUEST_LOGGER).setLevel(logging.WARNING)  # keep the report readable

        class Context:
            aws_request_id = "bench"

        def call(method: str, path: str, payload: Any) -> tuple[int, Any]:
            headers, body = {}, payload
            if isinstance(payload, dict) and "__headers__" in payload:
                headers, body = payload["__headers__"], payload["__body__"]
            raw = None
            if body is not None:
                headers = {**headers, "Content-Type": "application/json"}
                raw = json.dumps(body).encode()
            answer = handler(v2_event(method, path, headers, raw), Context())
            return answer["statusCode"], json.loads(answer["body"] or "null")

        try:
            return run_workload(call, samples)
        finally:
            app_services(app).close()


# ------------------------------------------------------------------ report


def report(setup: str, review: Timings, health: Timings) -> None:
    ratio = review.p95 / health.p95 if health.p95 > 0 else float("inf")
    print(f"{setup}  ({len(review.samples)} samples each)")
    for timings in (review, health):
        print(f"  {timings.name:18s} p50 {timings.p50:7.2f} ms   p95 {timings.p95:7.2f} ms")
    verdict = "meets" if ratio <= GOAL_RATIO and review.p95 < GOAL_P95_MS else "misses"
    print(
        f"  review/health p95 = {ratio:.1f}x  ->  {verdict} the goal"
        f" (<= {GOAL_RATIO:.0f}x and < {GOAL_P95_MS:.0f} ms)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench api")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    parser.add_argument("--skip-lambda", action="store_true")
    args = parser.parse_args(argv if argv is not None else [])
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        work = Path(tmp)
        report("embedded, javumbo serve over HTTP", *embedded_http(args.samples, work))
        if not args.skip_lambda:
            report("Lambda handler, S3 + DynamoDB on moto", *lambda_on_moto(args.samples, work))


if __name__ == "__main__":
    main(sys.argv[1:])
