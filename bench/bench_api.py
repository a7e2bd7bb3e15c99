"""API latency (``python -m bench api``): a warm ``POST /api/review`` against ``GET /health``.

Two setups, in one run:

* **embedded over HTTP**: ``javumbo serve`` (waitress) in a subprocess with a temp data folder,
  driven over keep-alive HTTP connections, the requests of the two kinds interleaved so both see
  the same machine load;
* **Lambda handler on S3 + DynamoDB**: the app behind ``apig-wsgi`` with the AWS adapters on
  moto's server, called in-process with HTTP API v2 events, as Lambda would. moto runs in a
  child process (``javumbo_testbed.emulator``, as the cluster and the tests run it), the way
  S3 and DynamoDB are other machines to a Lambda; a moto server in the bench's own process
  would share its interpreter lock and bill the app for moto's work. One moto call costs
  ~4 ms here (boto3 and moto's Python on both ends), which is most of the review's time.

A review is "warm" once the user's collection is in the instance cache (the first requests of
the session load it). The goal: a warm review's p95 is at most 3x that of /health and
under 10 ms on this machine. The review does more than /health by design: it verifies the token,
resumes the session (from memory; the session record is rewritten at most every ttl/10), runs
the scheduler and appends one journal entry (one metastore transaction, conditional on the
copy's seq, which also rejects a reused Idempotency-Key). A warm copy that was current at its
last head read does not read the head again before writing: the conditional append is the fence
(``javumbo.userdb.databases``), so one DynamoDB call per review. /health makes two calls (an S3
HEAD and a DynamoDB read).

Before and after that change (same machine, moto in a child process, 300 samples; p50/p95 in
ms; the machine's load moves these by a few ms from run to run), and after two more: the
emulator's transactions no longer copy whole tables (``javumbo_testbed.moto_server``), and the
access token is verified once per request instead of twice:

    Lambda on moto   before (two runs)     head read skipped (four runs)           + both
    POST /api/review 19.8/31.2 21.8/30.5   15.9/27.7 18.5/30.2 17.5/29.4 14.0/20.6 8.6/10.6 7.5/10.4
    GET /health      10.7/14.7 11.5/15.1   11.9/17.4 13.1/20.9 12.5/20.4  9.9/11.9 9.1/10.8 8.0/10.6

The embedded setup meets the goal (review p95 5-6 ms, about 2x /health). On moto the ratio goal
is met (a review now costs what /health costs) and the 10 ms one is missed by a hair, out of
the app's reach: the "one DynamoDB read" row, a bare GetItem, is 3-4 ms at p50 (boto3 and
moto's Python, a new connection per call since moto's server closes each one), /health's two
calls already reach 10 ms at p95, and the review's one call is a transaction. The app's own
share of a review is what the embedded row shows, ~4 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from javumbo.settings import Settings
from javumbo_testbed.emulator import FAKE_AWS_ENV, free_port, start_moto

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


def embedded_http(samples: int, work: Path) -> tuple[Timings, Timings]:
    port = free_port()
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


@contextmanager
def moto_in_child_process(work: Path) -> Iterator[Settings]:
    """Settings for the AWS backends on a moto server in a child process, resources created."""
    from javumbo.stores.aws_setup import ensure_aws_resources

    for name, value in FAKE_AWS_ENV.items():
        os.environ.setdefault(name, value)
    emulator = start_moto(log_dir=work)
    try:
        settings = Settings(
            backend="aws",
            jwt_secret_key="b" * 48,
            s3_bucket=f"javumbo-bench-api-{os.getpid()}",
            aws_endpoint_url=emulator.url,
            cache_dir=work / "lambda-cache",
        )
        ensure_aws_resources(settings)
        yield settings
    finally:
        emulator.stop()


def bare_head_reads(meta: Any, samples: int) -> Timings:
    """One DynamoDB call alone, the cheapest there is (a consistent GetItem of a user's
    journal head): the floor under any request that reaches the metastore on moto. (A bare
    journal append is no floor here: moto's transactions slow down as the table grows.)"""
    user_id = f"bench-floor-{uuid.uuid4().hex}"
    times = []
    for _ in range(samples):
        started_at = time.perf_counter()
        meta.get_head(user_id)
        times.append((time.perf_counter() - started_at) * 1000)
    return Timings("one DynamoDB read", times)


def lambda_on_moto(samples: int, work: Path) -> tuple[Timings, Timings, Timings]:
    import logging

    from javumbo.api.app import app_services, create_app
    from javumbo.api.observability import REQUEST_LOGGER
    from javumbo.lambda_handler import wrap_app

    with moto_in_child_process(work) as settings:
        app = create_app(settings, in_lambda=False)
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
            review, health = run_workload(call, samples)
            return review, health, bare_head_reads(app_services(app).meta, samples)
        finally:
            app_services(app).close()


# ------------------------------------------------------------------ report


def report(setup: str, review: Timings, health: Timings, *floor: Timings) -> None:
    ratio = review.p95 / health.p95 if health.p95 > 0 else float("inf")
    print(f"{setup}  ({len(review.samples)} samples each)")
    for timings in (review, health, *floor):
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
