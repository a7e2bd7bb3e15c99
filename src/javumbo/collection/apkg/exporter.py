"""Exporting to ``.apkg`` (whole collection or one deck with its children) and ``.colpkg``.

Two layouts. ``legacy`` (the default) is the one every Anki version reads: ``collection.anki2``
(schema 11) with a JSON ``media`` map and numbered media files. ``current`` is what Anki 2.1.50
and newer write by default (``latest_layout``): smaller, and the collection is already schema 18,
so Anki need not upgrade it on import. The exported collection is a snapshot of ours (SQLite
backup API) trimmed to what was asked for, so it keeps our ``crt`` and review-card dues stay
relative to the file's own creation day, which is what importers expect.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, get_args

from javumbo.collection import decks as decks_mod
from javumbo.collection.apkg import latest_layout
from javumbo.collection.apkg import media as media_mod
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.media import MediaStore, resolve_media_store
from javumbo.collection.apkg.package import CHUNK
from javumbo.collection.apkg.progress import Progress, no_progress
from javumbo.collection.apkg.schema18_writer import upgrade_to_schema18
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.notes import FIELD_SEPARATOR, field_checksum, sort_field_value

COLLECTION_ENTRY = "collection.anki2"
ExportLayout = Literal["legacy", "current"]
EXPORT_LAYOUTS: tuple[ExportLayout, ...] = get_args(ExportLayout)


@dataclass
class ExportReport:
    notes: int = 0
    cards: int = 0
    revlog: int = 0
    decks: list[str] = field(default_factory=list)
    notetypes: list[str] = field(default_factory=list)
    media: int = 0
    media_missing: list[str] = field(default_factory=list)  # referenced but not in the store
    # current layout: files packaged under the name Anki gives them (it refuses other names)
    media_renamed: dict[str, str] = field(default_factory=dict)
    bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export_apkg(
    col: Collection,
    out_path: str | os.PathLike[str],
    *,
    deck_id: int | None = None,
    scheduling: bool = True,
    media: bool = True,
    media_dir: Path | None = None,
    media_store: MediaStore | None = None,
    progress: Progress | None = None,
    layout: ExportLayout = "legacy",
) -> ExportReport:
    """Write a deck package. ``scheduling=False`` writes every card as new, without review
    history, flags or suspension (a shareable deck); ``media=False`` leaves media out;
    ``layout="current"`` writes Anki 2.1.50+'s layout instead of the one every Anki reads."""
    _check_layout(layout)
    store = resolve_media_store(media_dir, media_store) if media else None
    return _export(col, Path(out_path), deck_id, scheduling, store, progress or no_progress, layout)


def export_colpkg(
    col: Collection,
    out_path: str | os.PathLike[str],
    *,
    media_dir: Path | None = None,
    media_store: MediaStore | None = None,
    progress: Progress | None = None,
    layout: ExportLayout = "legacy",
) -> ExportReport:
    """Write the whole collection, with scheduling and all media the notes use, in ``layout``
    (see ``export_apkg``)."""
    _check_layout(layout)
    store = resolve_media_store(media_dir, media_store)
    return _export(col, Path(out_path), None, True, store, progress or no_progress, layout)


def _check_layout(layout: str) -> None:
    if layout not in EXPORT_LAYOUTS:
        raise ValidationError(
            f"unknown package layout {layout!r}; expected one of {', '.join(EXPORT_LAYOUTS)}"
        )


def _export(
    col: Collection,
    out: Path,
    deck_id: int | None,
    scheduling: bool,
    store: MediaStore | None,
    progress: Progress,
    layout: ExportLayout,
) -> ExportReport:
    report = ExportReport()
    if deck_id is not None:
        decks_mod.get_deck(col, deck_id)  # NotFoundError for an unknown deck
    current = layout == "current"
    steps = 4 if current else 3
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    snapshot = out.with_name(f".{out.name}.anki2")
    try:
        progress(0, steps, "copying collection")
        col.backup_to(snapshot)
        db = sqlite3.connect(snapshot, isolation_level=None)
        try:
            db.execute("begin")
            dids = decks_mod.child_deck_ids(col, deck_id) if deck_id is not None else None
            _trim(db, col, dids, scheduling, report)
            names = _referenced_media(db) if store is not None else set()
            renames = _media_renames(names, current)
            _rewrite_media_references(db, col, renames)
            db.execute("commit")
            if current:
                progress(1, steps, "upgrading to schema 18")
                upgrade_to_schema18(db)
            progress(steps - 2, steps, "compacting")
            db.execute("vacuum")
            db.execute("pragma journal_mode = delete")
        finally:
            db.close()
        progress(steps - 1, steps, "writing package")
        if current:
            _write_current_zip(partial, snapshot, sorted(names), renames, store, report, progress)
        else:
            _write_legacy_zip(partial, snapshot, sorted(names), renames, store, report, progress)
        os.replace(partial, out)
        report.bytes = out.stat().st_size
    finally:
        partial.unlink(missing_ok=True)
        snapshot.unlink(missing_ok=True)
    progress(steps, steps, "done")
    return report


