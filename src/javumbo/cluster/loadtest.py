"""``javumbo loadtest``: the seed's scenario on a local cluster, with an integrity check.

N users at once, each: register, log in, start a session, create a deck and M cards, answer M
cards (each answer once, under its own ``Idempotency-Key``, retried on failures), and flush.
Then, for every user, the collection as the stores hold it (head snapshot + journal, read
directly with ``UserDatabases``) is compared with the answers the API acknowledged:

* ``lost``: an acknowledged answer with no revlog row for its card;
* ``duplicated``: more revlog rows for a card than answers sent for it.

S3 and DynamoDB operations are counted on the wire by the cluster's counting proxy, during the
load only (setup and the integrity check go around it). The run is bounded: a deadline for the
whole load, a bounded number of attempts per request, loopback only.
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from javumbo.cluster.chaos import Chaos
from javumbo.cluster.client import Attempt, Recorder, RequestBudgetExceeded, UserClient
from javumbo.cluster.router import Policy
from javumbo.cluster.supervisor import Cluster, ClusterConfig
from javumbo.collection import SystemClock
from javumbo.stores.factory import open_stores
from javumbo.userdb import UserDatabases

PASSWORD = "load-test-password-1"
DECK_NAME = "Load test"
CHAOS_SESSION_TTL = 2
CHAOS_FREEZE_SECONDS = CHAOS_SESSION_TTL + 1.5
CHAOS_ROUTER_TIMEOUT = 2.0


@dataclass
class LoadTestConfig:
    instances: int = 3
    users: int = 10
    cards: int = 20
    chaos: bool = False
    seed: int = 0
    routing: Policy = "round-robin"
    emulator_url: str | None = None
    deadline_seconds: float = 300.0
    request_timeout: float = 30.0
    max_attempts: int = 20  # with backoff capped at 1 s: rides out a whole chaos cycle
    session_ttl: int | None = None
    chaos_interval: float = 1.5
    progress: TextIO | None = None
    # What the instances run (the real ``javumbo serve`` unless a test swaps in a stand-in).
    app_module: str = "javumbo"
    app_args: tuple[str, ...] = ("serve",)
    extra_env: dict[str, str] = field(default_factory=dict)
    work_dir: Path | None = None  # kept afterwards (instance logs), else a temporary folder
    # JAVUMBO_STORAGE_STRATEGY of the instances (only "journal" is safe; see the README).
    strategy: str = "journal"


@dataclass
class UserOutcome:
    username: str
    completed: bool = False
    flushed: bool = False
    error: str | None = None
    sent: Counter[int] = field(default_factory=Counter)
    acknowledged: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0


@dataclass
class IntegrityResult:
    lost: int = 0
    duplicated: int = 0
    revlog_rows: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


# ------------------------------------------------------------------ one user


def run_user(client: UserClient, outcome: UserOutcome, config: LoadTestConfig) -> None:
    """The scenario for one user; raises on a failure that ends it (recorded by the caller)."""
    rng = client.rng
    answer = client.call(
        "POST",
        "/register",
        {"username": outcome.username, "password": PASSWORD},
        idempotency_key=uuid.uuid4().hex,
        final_statuses=(409,),  # exists: an earlier attempt got through
    )
    _expect(answer, "register", ok=(200, 201, 409))
    answer = client.call(
        "POST",
        "/login",
        {"username": outcome.username, "password": PASSWORD},
        idempotency_key=uuid.uuid4().hex,
    )
    token = _expect(answer, "login").get("token")
    if not isinstance(token, str):
        raise RuntimeError("login answered no token")
    client.token = token
    started = _expect(
        client.call("POST", "/api/session/start", {}, idempotency_key=uuid.uuid4().hex),
        "session start",
    )
    client.session_id = started.get("session_id") or client.session_id
    deck = _expect(
        client.call("POST", "/api/decks", {"name": DECK_NAME}, idempotency_key=uuid.uuid4().hex),
        "create deck",
    )
    deck_id = deck.get("id")
    if not isinstance(deck_id, int):
        # A retried create whose first run was already flushed out of the journal is
        # acknowledged without its result: find the deck by name instead.
        listing = _expect(client.call("GET", "/api/decks"), "list decks")
        deck_id = _find_deck(listing, DECK_NAME)
        if deck_id is None:
            raise RuntimeError(f"deck {DECK_NAME!r} created but not listed")
    created: list[int] = []
    for index in range(config.cards):
        card = _expect(
            client.call(
                "POST",
                "/api/cards",
                {"deck_id": deck_id, "front": f"question {index}", "back": f"answer {index}"},
                idempotency_key=uuid.uuid4().hex,
            ),
            "create card",
        )
        created.extend(_card_ids(card))
    for _ in range(config.cards):
        queue = _expect(
            client.call("GET", f"/api/review/{deck_id}", route="/api/review/<deck_id>"),
            "review queue",
        )
        card_id = _next_card(queue, outcome.sent, created)
        if card_id is None:
            outcome.unanswered += 1
            continue
        outcome.sent[card_id] += 1
        answer = client.call(
            "POST",
            "/api/review",
            {"card_id": card_id, "rating": rng.randint(1, 4), "time_ms": rng.randint(800, 9000)},
            idempotency_key=uuid.uuid4().hex,
        )
        if answer is not None and answer.ok:
            outcome.acknowledged[card_id] += 1
    flushed = client.call(
        "POST",
        "/api/session/flush",
        {"session_id": client.session_id},
        idempotency_key=uuid.uuid4().hex,
    )
    outcome.flushed = flushed is not None and flushed.ok
    outcome.completed = True


def _expect(answer: Any, what: str, *, ok: tuple[int, ...] = (200, 201)) -> dict[str, Any]:
    if answer is None:
        raise RuntimeError(f"{what}: no answer (connection failed on every attempt)")
    if answer.status not in ok:
        raise RuntimeError(f"{what}: HTTP {answer.status} {answer.body[:200]!r}")
    body = answer.json()
    return body if isinstance(body, dict) else {}


def _find_deck(listing: Any, name: str) -> int | None:
    """The id of the deck called ``name`` in a deck listing (a list or tree, any nesting)."""
    if isinstance(listing, dict):
        if listing.get("name") == name and isinstance(listing.get("id"), int):
            return int(listing["id"])
        nested: Any = list(listing.values())
    elif isinstance(listing, list):
        nested = listing
    else:
        return None
    for item in nested:
        found = _find_deck(item, name)
        if found is not None:
            return found
    return None


def _card_ids(body: dict[str, Any]) -> list[int]:
    if isinstance(body.get("card_ids"), list):
        return [int(c) for c in body["card_ids"]]
    for key in ("card_id", "id"):
        if isinstance(body.get(key), int):
            return [int(body[key])]
    return []


def _next_card(queue: dict[str, Any], sent: Counter[int], created: list[int]) -> int | None:
    """The first queued card not answered yet; else a created one not answered yet."""
    for card in queue.get("cards") or []:
        card_id = card.get("card_id") if isinstance(card, dict) else None
        if isinstance(card_id, int) and card_id not in sent:
            return card_id
    return next((card_id for card_id in created if card_id not in sent), None)


# ------------------------------------------------------------------ integrity


def check_integrity(cluster: Cluster, outcomes: list[UserOutcome]) -> IntegrityResult:
    """Compare each user's revlog, as the stores hold it, with what the API acknowledged."""
    settings = cluster.settings(direct=True)
    blobs, meta = open_stores(settings)
    cache_dir = Path(tempfile.mkdtemp(prefix="javumbo-integrity-"))
    databases = UserDatabases(
        settings,
        blobs,
        meta,
        instance_id="integrity-check",
        cache_dir=cache_dir,
        clock=SystemClock(),
    )
    result = IntegrityResult()
    try:
        for outcome in outcomes:
            rows = _revlog_cards(databases, meta, outcome.username)
            result.revlog_rows += sum(rows.values())
            lost, duplicated = compare_revlog(outcome, rows)
            result.lost += len(lost)
            result.duplicated += sum(duplicated.values())
            if lost or duplicated:
                result.problems.append(
                    {"user": outcome.username, "lost_cards": lost, "duplicated_cards": duplicated}
                )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return result


