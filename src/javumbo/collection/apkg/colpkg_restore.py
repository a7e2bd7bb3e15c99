"""Restoring a ``.colpkg`` as the whole collection: the package's rows are copied into a fresh
schema-11 file, checked like any collection and swapped in with one rename."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from javumbo.collection.apkg import media as media_mod
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.import_report import ImportReport
from javumbo.collection.apkg.media import MediaStore, resolve_media_store
from javumbo.collection.apkg.merge_media import ChecksummedReader
from javumbo.collection.apkg.package import DEFAULT_LIMITS, PackageLimits, PackageReader
from javumbo.collection.apkg.progress import Progress, no_progress
from javumbo.collection.apkg.source import SourceCollection
from javumbo.collection.errors import CollectionError


def import_colpkg(
    package_path: str | os.PathLike[str],
    target_path: str | os.PathLike[str],
    *,
    media_dir: Path | None = None,
    media_store: MediaStore | None = None,
    confirm: bool,
    progress: Progress | None = None,
    limits: PackageLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Replace the collection at ``target_path`` with the package's (``confirm`` must be True
    when a collection is there already). The new file is built and checked beside the old one
    and swapped in with one rename; media files are streamed into the store before the swap."""
    report_progress = progress or no_progress
    target = Path(target_path)
    if target.exists() and target.stat().st_size > 0 and not confirm:
        raise PackageError(
            f"importing a .colpkg replaces the whole collection at {target};"
            " confirm to go ahead (javumbo import --replace)"
        )
    store = resolve_media_store(media_dir, media_store)
    report = ImportReport(replaced_collection=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        PackageReader(Path(package_path), limits) as package,
        media_mod.staging_folder() as work,
    ):
        report_progress(0, 1, "reading package")
        source = SourceCollection(package.extract_collection(work / "source.anki2"))
        try:
            built = work / "restored.anki2"
            _build_schema11(source, built, limits)
        finally:
            source.close()
        with sqlite3.connect(built) as check:
            counts = check.execute(
                "select (select count() from notes), (select count() from cards),"
                " (select count() from revlog)"
            ).fetchone()
        check.close()
        report.notes_added, report.cards_added, report.revlog_added = counts
        if store is not None:
            report.media_added = _store_media(package, store, report_progress)
        swap = target.with_name(f".{target.name}.incoming")
        os.replace(built, swap) if swap.parent == built.parent else _copy_file(built, swap)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        os.replace(swap, target)
    return report


def _store_media(package: PackageReader, store: MediaStore, progress: Progress) -> int:
    """Every media file of the package, streamed into the store before the collection is
    swapped in (a failure leaves the old collection; files already stored stay, harmless)."""
    entries = package.media_entries()
    sizes = [package.declared_size(entry) for entry in entries]
    store.ensure_room(sum(sizes), max(sizes, default=0))
    for done, entry in enumerate(entries, 1):
        with package.open_media(entry) as src:
            store.write(entry.name, ChecksummedReader(src, entry))
        progress(done, len(entries), "media")
    return len(entries)


def _copy_file(src: Path, dest: Path) -> None:
    with src.open("rb") as fin, dest.open("wb") as fout:
        while chunk := fin.read(1 << 20):
            fout.write(chunk)


def _build_schema11(source: SourceCollection, dest: Path, limits: PackageLimits) -> None:
    """A clean schema-11 file holding the source's rows, then checked like any collection."""
    from javumbo.collection import schema
    from javumbo.collection.collection import check_collection_file

    longest = source.db.execute("select max(length(flds)) from notes").fetchone()[0] or 0
    if longest > limits.max_field_bytes:
        raise PackageError(
            f"a note in the package has {longest:,} characters of fields"
            f" (limit {limits.max_field_bytes:,}); refusing a huge field"
        )
    row = source.db.execute("select crt, mod, scm, usn, ls from col").fetchone()
    db = sqlite3.connect(dest, isolation_level=None)
    try:
        db.executescript(schema.DDL)
        db.execute("begin")
        db.execute(
            "insert into col values (1, ?, ?, ?, 11, 0, ?, ?, ?, ?, ?, ?, ?)",
            (
                *row,
                json.dumps(source.conf),
                json.dumps(source.models),
                json.dumps(source.decks),
                json.dumps(source.dconf or {"1": schema.default_deck_config()}),
                json.dumps(source.tags),
            ),
        )
        for table in ("notes", "cards", "revlog"):
            cursor = source.db.execute(f"select * from {table}")
            marks = ", ".join("?" * len(schema.COLUMNS[table]))
            db.executemany(f"insert into {table} values ({marks})", cursor)
        db.execute("commit")
    finally:
        db.close()
    try:
        check_collection_file(dest)
    except CollectionError as exc:
        raise PackageError(f"the package's collection is not usable: {exc}") from exc
