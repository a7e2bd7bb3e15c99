"""A schema-18 collection file turned into schema 11 in place, as Anki's own downgrade does.

Anki 2.1.50 and later keep note types, decks, presets, config and tags in protobuf tables
(schema 18); ``SourceCollection`` reads those into schema 11's JSON. Only the small tables
change here (they go back into the ``col`` row's JSON, graves take schema 11's layout); notes,
cards and revlog stay where they are instead of being copied row by row into a new file. Used
for a collection that becomes a user's whole collection (an operator's migration).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from javumbo.collection import schema
from javumbo.collection.apkg import schema18
from javumbo.collection.apkg.source import SourceCollection


def downgrade_in_place(source: SourceCollection) -> None:
    """Rewrite ``source``'s file as schema 11 in one transaction (a no-op shape for a file that
    already is schema 11: its JSON is written back as read)."""
    db = source.db
    db.execute("begin immediate")
    try:
        _drop_triggers_and_views(db)  # first: a trigger would fire on the updates below
        for table in schema18.TABLES_18:
            db.execute(f"drop table if exists {table}")  # their indexes go with them
        for index in _INDEXES_18_ON_11_TABLES:  # Anki's upgrade creates them unconditionally
            db.execute(f"drop index if exists {index}")
        # Anki's planner statistics describe the file as Anki used it and would steer the
        # server's queries wrong; without them SQLite plans as for any web user.
        for table in ("sqlite_stat1", "sqlite_stat4"):
            db.execute(f"drop table if exists {table}")
        _rebuild_graves(db)
        for statement in _INDEXES_11:
            db.execute(statement)
        db.execute(
            "update col set ver = ?, dty = 0, conf = ?, models = ?, decks = ?, dconf = ?, tags = ?",
            (
                schema.SCHEMA_VERSION,
                _dump(source.conf),
                _dump(source.models),
                _dump(source.decks),
                _dump(source.dconf or {"1": schema.default_deck_config()}),
                _dump(source.tags),
            ),
        )
        db.execute("commit")
    except BaseException:
        db.execute("rollback")
        raise


def _drop_triggers_and_views(db: sqlite3.Connection) -> None:
    """Anki's collections have neither; a file's own would run inside ours later (a trigger on
    every web write, a view in place of a table the app reads)."""
    found = db.execute(
        "select type, name from sqlite_master where type in ('trigger', 'view')"
    ).fetchall()
    for kind, name in found:
        quoted = '"' + str(name).replace('"', '""') + '"'
        db.execute(f"drop {kind} if exists {quoted}")


def _rebuild_graves(db: sqlite3.Connection) -> None:
    """Schema 18 keys graves by (oid, type) without a rowid; schema 11 has a plain table."""
    had_graves = _has_table(db, "graves")
    if had_graves:
        db.execute("alter table graves rename to graves_old")
    db.execute(_GRAVES_11)
    if had_graves:
        db.execute("insert into graves (usn, oid, type) select usn, oid, type from graves_old")
        db.execute("drop table graves_old")


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("select 1 from sqlite_master where type = 'table' and name = ?", (name,))
    return found.fetchone() is not None


def _ddl_statements(prefix: str) -> list[str]:
    return [s.strip() for s in schema.DDL.split(";") if s.strip().startswith(prefix)]


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_INDEXES_18_ON_11_TABLES = ("idx_cards_odid", "idx_notes_mid")
_GRAVES_11 = _ddl_statements("CREATE TABLE graves")[0]
_INDEXES_11 = [
    s.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
    for s in _ddl_statements("CREATE INDEX")
]