def cache_hits_from_logs(cluster: Cluster) -> tuple[int, int]:
    """Requests that used a collection with / without a snapshot download, from the
    instances' request log lines (JSON with ``cache_hit``); lines of killed processes
    count up to their last flushed line."""
    hits = misses = 0
    for instance in cluster.instances:
        if not instance.log_path.exists():
            continue
        with instance.log_path.open(encoding="utf-8", errors="replace") as log:
            for line in log:
                if '"cache_hit"' not in line:
                    continue
                try:
                    hit = json.loads(line).get("cache_hit")
                except (ValueError, AttributeError):
                    continue
                if hit is True:
                    hits += 1
                elif hit is False:
                    misses += 1
    return hits, misses


def compare_revlog(outcome: UserOutcome, rows: Counter[int]) -> tuple[list[int], dict[int, int]]:
    """Cards whose acknowledged answer has no revlog row, and cards with more rows than
    answers sent (an answer whose outcome is unknown may have 0 or 1 rows, never 2)."""
    lost = [c for c, n in outcome.acknowledged.items() if rows[c] < n]
    duplicated = {c: n - outcome.sent[c] for c, n in rows.items() if n > outcome.sent[c]}
    return lost, duplicated


def _revlog_cards(databases: UserDatabases, meta: Any, username: str) -> Counter[int]:
    record = meta.get_user(username)
    if record is None:
        return Counter()
    with databases.read(record.user_id) as col:
        return Counter(int(row[0]) for row in col.db.execute("select cid from revlog"))


