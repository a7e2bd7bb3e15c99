"""Commands that work on a plain collection file: ``javumbo new``."""

from __future__ import annotations

import argparse
from pathlib import Path

from javumbo.cli.command_error import CommandError
from javumbo.collection import Collection, CollectionError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("new", help="create an empty Anki collection file")
    parser.add_argument("--collection", required=True, type=Path, help="path of the new file")
    parser.set_defaults(handler=new_collection)


def new_collection(args: argparse.Namespace) -> int:
    try:
        Collection.create(args.collection).close()
    except CollectionError as exc:
        raise CommandError(str(exc)) from exc
    print(f"created {args.collection}")
    return 0
