"""``javumbo loadtest --target URL``: drive a running Javumbo and check no answer is lost."""

from __future__ import annotations

import argparse
import json
import sys

from javumbo.cli.command_error import CommandError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    load = commands.add_parser(
        "loadtest",
        help="N users review concurrently on a running Javumbo; checks no answer is lost",
        description="Registers N new users on the target (registration must be open), has them "
        "create and answer cards at once, then reads every user's cards back and compares them "
        "with the acknowledged answers. Exits 2 if an acknowledged answer was lost or applied "
        "twice.",
    )
    load.add_argument("--target", required=True, metavar="URL", help="e.g. http://127.0.0.1:8000")
    load.add_argument("--users", type=positive, default=10, help="concurrent users (10)")
    load.add_argument("--cards", type=positive, default=20, help="answers per user (20)")
    load.add_argument("--seed", type=int, default=0, help="seed for the ratings (0)")
    load.add_argument("--json", action="store_true", help="print the report as one JSON object")
    load.add_argument(
        "--deadline", type=positive, default=600, help="seconds before users give up (600)"
    )
    load.set_defaults(handler=run_loadtest)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run_loadtest(args: argparse.Namespace) -> int:
    from javumbo.loadtest.client import Target
    from javumbo.loadtest.report import format_report, report_ok
    from javumbo.loadtest.runner import LoadTestConfig
    from javumbo.loadtest.runner import run_loadtest as run

    try:
        Target.parse(args.target)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    config = LoadTestConfig(
        target=args.target,
        users=args.users,
        cards=args.cards,
        seed=args.seed,
        deadline_seconds=args.deadline,
        progress=sys.stderr,
    )
    report = run(config)
    print(json.dumps(report) if args.json else format_report(report), flush=True)
    return 0 if report_ok(report) else 2