# ------------------------------------------------------------------ the run


def run_loadtest(config: LoadTestConfig) -> dict[str, Any]:
    """Start a cluster, run the users (and the chaos) against it, check, and report."""
    session_ttl = config.session_ttl or (CHAOS_SESSION_TTL if config.chaos else None)
    cluster_config = ClusterConfig(
        instances=config.instances,
        routing=config.routing,
        emulator_url=config.emulator_url,
        session_ttl=session_ttl,
        # Under chaos the router gives up on a frozen instance before it thaws, so retries of
        # the same answer race the original when it wakes up: the case the fence must catch.
        upstream_timeout=CHAOS_ROUTER_TIMEOUT if config.chaos else config.request_timeout,
        app_module=config.app_module,
        app_args=config.app_args,
        extra_env={"JAVUMBO_STORAGE_STRATEGY": config.strategy, **config.extra_env},
        work_dir=config.work_dir,
    )
    with Cluster(cluster_config) as cluster:
        return _run_on(cluster, config, session_ttl)


def _run_on(cluster: Cluster, config: LoadTestConfig, session_ttl: int | None) -> dict[str, Any]:
    assert cluster.router is not None and cluster.proxy is not None
    rng = random.Random(config.seed)
    recorder = Recorder()
    run_tag = uuid.UUID(int=rng.getrandbits(128)).hex[:6] + cluster.run_id[:4]
    outcomes = [UserOutcome(f"load{run_tag}u{index}") for index in range(config.users)]
    chaos = None
    if config.chaos:
        chaos = Chaos(
            cluster,
            rng=random.Random(rng.getrandbits(32)),
            interval=config.chaos_interval,
            freeze_seconds=max(CHAOS_FREEZE_SECONDS, (session_ttl or 0) + 1.5),
        )
    counts_before = cluster.proxy.counts()
    started = time.monotonic()
    deadline = started + config.deadline_seconds
    threads = []
    for outcome in outcomes:
        client = UserClient(
            cluster.router.port,
            outcome.username,
            recorder,
            random.Random(rng.getrandbits(32)),
            timeout=config.request_timeout,
            max_attempts=config.max_attempts,
            deadline=deadline,
        )
        thread = threading.Thread(
            target=_user_thread, args=(client, outcome, config), name=outcome.username
        )
        threads.append(thread)
    if chaos is not None:
        chaos.start()
    for thread in threads:
        thread.start()
    progress = _Progress(config, outcomes, recorder, started)
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.25)
            progress.tick()
    if chaos is not None:
        chaos.stop()
        cluster.wait_until_all_up(60)
    elapsed = time.monotonic() - started
    counts = cluster.proxy.counts() - counts_before
    progress.tick(final=True)
    integrity = check_integrity(cluster, outcomes)
    hits, misses = cache_hits_from_logs(cluster)
    report = build_report(
        config, cluster, outcomes, recorder.snapshot(), counts, integrity, elapsed, chaos, started
    )
    if hits + misses:
        report["cache_hit_rate"] = round(hits / (hits + misses), 4)
        report["cache_hit_rate_note"] = (
            f"{hits} hits / {misses} misses in the instances' request log lines"
        )
    return report


