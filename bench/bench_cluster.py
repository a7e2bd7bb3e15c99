"""The seed's load scenario on a local cluster (``python -m bench cluster``).

10 users × 20 answers at 1, 2 and 4 instances, each without and with chaos (instances killed,
frozen past the session TTL, the emulator cut off). Every run's JSON report goes to
``bench/results/cluster-<instances>-<plain|chaos>.json``; the summary table shows sessions/s,
warm latency, S3 GET+PUT per session against the seed's week-1 baseline (download and upload
the collection on every request), DynamoDB operations, and the integrity check.

``--users``/``--cards``/``--instances`` shrink or grow it; ``--standin`` runs the tests'
stand-in API (same routes and storage engine) instead of ``javumbo serve``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from javumbo.cluster.loadtest import LoadTestConfig, report_ok, run_loadtest

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
INSTANCE_COUNTS = (1, 2, 4)


def app_options(standin: bool) -> dict[str, Any]:
    if not standin:
        return {}
    return {
        "app_module": "tests.cluster.standin_api",
        "app_args": (),
        "extra_env": {"PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    }


def run_one(instances: int, chaos: bool, args: argparse.Namespace) -> dict[str, Any]:
    config = LoadTestConfig(
        instances=instances,
        users=args.users,
        cards=args.cards,
        chaos=chaos,
        seed=args.seed,
        progress=sys.stderr if args.progress else None,
        **app_options(args.standin),
    )
    report = run_loadtest(config)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"cluster-{instances}-{'chaos' if chaos else 'plain'}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2))
    return report


def summary_row(report: dict[str, Any]) -> str:
    config = report["config"]
    warm = report["latency_ms"]["warm"]
    s3_session = report["s3_ops_per_session"]
    baseline = report["baseline_s3_ops_per_session"]
    saving = f"{1 - s3_session / baseline:.0%}" if s3_session is not None and baseline else "-"
    errors = sum(report["errors"].values())
    return (
        f"{config['instances']:>3} {'chaos' if config['chaos'] else 'plain':<6}"
        f"{report['sessions_per_s']:>9}{warm['p50']!s:>9}{warm['p95']!s:>9}"
        f"{s3_session!s:>9}{baseline!s:>10}{saving:>8}"
        f"{report['dynamodb']['read']:>8}{report['dynamodb']['write']:>8}"
        f"{errors:>7}{report['acknowledged']:>6}{report['lost']:>5}{report['duplicated']:>5}"
        f"  {'ok' if report_ok(report) else 'FAILED'}"
    )


HEADER = (
    "  K mode   sess/s  warm50   warm95  S3/sess  seed/sess  saving  ddb-rd  ddb-wr"
    "  fails   ack lost  dup  integrity"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cluster")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--cards", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--instances", type=int, nargs="*", default=list(INSTANCE_COUNTS))
    parser.add_argument("--no-chaos", action="store_true", help="skip the chaos runs")
    parser.add_argument("--standin", action="store_true", help="the tests' stand-in API")
    parser.add_argument("--progress", action="store_true", help="progress lines on stderr")
    args = parser.parse_args(argv if argv is not None else [])
    rows = []
    for instances in args.instances:
        for chaos in (False,) if args.no_chaos else (False, True):
            print(f"-- {instances} instance(s), {'chaos' if chaos else 'plain'}", flush=True)
            rows.append(summary_row(run_one(instances, chaos, args)))
    print(f"{args.users} users x {args.cards} answers; reports in {RESULTS}")
    print(HEADER)
    for row in rows:
        print(row)


if __name__ == "__main__":
    main(sys.argv[1:])
