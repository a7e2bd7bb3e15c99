"""Operations commands: ``migrate``, ``backup``, ``restore``, ``sweep`` and ``cost``.

All but ``cost`` work on the stores the environment names (``JAVUMBO_BACKEND`` and friends,
as ``javumbo serve``), so the same commands serve the embedded mode and AWS.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from javumbo.cli.command_error import CommandError
from javumbo.collection.errors import CollectionError
from javumbo.ops.backup import BackupError, backup_user, restore_user
from javumbo.ops.cost import CostModelError, Workload, compute_bill, format_bill, load_prices
from javumbo.ops.cost import workload_from_loadtest as loadtest_workload
from javumbo.ops.migrate import (
    DEFAULT_COLLECTION_NAMES,
    Migration,
    MigrationError,
    UserOutcome,
    format_report,
    read_admin_users,
)
from javumbo.ops.progress import TerminalProgress
from javumbo.ops.sweeper import sweep_expired_sessions
from javumbo.ops.user_collections import operator_databases
from javumbo.settings import Settings, SettingsError
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import BlobStore, MetaStore, StoreError
from javumbo.userdb.errors import StorageEngineError

EXIT_SOME_SKIPPED = 3


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_migrate(commands)
    backup = commands.add_parser("backup", help="copy a user's snapshots into a folder")
    backup.add_argument("--user", required=True, help="the username")
    backup.add_argument("out_dir", type=Path, help="folder to write (created if missing)")
    _add_progress_option(backup)
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser(
        "restore", help="put a backed-up snapshot back as the user's collection"
    )
    restore.add_argument("--user", required=True, help="the username (must exist)")
    restore.add_argument("in_dir", type=Path, help="a folder written by 'javumbo backup'")
    restore.add_argument(
        "--snapshot", help="key or file name of the snapshot (default: the backup's head)"
    )
    _add_progress_option(restore)
    restore.set_defaults(handler=run_restore)
    sweep = commands.add_parser("sweep", help="flush and close expired review sessions")
    sweep.set_defaults(handler=run_sweep)
    _register_cost(commands)


def _register_migrate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "migrate",
        help="move a one-server installation (admin.db + collection files) into the stores",
        description=(
            "Users come from the users table of --admin-db (username, password_hash); each"
            " user's collection is the first file found in --collections by the"
            " --collection-name templates ({username}, {id}). Idempotent and resumable;"
            " exit status 3 when some users were skipped (see the report)."
        ),
    )
    parser.add_argument("--admin-db", required=True, type=Path, help="the old admin.db")
    parser.add_argument(
        "--collections", type=Path, help="folder of collections (default: user_files/ beside it)"
    )
    parser.add_argument(
        "--collection-name",
        action="append",
        dest="collection_names",
        metavar="TEMPLATE",
        help=f"file name template, repeatable (default: {', '.join(DEFAULT_COLLECTION_NAMES)})",
    )
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    parser.add_argument(
        "--force", action="store_true", help="replace the collection of users who already exist"
    )
    parser.add_argument("--report", type=Path, help="also write the report as JSON here")
    _add_progress_option(parser)
    parser.set_defaults(handler=run_migrate)


def _add_progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when it is a terminal)",
    )


def _progress(args: argparse.Namespace, description: str, unit: str) -> TerminalProgress:
    enabled = {"always": True, "never": False}.get(args.progress)
    return TerminalProgress(description, unit=unit, stream=sys.stderr, enabled=enabled)


def _register_cost(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("cost", help="estimate the monthly AWS bill")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--reviews-per-day", type=float, default=20.0)
    parser.add_argument("--sessions-per-day", type=float, default=1.0, help="per user")
    parser.add_argument(
        "--notes", type=int, default=10_000, help="notes per user's collection (10000)"
    )
    parser.add_argument(
        "--from-loadtest", type=Path, help="a 'javumbo-testbed loadtest --json' report"
    )
    parser.add_argument("--prices", type=Path, help="prices file (default: the bundled one)")
    parser.add_argument("--json", action="store_true", help="print the bill as JSON")
    parser.set_defaults(handler=run_cost)


def _stores() -> tuple[Settings, BlobStore, MetaStore]:
    try:
        settings = Settings.from_env(require_jwt_secret=False)
        blobs, meta = open_stores(settings)
    except (SettingsError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    return settings, blobs, meta


def _templates(args: argparse.Namespace) -> tuple[str, ...]:
    templates = tuple(args.collection_names or DEFAULT_COLLECTION_NAMES)
    for template in templates:
        try:
            template.format(username="u", id="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise CommandError(
                f"--collection-name {template!r}: only {{username}} and {{id}} can be used"
            ) from exc
    return templates


def run_migrate(args: argparse.Namespace) -> int:
    settings, blobs, meta = _stores()
    collections = args.collections or args.admin_db.parent / "user_files"
    if not collections.is_dir():
        raise CommandError(f"no collections folder at {collections}")
    migration = Migration(
        settings,
        blobs,
        meta,
        admin_db=args.admin_db,
        collections=collections,
        templates=_templates(args),
        dry_run=args.dry_run,
        force=args.force,
    )
    try:
        users, bad = read_admin_users(args.admin_db)
        with _progress(args, "migrate", "bytes") as bar:
            total = migration.source_bytes(users) if bar.enabled else 0
            bar.update(0, total)
            if bar.enabled:

                def advance(outcome: UserOutcome, size: int) -> None:
                    bar.advance(size)
                    bar.note(f"{outcome.username}: {outcome.status}")

                migration.progress = advance
            report = migration.run(users)
            bar.update(total, total)  # skipped users and private copies do not add up exactly
    except (MigrationError, StoreError, StorageEngineError, CollectionError) as exc:
        raise CommandError(str(exc)) from exc
    report.users[:0] = bad
    print(format_report(report))
    if args.report is not None:
        args.report.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    return EXIT_SOME_SKIPPED if report.skipped else 0


def run_backup(args: argparse.Namespace) -> int:
    settings, blobs, meta = _stores()
    try:
        with (
            operator_databases(settings, blobs, meta) as engine,
            _progress(args, "backup", "bytes") as bar,
        ):
            report = backup_user(engine, blobs, meta, args.user, args.out_dir, progress=bar)
    except (BackupError, StoreError, StorageEngineError, CollectionError, OSError) as exc:
        raise CommandError(str(exc)) from exc
    for snapshot in report.snapshots:
        print(f"{snapshot.file}  seq {snapshot.seq}  {snapshot.size:,} B  sha256 {snapshot.sha256}")
    print(
        f"backed up {len(report.snapshots)} snapshots of {report.username}"
        f" ({report.bytes:,} bytes, flush: {report.flush_status}) into {report.out_dir}"
    )
    return 0


def run_restore(args: argparse.Namespace) -> int:
    settings, blobs, meta = _stores()
    try:
        with (
            operator_databases(settings, blobs, meta) as engine,
            _progress(args, "restore", "steps") as bar,
        ):
            report = restore_user(engine, meta, args.user, args.in_dir, args.snapshot, progress=bar)
    except (BackupError, StoreError, StorageEngineError, CollectionError, OSError) as exc:
        raise CommandError(str(exc)) from exc
    print(
        f"restored {report.username} from {report.restored_from}: new snapshot"
        f" {report.replaced.snapshot_key} (journal seq {report.replaced.seq})"
    )
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    settings, blobs, meta = _stores()
    try:
        result = sweep_expired_sessions(settings, stores=(blobs, meta))
    except (StoreError, StorageEngineError) as exc:
        raise CommandError(str(exc)) from exc
    print(
        f"closed {result.closed} expired sessions"
        f" ({result.still_expired} still expired) in {result.duration_s}s"
    )
    return 0


def run_cost(args: argparse.Namespace) -> int:
    if args.users < 0 or args.reviews_per_day < 0 or args.sessions_per_day <= 0:
        raise CommandError("--users and --reviews-per-day must be >= 0, --sessions-per-day > 0")
    if args.notes < 0:
        raise CommandError("--notes must be >= 0")
    workload = Workload(
        users=args.users,
        reviews_per_day=args.reviews_per_day,
        sessions_per_user_per_day=args.sessions_per_day,
        notes_per_user=args.notes,
    )
    try:
        prices = load_prices(args.prices)
        if args.from_loadtest is not None:
            report = json.loads(args.from_loadtest.read_text())
            workload = loadtest_workload(report, workload)
    except (CostModelError, OSError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    bill = compute_bill(workload, prices)
    if args.json:
        print(
            json.dumps(
                {
                    "prices_as_of": prices.get("as_of"),
                    "region": prices.get("region"),
                    "lines": [vars(line) for line in bill.lines],
                    "total_list": round(bill.total(), 4),
                    "total_after_free_tier": round(bill.total(free_tier=True), 4),
                },
                indent=2,
            )
        )
    else:
        print(format_bill(bill))
    return 0
