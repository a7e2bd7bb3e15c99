"""The collection inside a package, opened from a private extracted copy and read as schema 11
whatever its version.

The file comes from anyone, so it is opened with SQLite's ``trusted_schema`` off (no function
with side effects runs from a view, trigger or default written in the file) and its triggers
and views are dropped from the copy before anything reads it: only its tables' rows are used.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from javumbo.collection import schema
from javumbo.collection.apkg import schema18
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.clock import sched_timing_today
from javumbo.collection.collection import SQLITE_MAGIC

SUPPORTED_VERSIONS = (11, 14, 15, 16, 17, 18)


class SourceCollection:
    """A package's collection: its JSON (``models``, ``decks``, ``dconf``, ``conf``, ``tags``)
    and a connection for streaming ``notes``/``cards``/``revlog`` rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise PackageError("the package's collection is not an SQLite database")
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None)
            self.db.execute("pragma trusted_schema = off")
            self.db.create_collation("unicase", unicase)
            # The copy is ours: make it self-contained so no -wal/-shm is needed to read it.
            self.db.execute("pragma journal_mode = delete")
            drop_triggers_and_views(self.db)
            self._check_integrity()
            row = self.db.execute(
                "select crt, ver, conf, models, decks, dconf, tags from col"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise PackageError(f"the package's collection cannot be read: {exc}") from exc
        if row is None:
            raise PackageError("the package's collection has no col row")
        crt, ver, *blobs = row
        if ver not in SUPPORTED_VERSIONS:
            raise PackageError(
                f"the package's collection has schema version {ver}; Javumbo reads 11 and 14-18"
            )
        self.crt = int(crt)
        self.version = int(ver)
        self._check_tables()
        if ver == 11:
            self.json = _legacy_json(blobs)
        else:
            self.json = schema18.read_json_tables(self.db)

    def _check_integrity(self) -> None:
        result = self.db.execute("pragma quick_check").fetchone()
        if result is None or result[0] != "ok":
            raise PackageError(
                f"the package's collection is damaged: {result[0] if result else '?'}"
            )

    def _check_tables(self) -> None:
        tables = {
            r[0] for r in self.db.execute("select name from sqlite_master where type='table'")
        }
        missing = [t for t in ("notes", "cards", "revlog") if t not in tables]
        if missing:
            raise PackageError(f"the package's collection lacks the table(s) {', '.join(missing)}")
        for table in ("notes", "cards", "revlog"):
            columns = tuple(r[1] for r in self.db.execute(f"pragma table_info({table})"))
            if columns != schema.COLUMNS[table]:
                raise PackageError(f"the package's {table} table has unexpected columns {columns}")

    def close(self) -> None:
        self.db.close()

    @property
    def models(self) -> dict[str, Any]:
        return self.json["models"]

    @property
    def decks(self) -> dict[str, Any]:
        return self.json["decks"]

    @property
    def dconf(self) -> dict[str, Any]:
        return self.json["dconf"]

    @property
    def conf(self) -> dict[str, Any]:
        return self.json["conf"]

    @property
    def tags(self) -> dict[str, Any]:
        return self.json["tags"]

    def days_elapsed(self, now: int) -> int:
        """The source collection's day number at ``now``: due days are relative to it."""
        offset = self.conf.get("creationOffset")
        if not isinstance(offset, int):
            return max((now - self.crt) // 86400, 0)
        local = self.conf.get("localOffset", offset)
        rollover = self.conf.get("rollover", 4)
        return sched_timing_today(
            self.crt,
            offset,
            now,
            local if isinstance(local, int) else offset,
            rollover if isinstance(rollover, int) else 4,
        ).days_elapsed


def drop_triggers_and_views(db: sqlite3.Connection) -> None:
    """Remove every trigger and view from a file we own a copy of (Anki's collections have
    none; one in a package can only be there to run something when we read or write)."""
    found = db.execute(
        "select type, name from sqlite_master where type in ('trigger', 'view')"
    ).fetchall()
    for kind, name in found:
        quoted = '"' + str(name).replace('"', '""') + '"'
        db.execute(f"drop {'trigger' if kind == 'trigger' else 'view'} if exists {quoted}")


def _legacy_json(blobs: list[Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, blob in zip(("conf", "models", "decks", "dconf", "tags"), blobs, strict=True):
        try:
            value = json.loads(blob) if blob else {}
        except (TypeError, ValueError) as exc:
            raise PackageError(f"the package's col.{name} is not valid JSON") from exc
        if not isinstance(value, dict):
            raise PackageError(f"the package's col.{name} is not a JSON object")
        out[name] = value
    return out


def unicase(a: str, b: str) -> int:
    """Anki's schema-18 tables declare this collation (case-insensitive Unicode)."""
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)
