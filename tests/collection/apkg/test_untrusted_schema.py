"""A package's collection is untrusted SQL: its triggers and views are dropped from our copy,
it is read with ``trusted_schema`` off, and none of them reaches the user's collection."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from javumbo.collection import Collection
from javumbo.collection.apkg import import_apkg, import_colpkg
from javumbo.collection.apkg.source import SourceCollection

from .test_hostile import good_collection_bytes

HOSTILE_SQL = [
    "create table audit (what text)",
    'create trigger "note ""spy""" after update on notes'
    " begin insert into audit values ('u'); end",
    "create trigger col_spy after insert on cards begin delete from notes; end",
    "create view every_note as select id, flds from notes",
    'create view "odd ""name""" as select count() from cards',
]


def _hostile_collection(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.anki2"
    path.write_bytes(good_collection_bytes(tmp_path))
    db = sqlite3.connect(path)
    for statement in HOSTILE_SQL:
        db.execute(statement)
    db.commit()
    db.close()
    return path


def _package(tmp_path: Path, name: str) -> Path:
    package = tmp_path / name
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(_hostile_collection(tmp_path), "collection.anki2")
        zf.writestr("media", "{}")
    return package


def _triggers_and_views(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("select name from sqlite_master where type in ('trigger', 'view')")
    return sorted(str(name) for (name,) in rows)


def test_the_package_copy_is_opened_without_its_triggers_and_views(tmp_path: Path) -> None:
    copy = _hostile_collection(tmp_path)
    with sqlite3.connect(copy) as db:
        assert len(_triggers_and_views(db)) == 4
    db.close()
    source = SourceCollection(copy)
    try:
        assert _triggers_and_views(source.db) == []
        assert source.db.execute("pragma trusted_schema").fetchone()[0] == 0
        assert source.db.execute("select count() from notes").fetchone()[0] == 2
    finally:
        source.close()


def test_an_apkg_with_triggers_and_views_imports_its_notes_and_nothing_else(
    col: Collection, tmp_path: Path
) -> None:
    report = import_apkg(col, _package(tmp_path, "hostile.apkg"))
    assert report.notes_added == 2 and report.cards_added == 2
    names = _triggers_and_views(col.db)
    assert not [n for n in names if "spy" in n or n in ("every_note", 'odd "name"')], names
    audit = col.db.execute("select count() from sqlite_master where name = 'audit'")
    assert audit.fetchone()[0] == 0


def test_a_colpkg_with_triggers_and_views_restores_a_clean_collection(tmp_path: Path) -> None:
    target = tmp_path / "restored.anki2"
    report = import_colpkg(_package(tmp_path, "hostile.colpkg"), target, confirm=True)
    assert report.notes_added == 2
    with sqlite3.connect(target) as db:
        assert _triggers_and_views(db) == []
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    db.close()
    assert "audit" not in tables
