"""``javumbo-testbed cluster`` (K instances on the emulator behind a router) and
``javumbo-testbed loadtest`` (the load test on such a cluster, with chaos on demand)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from javumbo_testbed.router import POLICIES
from javumbo_testbed.strategies import STRATEGIES
from javumbo_testbed.supervisor import ClusterError

PARENT_WATCH_SECONDS = 0.5


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="javumbo-testbed",
        description="A local stand-in for Javumbo on AWS: app instances on the S3/DynamoDB "
        "emulator behind a router, on 127.0.0.1.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cluster = commands.add_parser(
        "cluster",
        help="K app instances on the S3/DynamoDB emulator behind a router, on 127.0.0.1",
    )
    cluster.add_argument("--instances", type=positive, default=3, help="app processes (3)")
    cluster.add_argument("--routing", choices=POLICIES, default="round-robin")
    cluster.add_argument("--port", type=int, default=8000, help="router port (8000)")
    cluster.add_argument("--emulator", metavar="URL", help="use this emulator, else start moto")
    cluster.add_argument("--session-ttl", type=positive, help="SESSION_TTL of the instances")
    cluster.set_defaults(handler=run_cluster)

    load = commands.add_parser(
        "loadtest",
        help="N users review concurrently on a local cluster; checks no answer is lost",
    )
    load.add_argument("--instances", type=positive, default=3, help="app processes (3)")
    load.add_argument("--users", type=positive, default=10, help="concurrent users (10)")
    load.add_argument("--cards", type=positive, default=20, help="answers per user (20)")
    load.add_argument("--chaos", action="store_true", help="kill, freeze, cut off the emulator")
    load.add_argument("--json", action="store_true", help="print the report as one JSON object")
    load.add_argument("--seed", type=int, default=0, help="seed for ratings and faults (0)")
    load.add_argument("--routing", choices=POLICIES, default="round-robin")
    load.add_argument("--emulator", metavar="URL", help="use this emulator, else start moto")
    load.add_argument(
        "--strategy",
        choices=sorted(STRATEGIES),
        default="journal",
        help="storage strategy of the instances (journal; the others are unsafe, for comparison)",
    )
    load.add_argument(
        "--deadline", type=positive, default=600, help="seconds before users give up (600)"
    )
    load.set_defaults(handler=run_loadtest)
    return parser


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except (ClusterError, OSError) as exc:
        print(f"javumbo-testbed: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


def exit_with_parent() -> None:
    """Turn the parent's death (and SIGTERM) into a normal shutdown of this process."""
    parent = os.getppid()

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_cluster(args: argparse.Namespace) -> int:
    from javumbo_testbed.supervisor import Cluster, ClusterConfig

    exit_with_parent()
    config = ClusterConfig(
        instances=args.instances,
        routing=args.routing,
        router_port=args.port,
        emulator_url=args.emulator,
        session_ttl=args.session_ttl,
    )
    with Cluster(config) as cluster:
        print(f"Javumbo cluster on {cluster.url} ({args.routing})", flush=True)
        counted_at = cluster.settings().aws_endpoint_url
        print(f"  emulator {cluster.emulator_url} (counted at {counted_at})")
        for instance in cluster.instances:
            print(f"  {instance.name}: http://127.0.0.1:{instance.port}  log {instance.log_path}")
        print("Ctrl+C stops everything.", flush=True)
        threading.Event().wait()
    return 0


def run_loadtest(args: argparse.Namespace) -> int:
    from javumbo.loadtest.report import report_ok
    from javumbo_testbed.cluster_load import LoadTestConfig, format_report
    from javumbo_testbed.cluster_load import run_loadtest as run

    exit_with_parent()
    config = LoadTestConfig(
        instances=args.instances,
        users=args.users,
        cards=args.cards,
        chaos=args.chaos,
        seed=args.seed,
        routing=args.routing,
        emulator_url=args.emulator,
        deadline_seconds=args.deadline,
        progress=sys.stderr,
        strategy=args.strategy,
    )
    report = run(config)
    print(json.dumps(report) if args.json else format_report(report), flush=True)
    return 0 if report_ok(report) else 2