def _user_thread(client: UserClient, outcome: UserOutcome, config: LoadTestConfig) -> None:
    try:
        run_user(client, outcome, config)
    except RequestBudgetExceeded as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a failed user is reported, never crashes the run
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()


class _Progress:
    def __init__(
        self,
        config: LoadTestConfig,
        outcomes: list[UserOutcome],
        recorder: Recorder,
        started: float,
    ) -> None:
        self.config = config
        self.outcomes = outcomes
        self.recorder = recorder
        self.started = started
        self.last = 0.0

    def tick(self, *, final: bool = False) -> None:
        stream = self.config.progress
        now = time.monotonic()
        if stream is None or (not final and now - self.last < 1.0):
            return
        self.last = now
        done = sum(1 for o in self.outcomes if o.completed or o.error)
        acked = sum(sum(o.acknowledged.values()) for o in self.outcomes)
        attempts = self.recorder.snapshot()
        failed = sum(1 for a in attempts if not a.ok)
        target = self.config.users * self.config.cards
        print(
            f"[{now - self.started:6.1f}s] users {done}/{len(self.outcomes)}  "
            f"answers {acked}/{target}  requests {len(attempts)}  failed attempts {failed}",
            file=stream,
            flush=True,
        )


# ------------------------------------------------------------------ the report


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "count": 0}
    if len(values) == 1:
        only = round(values[0], 2)
        return {"p50": only, "p95": only, "p99": only, "count": 1}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 2),
        "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2),
        "count": len(values),
    }


def build_report(
    config: LoadTestConfig,
    cluster: Cluster,
    outcomes: list[UserOutcome],
    attempts: list[Attempt],
    counts: Counter[str],
    integrity: IntegrityResult,
    elapsed: float,
    chaos: Chaos | None,
    origin: float,
) -> dict[str, Any]:
    ok = [a for a in attempts if a.ok]
    api = [a for a in ok if a.route.startswith("/api/")]
    failures = [a for a in attempts if not a.ok]
    sessions = sum(1 for o in outcomes if o.completed)
    collection_requests = sum(1 for a in api)
    s3 = {kind[3:]: n for kind, n in counts.items() if kind.startswith("s3.")}
    dynamodb: dict[str, int] = {}
    for kind, n in counts.items():
        if kind.startswith("dynamodb."):
            group = kind[9:].split(".", 1)[0]
            dynamodb[group] = dynamodb.get(group, 0) + n
    s3.setdefault("get", 0)
    s3.setdefault("put", 0)
    dynamodb.setdefault("read", 0)
    dynamodb.setdefault("write", 0)
    report: dict[str, Any] = {
        "config": {
            "instances": config.instances,
            "users": config.users,
            "cards": config.cards,
            "chaos": config.chaos,
            "seed": config.seed,
            "routing": config.routing,
            "strategy": config.strategy,
        },
        "duration_s": round(elapsed, 3),
        "sessions": sessions,
        "sessions_per_s": round(sessions / elapsed, 3) if elapsed > 0 else None,
        "users_failed": {o.username: o.error for o in outcomes if o.error},
        "flushes_failed": sum(1 for o in outcomes if o.completed and not o.flushed),
        "requests": len(attempts),
        "sent": sum(sum(o.sent.values()) for o in outcomes),
        "acknowledged": sum(sum(o.acknowledged.values()) for o in outcomes),
        "unanswered": sum(o.unanswered for o in outcomes),
        "lost": integrity.lost,
        "duplicated": integrity.duplicated,
        "revlog_rows": integrity.revlog_rows,
        "integrity_problems": integrity.problems,
        "latency_ms": {
            **percentiles([a.latency_ms for a in ok]),
            "cold": percentiles([a.latency_ms for a in api if a.cold]),
            "warm": percentiles([a.latency_ms for a in api if not a.cold]),
            "by_route": {
                route: percentiles([a.latency_ms for a in ok if a.route == route])
                for route in sorted({a.route for a in ok})
            },
        },
        "errors": dict(sorted(Counter(str(a.status) for a in failures).items())),
        "s3": dict(sorted(s3.items())),
        "dynamodb": dict(sorted(dynamodb.items())),
        "emulator_ops": dict(sorted(counts.items())),
        "s3_ops_per_session": round((s3["get"] + s3["put"]) / sessions, 2) if sessions else None,
        # The seed's week 1: download and upload the collection on every request.
        "baseline_s3_ops_per_session": (
            round(2 * collection_requests / sessions, 2) if sessions else None
        ),
        "cache_hit_rate": None,
        "cache_hit_rate_note": "no request log line of the instances reports cache_hit",
        "router": dict(sorted(cluster.router.stats.items())) if cluster.router else {},
        "restarts": {i.name: i.restarts for i in cluster.instances},
    }
    if chaos is not None:
        during: dict[str, Counter[str]] = {kind: Counter() for kind in ("kill", "freeze", "outage")}
        outside: Counter[str] = Counter()
        for attempt in failures:
            fault = chaos.fault_at(attempt.started, attempt.ended)
            (during[fault] if fault else outside)[str(attempt.status)] += 1
        report["chaos"] = {
            "faults": [w.to_json(origin) for w in chaos.windows],
            "failed_during": {kind: dict(c) for kind, c in during.items()},
            "failed_outside_faults": dict(outside),
        }
    return report


