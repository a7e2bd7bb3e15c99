"""The load test's report: a JSON-ready dict (latency percentiles, failed attempts, answers sent,
acknowledged, lost and applied twice) and its text form."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from javumbo.loadtest.runner import LoadRun


@dataclass
class IntegrityResult:
    """Acknowledged answers not applied (``lost``), answers applied more often than sent
    (``duplicated``), answers whose fate could not be read back (``unverified``), and the
    answers found applied (``reviews``)."""

    lost: int = 0
    duplicated: int = 0
    unverified: int = 0
    reviews: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


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


def build_report(run: LoadRun, integrity: IntegrityResult) -> dict[str, Any]:
    config = run.config
    outcomes = run.outcomes
    ok = [a for a in run.attempts if a.ok]
    api = [a for a in ok if a.route.startswith("/api/")]
    failures = [a for a in run.attempts if not a.ok]
    sessions = sum(1 for o in outcomes if o.completed)
    elapsed = run.elapsed
    return {
        "config": {
            "target": config.target,
            "users": config.users,
            "cards": config.cards,
            "seed": config.seed,
        },
        "duration_s": round(elapsed, 3),
        "sessions": sessions,
        "sessions_per_s": round(sessions / elapsed, 3) if elapsed > 0 else None,
        "users_failed": {o.username: o.error for o in outcomes if o.error},
        "flushes_failed": sum(1 for o in outcomes if o.completed and not o.flushed),
        "requests": len(run.attempts),
        "sent": sum(sum(o.sent.values()) for o in outcomes),
        "acknowledged": sum(sum(o.acknowledged.values()) for o in outcomes),
        "unanswered": sum(o.unanswered for o in outcomes),
        "lost": integrity.lost,
        "duplicated": integrity.duplicated,
        "unverified": integrity.unverified,
        "reviews_found": integrity.reviews,
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
    }


def report_ok(report: dict[str, Any]) -> bool:
    """No acknowledged answer lost or unverifiable, none applied twice."""
    return bool(
        report["lost"] == 0 and report["duplicated"] == 0 and report.get("unverified", 0) == 0
    )


def report_lines(report: dict[str, Any]) -> list[str]:
    latency = report["latency_ms"]
    config = report["config"]
    lines = [
        f"target {config.get('target', '-')}  users {config['users']}  cards {config['cards']}",
        f"sessions {report['sessions']} in {report['duration_s']} s  "
        f"({report['sessions_per_s']} sessions/s), {report['requests']} requests",
        f"answers sent {report['sent']}  acknowledged {report['acknowledged']}  "
        f"lost {report['lost']}  duplicated {report['duplicated']}",
        f"latency ms  all p50 {latency['p50']} p95 {latency['p95']} p99 {latency['p99']}  |  "
        f"cold p50 {latency['cold']['p50']} p95 {latency['cold']['p95']}  |  "
        f"warm p50 {latency['warm']['p50']} p95 {latency['warm']['p95']} "
        f"p99 {latency['warm']['p99']}",
        f"errors (failed attempts) {report['errors'] or 'none'}",
    ]
    if report["users_failed"]:
        lines.append(f"users failed: {report['users_failed']}")
    return lines


def integrity_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if report["integrity_problems"]:
        lines.append(f"INTEGRITY PROBLEMS: {json.dumps(report['integrity_problems'])}")
    lines.append("integrity OK" if report_ok(report) else "INTEGRITY FAILED")
    return lines


def format_report(report: dict[str, Any]) -> str:
    return "\n".join(report_lines(report) + integrity_lines(report))