# ----------------------------------------------------------------- trimming the snapshot


def _trim(
    db: sqlite3.Connection,
    col: Collection,
    dids: list[int] | None,
    scheduling: bool,
    report: ExportReport,
) -> None:
    decks = {int(k): v for k, v in col.decks.items()}
    if dids is not None:
        db.execute("create temp table keep_decks (id integer primary key)")
        db.executemany("insert into keep_decks values (?)", [(d,) for d in dids])
        db.execute(
            "delete from cards where did not in (select id from keep_decks)"
            " and odid not in (select id from keep_decks)"
        )
        db.execute("delete from notes where id not in (select nid from cards)")
    db.execute("delete from cards where nid not in (select id from notes)")
    _bring_home_from_filtered_decks(db)
    if scheduling:
        db.execute("delete from revlog where cid not in (select id from cards)")
    else:
        _reset_scheduling(db)
    db.execute("delete from graves")
    used_decks = {int(r[0]) for r in db.execute("select distinct did from cards")}
    kept = _decks_to_keep(decks, used_decks, dids)
    mids = _used_mids(db)
    models = {k: v for k, v in col.models.items() if int(k) in mids}
    conf_ids = {int(decks[d].get("conf", 1)) for d in kept} | {1}
    dconf = {k: v for k, v in col.dconf.items() if int(k) in conf_ids}
    conf = dict(col.conf)
    conf["curDeck"] = decks_mod.DEFAULT_DECK_ID
    conf["activeDecks"] = [decks_mod.DEFAULT_DECK_ID]
    db.execute(
        "update col set models = ?, decks = ?, dconf = ?, conf = ?, usn = 0, ls = 0",
        (
            json.dumps(models),
            json.dumps({str(d): decks[d] for d in kept}),
            json.dumps(dconf),
            json.dumps(conf),
        ),
    )
    report.notes = db.execute("select count() from notes").fetchone()[0]
    report.cards = db.execute("select count() from cards").fetchone()[0]
    report.revlog = db.execute("select count() from revlog").fetchone()[0]
    report.decks = sorted(str(decks[d]["name"]) for d in kept)
    report.notetypes = sorted(str(m["name"]) for m in models.values())


def _used_mids(db: sqlite3.Connection) -> set[int]:
    return {int(r[0]) for r in db.execute("select distinct mid from notes")}


def _decks_to_keep(
    decks: dict[int, dict[str, Any]], used: set[int], dids: list[int] | None
) -> list[int]:
    """Decks holding exported cards, the exported deck's subtree, every parent on the way up,
    and Default (every collection has it); filtered decks never (their cards went home)."""
    wanted = set(used) | set(dids or []) | {decks_mod.DEFAULT_DECK_ID}
    by_name = {str(d["name"]).lower(): i for i, d in decks.items()}
    for did in list(wanted):
        if did not in decks:
            continue
        parts = str(decks[did]["name"]).split("::")
        for depth in range(1, len(parts)):
            parent = by_name.get("::".join(parts[:depth]).lower())
            if parent is not None:
                wanted.add(parent)
    return sorted(d for d in wanted if d in decks and not decks[d].get("dyn"))


def _bring_home_from_filtered_decks(db: sqlite3.Connection) -> None:
    db.execute(
        "update cards set did = odid,"
        " due = case when odue != 0 then odue else due end,"
        " queue = case when queue = 4 then (case when type = 0 then 0 else 2 end) else queue end,"
        " odid = 0, odue = 0 where odid != 0"
    )


def _reset_scheduling(db: sqlite3.Connection) -> None:
    """Every card new (keeping new cards' positions, others after them), no history."""
    start = db.execute("select coalesce(max(due), 0) + 1 from cards where type = 0").fetchone()[0]
    not_new = [r[0] for r in db.execute("select id from cards where type != 0 order by nid, ord")]
    db.executemany(
        "update cards set due = ? where id = ?",
        [(start + i, cid) for i, cid in enumerate(not_new)],
    )
    db.execute(
        "update cards set type = 0, queue = 0, ivl = 0, factor = 0, reps = 0, lapses = 0,"
        " left = 0, odue = 0, odid = 0, flags = 0, data = ''"
    )
    db.execute("delete from revlog")


