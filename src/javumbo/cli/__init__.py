"""The ``javumbo`` command line: one module per group of commands, each adding its subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from javumbo import __version__
from javumbo.cli import (
    aws_commands,
    collection_commands,
    db_commands,
    loadtest_command,
    ops_commands,
    package_commands,
    serve_command,
    sync_commands,
    user_commands,
)
from javumbo.cli.command_error import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="javumbo", description="Javumbo: Anki-compatible flashcards, self-hosted."
    )
    parser.add_argument("--version", action="version", version=f"javumbo {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        serve_command,
        collection_commands,
        package_commands,
        aws_commands,
        db_commands,
        loadtest_command,
        ops_commands,
        sync_commands,
        user_commands,
    ):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except CommandError as exc:
        print(f"javumbo: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A file the user named cannot be read or written (no such folder, permission denied,
        # disk full): their problem to fix, so one line, not a traceback.
        where = f": {exc.filename}" if exc.filename else ""
        print(f"javumbo: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result
