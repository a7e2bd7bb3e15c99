"""``javumbo import`` and ``javumbo export``: Anki packages to and from a collection file.

The media folder of a collection file is ``<stem>.media/`` beside it, as Anki keeps
``collection.media`` beside ``collection.anki2``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from javumbo.cli.command_error import CommandError
from javumbo.collection import Collection, CollectionError
from javumbo.collection.apkg import (
    EXPORT_LAYOUTS,
    export_apkg,
    export_colpkg,
    import_apkg,
    import_colpkg,
)
from javumbo.collection.decks import deck_by_name
from javumbo.ops.progress import TerminalProgress

PACKAGE_SUFFIXES = (".apkg", ".colpkg")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = commands.add_parser(
        "import",
        help="import an Anki .apkg (merge) or .colpkg (replace) into a collection",
        description="Import an Anki package. A .apkg is merged into the collection (created"
        " when PATH does not exist); a .colpkg replaces it and needs --replace.",
    )
    imp.add_argument("--collection", required=True, type=Path, help="collection file")
    imp.add_argument("file", type=Path, help="the .apkg or .colpkg to import")
    imp.add_argument(
        "--no-scheduling",
        action="store_true",
        help="import every card as new, without review history (Anki's default)",
    )
    imp.add_argument(
        "--replace", action="store_true", help="confirm replacing the collection with a .colpkg"
    )
    imp.set_defaults(handler=run_import)

    exp = commands.add_parser(
        "export",
        help="export a collection (or one deck) to an Anki .apkg or .colpkg",
        description="Export to OUT; the format follows its suffix (.apkg or .colpkg).",
    )
    exp.add_argument("--collection", required=True, type=Path, help="collection file")
    exp.add_argument("out", type=Path, help="the package to write (.apkg or .colpkg)")
    exp.add_argument("--deck", help="export only this deck and its children (.apkg only)")
    exp.add_argument(
        "--no-scheduling", action="store_true", help="write every card as new, no review history"
    )
    exp.add_argument("--no-media", action="store_true", help="leave media files out")
    exp.add_argument(
        "--layout",
        choices=EXPORT_LAYOUTS,
        default="legacy",
        help="legacy (default): the layout every Anki version opens; current: the one Anki"
        " 2.1.50 and newer write (zstd-compressed, smaller for big collections, not readable"
        " by older versions)",
    )
    exp.set_defaults(handler=run_export)


def media_folder(collection: Path) -> Path:
    return collection.with_name(f"{collection.stem}.media")


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in PACKAGE_SUFFIXES:
        raise CommandError(f"{path.name}: expected a .apkg or .colpkg file")
    return suffix


def run_import(args: argparse.Namespace) -> int:
    suffix = _check_suffix(args.file)
    if not args.file.is_file():
        raise CommandError(f"no package at {args.file}")
    media = media_folder(args.collection)
    try:
        with TerminalProgress("import") as bar:
            return _import(args, suffix, media, bar)
    except CollectionError as exc:
        raise CommandError(str(exc)) from exc


def _import(args: argparse.Namespace, suffix: str, media: Path, bar: TerminalProgress) -> int:
    if suffix == ".colpkg":
        report = import_colpkg(
            args.file, args.collection, media_dir=media, confirm=args.replace, progress=bar
        )
        print(
            f"replaced {args.collection} with {args.file.name}: {report.notes_added} notes,"
            f" {report.cards_added} cards, {report.revlog_added} reviews,"
            f" {report.media_added} media files"
        )
        return 0
    col = _open_or_create(args.collection)
    try:
        result = import_apkg(
            col,
            args.file,
            media_dir=media,
            scheduling=not args.no_scheduling,
            progress=bar,
        )
    finally:
        col.close()
    renamed = f", {len(result.media_renamed)} renamed" if result.media_renamed else ""
    print(
        f"imported {args.file.name}: notes {result.notes_added} added,"
        f" {result.notes_updated} updated, {result.notes_skipped} skipped;"
        f" {result.cards_added} cards; {result.revlog_added} reviews;"
        f" {len(result.decks_added)} decks and {len(result.notetypes_added)} note types added;"
        f" {result.media_added} media files{renamed}"
    )
    return 0


def _open_or_create(path: Path) -> Collection:
    if path.exists() and path.stat().st_size > 0:
        return Collection.open(path)
    return Collection.create(path)


def run_export(args: argparse.Namespace) -> int:
    suffix = _check_suffix(args.out)
    if not args.collection.is_file():
        raise CommandError(f"no collection at {args.collection}")
    if suffix == ".colpkg" and (args.deck or args.no_scheduling or args.no_media):
        raise CommandError(
            "a .colpkg holds the whole collection; --deck, --no-scheduling"
            " and --no-media apply to .apkg only"
        )
    media = media_folder(args.collection)
    try:
        with TerminalProgress("export") as bar:
            return _export(args, suffix, media, bar)
    except CollectionError as exc:
        raise CommandError(str(exc)) from exc


def _export(args: argparse.Namespace, suffix: str, media: Path, bar: TerminalProgress) -> int:
    col = Collection.open(args.collection)
    try:
        if suffix == ".colpkg":
            report = export_colpkg(col, args.out, media_dir=media, progress=bar, layout=args.layout)
        else:
            deck_id = None
            if args.deck:
                deck = deck_by_name(col, args.deck)
                if deck is None:
                    raise CommandError(f"no deck named {args.deck!r} in {args.collection}")
                deck_id = int(deck["id"])
            report = export_apkg(
                col,
                args.out,
                deck_id=deck_id,
                scheduling=not args.no_scheduling,
                media=not args.no_media,
                media_dir=media,
                progress=bar,
                layout=args.layout,
            )
    finally:
        col.close()
    missing = (
        f" ({len(report.media_missing)} referenced files missing)" if report.media_missing else ""
    )
    print(
        f"exported {report.notes} notes, {report.cards} cards, {report.revlog} reviews,"
        f" {report.media} media files{missing} to {args.out} ({report.bytes:,} bytes)"
    )
    return 0