def _referenced_media(db: sqlite3.Connection) -> set[str]:
    names: set[str] = set()
    for (flds,) in db.execute("select flds from notes"):
        names.update(media_mod.media_references(flds))
    models = json.loads(db.execute("select models from col").fetchone()[0])
    for nt in models.values():
        names.update(media_mod.media_references(str(nt.get("css", ""))))
        for tmpl in nt.get("tmpls", []):
            for key in ("qfmt", "afmt"):
                names.update(media_mod.media_references(str(tmpl.get(key, ""))))
    return names


def _rewrite_media_references(
    db: sqlite3.Connection, col: Collection, renames: dict[str, str]
) -> None:
    """Point the notes at the names their media files are packaged under (``csum``/``sfld``
    follow the fields, as a note edit would change them)."""
    if not renames:
        return
    updates = []
    models = col.models
    rows = db.execute("select id, mid, flds, sfld from notes").fetchall()
    for nid, mid, flds, sfld in rows:
        fields = str(flds).split(FIELD_SEPARATOR)
        new = [media_mod.rewrite_references(f, renames.get) for f in fields]
        if new != fields:
            nt = models.get(str(mid))
            sort_field = sort_field_value(nt, new) if nt is not None else sfld
            updates.append((FIELD_SEPARATOR.join(new), sort_field, field_checksum(new[0]), nid))
    db.executemany("update notes set flds = ?, sfld = ?, csum = ? where id = ?", updates)


# ----------------------------------------------------------------- the zip


def _media_renames(names: set[str], current: bool) -> dict[str, str]:
    """The name each referenced file is packaged under, where it differs. A reference not in
    NFC (typed on macOS, say) goes to its NFC form, the form Anki and our importer store files
    under, so an NFD and an NFC reference package one file; the current layout then needs the
    name Anki itself would give the file (it refuses the package otherwise)."""
    nfc = {n: unicodedata.normalize("NFC", n) for n in names}
    anki_names = latest_layout.anki_media_names(set(nfc.values())) if current else {}
    renames = {n: anki_names.get(form, form) for n, form in nfc.items()}
    return {n: new for n, new in renames.items() if new != n}


def _media_files(
    names: list[str], renames: dict[str, str], store: MediaStore | None, report: ExportReport
) -> Iterator[tuple[str, str, IO[bytes]]]:
    """Each referenced file the store has, open, with the name it is packaged under (once per
    packaged name: an NFD and an NFC reference name one file); the others are noted missing."""
    if store is None:
        return
    packaged: set[str] = set()
    for name in names:
        packaged_name = renames.get(name, name)
        if packaged_name in packaged:
            continue
        try:
            src = store.open(name)
        except (FileNotFoundError, PackageError):
            report.media_missing.append(name)
            continue
        packaged.add(packaged_name)
        with src:
            yield name, packaged_name, src


def _write_legacy_zip(
    dest: Path,
    collection: Path,
    names: list[str],
    renames: dict[str, str],
    store: MediaStore | None,
    report: ExportReport,
    progress: Progress,
) -> None:
    media_map: dict[str, str] = {}
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.write(collection, COLLECTION_ENTRY)
        for _name, packaged_name, src in _media_files(names, renames, store, report):
            index = str(len(media_map))
            with zf.open(zipfile.ZipInfo(index), "w") as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            media_map[index] = packaged_name
            progress(len(media_map), len(names), "media")
        zf.writestr("media", json.dumps(media_map, ensure_ascii=False))
    report.media = len(media_map)


def _write_current_zip(
    dest: Path,
    collection: Path,
    names: list[str],
    renames: dict[str, str],
    store: MediaStore | None,
    report: ExportReport,
    progress: Progress,
) -> None:
    """Entries in Anki's order: meta, the collection, the dummy, the media files, the map.
    A file whose name Anki would change is packaged under ``renames``' name for it: Anki
    refuses the whole package when one name in this layout's map is not in its own form."""
    written: list[latest_layout.WrittenMedia] = []
    with zipfile.ZipFile(dest, "w", allowZip64=True) as zf:
        entries = latest_layout.EntryWriter(zf)
        entries.stored(latest_layout.META_ENTRY, latest_layout.meta_bytes())
        with collection.open("rb") as col_file:
            entries.compressed(
                latest_layout.COLLECTION_ENTRY, col_file, size_hint=collection.stat().st_size
            )
        entries.stored(latest_layout.DUMMY_COLLECTION_ENTRY, latest_layout.dummy_collection())
        for name, anki_name, src in _media_files(names, renames, store, report):
            if anki_name != name:
                report.media_renamed[name] = anki_name
            done = entries.compressed(str(len(written)), src)
            written.append(latest_layout.WrittenMedia(anki_name, done.size, done.sha1))
            progress(len(written), len(names), "media")
        media_map = io.BytesIO(latest_layout.media_entries_bytes(written))
        entries.compressed(latest_layout.MEDIA_ENTRY, media_map)
    report.media = len(written)
