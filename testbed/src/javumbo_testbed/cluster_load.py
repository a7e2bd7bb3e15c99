"""The load test on a local cluster (``javumbo-testbed loadtest``): the product's load generator
(``javumbo.loadtest``) against K instances on the emulator, optionally with chaos, and an
integrity check that reads the stores themselves.

After the load, for every user, the collection as the stores hold it (head snapshot + journal,
read directly with ``StorageEngine``) is compared with the answers the API acknowledged:

* ``lost``: an acknowledged answer with no revlog row for its card;
* ``duplicated``: more revlog rows for a card than answers sent for it.

S3 and DynamoDB operations are counted on the wire by the cluster's counting proxy, during the
load only (setup and the integrity check go around it). The run is bounded: a deadline for the
whole load, a bounded number of attempts per request, loopback only.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from javumbo.collection import SystemClock
from javumbo.loadtest.report import IntegrityResult, build_report, integrity_lines, report_lines
from javumbo.loadtest.runner import LoadRun, drive_users
from javumbo.loadtest.runner import LoadTestConfig as TargetConfig
from javumbo.loadtest.scenario import UserOutcome, compare_answers
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import MetaStore
from javumbo.userdb import StorageEngine
from javumbo_testbed.chaos import Chaos
from javumbo_testbed.router import Policy
from javumbo_testbed.supervisor import Cluster, ClusterConfig

CHAOS_SESSION_TTL = 2
CHAOS_FREEZE_SECONDS = CHAOS_SESSION_TTL + 1.5
CHAOS_ROUTER_TIMEOUT = 2.0


SERVE_STRATEGY = "javumbo_testbed.serve_strategy"


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
    # What the instances run: ``python -m <app_module> <app_args>``.
    app_module: str = "javumbo"
    app_args: tuple[str, ...] = ("serve",)
    extra_env: dict[str, str] = field(default_factory=dict)
    work_dir: Path | None = None  # kept afterwards (instance logs), else a temporary folder
    # The instances' storage strategy (only "journal", the product's engine, is safe); another
    # one runs the instances as ``python -m javumbo_testbed.serve_strategy --strategy <name>``.
    strategy: str = "journal"


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
        app_module=config.app_module if config.strategy == "journal" else SERVE_STRATEGY,
        app_args=config.app_args
        if config.strategy == "journal"
        else ("--strategy", config.strategy),
        extra_env=config.extra_env,
        work_dir=config.work_dir,
    )
    with Cluster(cluster_config) as cluster:
        return _run_on(cluster, config, session_ttl)


def _run_on(cluster: Cluster, config: LoadTestConfig, session_ttl: int | None) -> dict[str, Any]:
    assert cluster.router is not None and cluster.proxy is not None
    rng = random.Random(config.seed)
    target = TargetConfig(
        target=cluster.url,
        users=config.users,
        cards=config.cards,
        seed=rng.getrandbits(32),
        deadline_seconds=config.deadline_seconds,
        request_timeout=config.request_timeout,
        max_attempts=config.max_attempts,
        progress=config.progress,
        run_tag=uuid.UUID(int=rng.getrandbits(128)).hex[:6] + cluster.run_id[:4],
    )
    chaos = None
    if config.chaos:
        chaos = Chaos(
            cluster,
            rng=random.Random(rng.getrandbits(32)),
            interval=config.chaos_interval,
            freeze_seconds=max(CHAOS_FREEZE_SECONDS, (session_ttl or 0) + 1.5),
        )
    counts_before = cluster.proxy.counts()
    run = drive_users(target, during=_faults(cluster, chaos))
    counts = cluster.proxy.counts() - counts_before
    integrity = check_integrity(cluster, run.outcomes)
    report = build_report(run, integrity)
    report["config"] = {
        "instances": config.instances,
        "users": config.users,
        "cards": config.cards,
        "chaos": config.chaos,
        "seed": config.seed,
        "routing": config.routing,
        "strategy": config.strategy,
    }
    report["revlog_rows"] = integrity.reviews
    report.update(_emulator_figures(run, counts))
    report["router"] = dict(sorted(cluster.router.stats.items()))
    report["restarts"] = {i.name: i.restarts for i in cluster.instances}
    hits, misses = cache_hits_from_logs(cluster)
    report["cache_hit_rate"] = round(hits / (hits + misses), 4) if hits + misses else None
    report["cache_hit_rate_note"] = (
        f"{hits} hits / {misses} misses in the instances' request log lines"
        if hits + misses
        else "no request log line of the instances reports cache_hit"
    )
    if chaos is not None:
        report["chaos"] = _chaos_figures(run, chaos)
    return report


@contextlib.contextmanager
def _faults(cluster: Cluster, chaos: Chaos | None) -> Iterator[None]:
    """Chaos while the users run; afterwards every fault undone and every instance up."""
    if chaos is None:
        yield
        return
    chaos.start()
    try:
        yield
    finally:
        chaos.stop()
        cluster.wait_until_all_up(60)


def _emulator_figures(run: LoadRun, counts: Counter[str]) -> dict[str, Any]:
    sessions = sum(1 for o in run.outcomes if o.completed)
    collection_requests = sum(1 for a in run.attempts if a.ok and a.route.startswith("/api/"))
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
    return {
        "s3": dict(sorted(s3.items())),
        "dynamodb": dict(sorted(dynamodb.items())),
        "emulator_ops": dict(sorted(counts.items())),
        "s3_ops_per_session": round((s3["get"] + s3["put"]) / sessions, 2) if sessions else None,
        # What a design that downloads and uploads the collection on every request would cost.
        "baseline_s3_ops_per_session": (
            round(2 * collection_requests / sessions, 2) if sessions else None
        ),
    }


def _chaos_figures(run: LoadRun, chaos: Chaos) -> dict[str, Any]:
    during: dict[str, Counter[str]] = {kind: Counter() for kind in ("kill", "freeze", "outage")}
    outside: Counter[str] = Counter()
    for attempt in run.attempts:
        if attempt.ok:
            continue
        fault = chaos.fault_at(attempt.started, attempt.ended)
        (during[fault] if fault else outside)[str(attempt.status)] += 1
    return {
        "faults": [w.to_json(run.started) for w in chaos.windows],
        "failed_during": {kind: dict(c) for kind, c in during.items()},
        "failed_outside_faults": dict(outside),
    }


# ------------------------------------------------------------------ integrity


def check_integrity(cluster: Cluster, outcomes: list[UserOutcome]) -> IntegrityResult:
    """Compare each user's revlog, as the stores hold it, with what the API acknowledged."""
    settings = cluster.settings(direct=True)
    blobs, meta = open_stores(settings)
    cache_dir = Path(tempfile.mkdtemp(prefix="javumbo-integrity-"))
    engine = StorageEngine(
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
            rows = _revlog_cards(engine, meta, outcome.username)
            result.reviews += sum(rows.values())
            lost, duplicated = compare_answers(outcome, rows)
            result.lost += len(lost)
            result.duplicated += sum(duplicated.values())
            if lost or duplicated:
                result.problems.append(
                    {"user": outcome.username, "lost_cards": lost, "duplicated_cards": duplicated}
                )
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return result


def _revlog_cards(engine: StorageEngine, meta: MetaStore, username: str) -> Counter[int]:
    record = meta.get_user(username)
    if record is None:
        return Counter()
    with engine.read(record.user_id) as col:
        return Counter(int(row[0]) for row in col.db.execute("select cid from revlog"))


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


# ------------------------------------------------------------------ the text report


def format_report(report: dict[str, Any]) -> str:
    config = report["config"]
    lines = report_lines(report)
    lines[0] = (
        f"instances {config['instances']}  users {config['users']}  cards {config['cards']}  "
        f"chaos {config['chaos']}  routing {config['routing']}  strategy {config['strategy']}"
    )
    rate = report["cache_hit_rate"]
    lines += [
        f"S3 {report['s3']}  DynamoDB {report['dynamodb']}",
        f"S3 GET+PUT per session {report['s3_ops_per_session']}  "
        f"(download + upload per request: {report['baseline_s3_ops_per_session']})",
        f"cache hit rate: {f'{rate:.1%}' if rate is not None else report['cache_hit_rate_note']}",
        f"restarts {report['restarts']}  router {report['router']}",
    ]
    if "chaos" in report:
        chaos = report["chaos"]
        kinds = Counter(f["kind"] for f in chaos["faults"])
        lines.append(f"faults injected {dict(kinds)}")
        lines.append(
            f"failed attempts during faults {chaos['failed_during']}  "
            f"outside {chaos['failed_outside_faults'] or 'none'}"
        )
    return "\n".join(lines + integrity_lines(report))