def report_ok(report: dict[str, Any]) -> bool:
    return bool(report["lost"] == 0 and report["duplicated"] == 0)


def _cache_hit_text(report: dict[str, Any]) -> str:
    rate = report["cache_hit_rate"]
    return f"{rate:.1%}" if rate is not None else str(report["cache_hit_rate_note"])


def format_report(report: dict[str, Any]) -> str:
    latency = report["latency_ms"]
    lines = [
        f"instances {report['config']['instances']}  users {report['config']['users']}  "
        f"cards {report['config']['cards']}  chaos {report['config']['chaos']}  "
        f"routing {report['config']['routing']}  "
        f"strategy {report['config'].get('strategy', 'journal')}",
        f"sessions {report['sessions']} in {report['duration_s']} s  "
        f"({report['sessions_per_s']} sessions/s), {report['requests']} requests",
        f"answers sent {report['sent']}  acknowledged {report['acknowledged']}  "
        f"lost {report['lost']}  duplicated {report['duplicated']}",
        f"latency ms  all p50 {latency['p50']} p95 {latency['p95']} p99 {latency['p99']}  |  "
        f"cold p50 {latency['cold']['p50']} p95 {latency['cold']['p95']}  |  "
        f"warm p50 {latency['warm']['p50']} p95 {latency['warm']['p95']} "
        f"p99 {latency['warm']['p99']}",
        f"errors (failed attempts) {report['errors'] or 'none'}",
        f"S3 {report['s3']}  DynamoDB {report['dynamodb']}",
        f"S3 GET+PUT per session {report['s3_ops_per_session']}  "
        f"(seed week-1 baseline {report['baseline_s3_ops_per_session']})",
        f"cache hit rate: {_cache_hit_text(report)}",
        f"restarts {report['restarts']}  router {report['router']}",
    ]
    if report["users_failed"]:
        lines.append(f"users failed: {report['users_failed']}")
    if "chaos" in report:
        chaos = report["chaos"]
        kinds = Counter(f["kind"] for f in chaos["faults"])
        lines.append(f"faults injected {dict(kinds)}")
        lines.append(
            f"failed attempts during faults {chaos['failed_during']}  "
            f"outside {chaos['failed_outside_faults'] or 'none'}"
        )
    if report["integrity_problems"]:
        lines.append(f"INTEGRITY PROBLEMS: {json.dumps(report['integrity_problems'])}")
    lines.append("integrity OK" if report_ok(report) else "INTEGRITY FAILED")
    return "\n".join(lines)
