"""Capturing each transaction's row changes as a journal entry, and replaying entries.

Why row images and not statements: the collection layer may run any SQL, and re-running
statements is only deterministic if every value came from Python. Final row images are
deterministic by construction and idempotent: applying an entry twice gives the same rows.

How: TEMP triggers on the five tables record which rowids a transaction touched (in a TEMP
table, so they live only on our connection and never reach a snapshot). At the before-commit
hook we read the final image of every touched row: present -> upsert it (with its rowid), absent
-> delete it. The ``col`` row holds ~10 KB of JSON (note types), so for it we keep a copy of the
last committed row and store only the columns that changed: a review stays a few hundred bytes.
A JSON column that changed is stored as a patch of its top-level keys when that gives the same
text back (an answer changes its deck's today counters, not the other decks: an entry does not
grow with the number of decks), and a list that only gained items at its end as those items
(the undo steps in ``conf``: one step per entry, not the stack; with a digest of the whole
list, so that a list already past that entry is left alone and replay stays idempotent); such
entries carry format version 3, so that an instance that knows no patches refuses them loudly
instead of skipping the patch.

Replay runs in one transaction: deletes by rowid, then ``insert or replace`` with the rowid, then
the partial ``col`` update. Rowids are kept because ``graves`` has no primary key: the backup API
(snapshots) preserves rowids, so a replica and the original agree on them. A ``VACUUM`` would
renumber ``graves`` rowids; it cannot run inside a transaction, so it is never journaled, and
whoever runs it must flush a snapshot right after.

Encoding: compact JSON (bytes values as a one-element list holding base64, since SQLite values
are never lists), zstd-compressed when that saves at least a quarter; one leading byte says which.

A *replacement marker* (``encode_replace_marker``) says "from this seq on, the collection is the
blob at this key" (``StorageEngine.replace_collection``). It carries format version 2 so that an
older instance that does not know markers refuses the entry loudly (``EntryFormatError``) instead
of skipping it and serving a collection that silently diverges.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import zstandard

from javumbo.collection import Collection
from javumbo.collection.collection import JSON_COLUMNS
from javumbo.collection.errors import CollectionError
from javumbo.collection.schema import COLUMNS

CAPTURED_TABLES = ("col", "notes", "cards", "revlog", "graves")
# Tables whose first column is an INTEGER PRIMARY KEY (an alias of the rowid).
_ROWID_IS_ID = frozenset({"col", "notes", "cards", "revlog"})
_FORMAT_VERSION = 1
_MARKER_VERSION = 2
_PATCH_VERSION = 3  # a change with ``col_patches``
_JSON_COLUMNS = frozenset(JSON_COLUMNS)
_PLAIN = b"j"
_ZSTD = b"z"
_COMPRESS_ABOVE = 512

SqlValue = int | float | str | bytes | None


class EntryFormatError(CollectionError):
    """A journal payload that this version cannot decode (corrupt or from the future)."""


@dataclass
class Change:
    """One transaction's net effect: final images of touched rows, deleted rowids, col columns."""

    upserts: dict[str, list[tuple[int, tuple[SqlValue, ...]]]] = field(default_factory=dict)
    deletes: dict[str, list[int]] = field(default_factory=dict)
    col: dict[str, SqlValue] = field(default_factory=dict)
    # JSON columns of ``col`` as {"s": {key: value set}, "d": [key deleted]}
    col_patches: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.upserts and not self.deletes and not self.col and not self.col_patches


@dataclass(frozen=True)
class Entry:
    """A decoded journal payload: a change, or a pointer to a change spilled to the blob store."""

    change: Change | None
    result: Any = None
    spill_key: str | None = None
    replace_key: str | None = None
    replace_etag: str | None = None


# ----------------------------------------------------------------------------- encoding


def _encode_value(value: SqlValue) -> Any:
    if isinstance(value, bytes):
        return [base64.b64encode(value).decode("ascii")]
    return value


def _encode_row(values: Sequence[SqlValue]) -> list[Any]:
    if bytes in map(type, values):
        return [_encode_value(v) for v in values]
    return list(values)


_PLAIN_TYPES = frozenset({int, float, str, type(None)})


def _decode_row(row: list[Any]) -> tuple[SqlValue, ...]:
    if _PLAIN_TYPES.issuperset(map(type, row)):
        return tuple(row)
    return tuple(_decode_value(v) for v in row)


def _decode_value(value: Any) -> SqlValue:
    if isinstance(value, list):
        return base64.b64decode(value[0])
    if value is None or isinstance(value, int | float | str):
        return value
    raise EntryFormatError(f"unexpected value in a journal entry: {value!r}")


def _pack(doc: dict[str, Any]) -> bytes:
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(raw) > _COMPRESS_ABOVE:
        packed = zstandard.ZstdCompressor(level=3).compress(raw)
        if len(packed) * 4 < len(raw) * 3:
            return _ZSTD + packed
    return _PLAIN + raw


def _unpack(payload: bytes) -> dict[str, Any]:
    kind, body = payload[:1], payload[1:]
    try:
        if kind == _ZSTD:
            body = zstandard.ZstdDecompressor().decompress(body)
        elif kind != _PLAIN:
            raise EntryFormatError(f"unknown journal payload kind {kind!r}")
        doc = json.loads(body.decode("utf-8"))
    except (zstandard.ZstdError, ValueError) as exc:
        raise EntryFormatError(f"corrupt journal payload: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("v") not in (
        _FORMAT_VERSION,
        _MARKER_VERSION,
        _PATCH_VERSION,
    ):
        raise EntryFormatError("journal payload of an unknown version")
    return doc


def encode_change(change: Change, result: Any = None) -> bytes:
    """The journal payload for ``change``; ``result`` (JSON-able) is kept for idempotent retries."""
    doc: dict[str, Any] = {"v": _FORMAT_VERSION}
    if change.upserts:
        doc["u"] = {
            table: [
                _encode_row(values) if table in _ROWID_IS_ID else [rowid, *_encode_row(values)]
                for rowid, values in rows
            ]
            for table, rows in change.upserts.items()
        }
    if change.deletes:
        doc["d"] = change.deletes
    if change.col:
        doc["c"] = {name: _encode_value(v) for name, v in change.col.items()}
    if change.col_patches:
        doc["v"] = _PATCH_VERSION
        doc["p"] = change.col_patches
    if result is not None:
        doc["r"] = result
    return _pack(doc)


def encode_spill_pointer(blob_key: str, result: Any = None) -> bytes:
    """A small entry that stands for a change too large for the journal, stored as a blob."""
    doc: dict[str, Any] = {"v": _FORMAT_VERSION, "s": blob_key}
    if result is not None:
        doc["r"] = result
    return _pack(doc)


def encode_replace_marker(blob_key: str, etag: str) -> bytes:
    """An entry saying the whole collection was replaced by the snapshot-format blob at
    ``blob_key`` (whose ETag is ``etag``); entries before it no longer matter."""
    return _pack({"v": _MARKER_VERSION, "x": blob_key, "e": etag})


def decode_entry(payload: bytes) -> Entry:
    doc = _unpack(payload)
    if doc["v"] == _MARKER_VERSION:
        key, etag = doc.get("x"), doc.get("e")
        if not isinstance(key, str) or not isinstance(etag, str):
            raise EntryFormatError("malformed replacement marker in the journal")
        return Entry(change=None, replace_key=key, replace_etag=etag)
    if "s" in doc:
        return Entry(change=None, result=doc.get("r"), spill_key=str(doc["s"]))
    change = Change()
    try:
        for table, rows in doc.get("u", {}).items():
            _check_table(table)
            decoded = []
            for row in rows:
                values = _decode_row(row)
                if table in _ROWID_IS_ID:
                    decoded.append((_as_rowid(values[0]), values))
                else:
                    decoded.append((_as_rowid(values[0]), values[1:]))
            change.upserts[table] = decoded
        for table, rowids in doc.get("d", {}).items():
            _check_table(table)
            change.deletes[table] = [_as_rowid(r) for r in rowids]
        for name, value in doc.get("c", {}).items():
            if name not in COLUMNS["col"]:
                raise EntryFormatError(f"unknown col column {name!r} in a journal entry")
            change.col[name] = _decode_value(value)
        for name, patch in doc.get("p", {}).items():
            change.col_patches[name] = _checked_patch(name, patch)
    except (TypeError, IndexError, AttributeError) as exc:
        raise EntryFormatError(f"malformed journal entry: {exc}") from exc
    return Entry(change=change, result=doc.get("r"))


def _checked_patch(name: str, patch: Any) -> dict[str, Any]:
    if name not in _JSON_COLUMNS:
        raise EntryFormatError(f"a journal entry patches col column {name!r}, not JSON")
    malformed = EntryFormatError(f"malformed patch of col column {name!r} in a journal entry")
    if not isinstance(patch, dict):
        raise malformed
    sets, dels, tails = patch.get("s", {}), patch.get("d", []), patch.get("t", {})
    if not isinstance(sets, dict) or not isinstance(dels, list) or not isinstance(tails, dict):
        raise malformed
    if not all(isinstance(key, str) for key in dels):
        raise malformed
    for tail in tails.values():
        if not (isinstance(tail, list) and len(tail) == 3 and isinstance(tail[1], list)):
            raise malformed
        if not isinstance(tail[0], int) or isinstance(tail[0], bool) or tail[0] < 0:
            raise malformed
        if not isinstance(tail[2], str):
            raise malformed
    return {"s": sets, "d": dels, "t": tails}


def _list_digest(items: list[Any]) -> str:
    return hashlib.sha1(json.dumps(items).encode("utf-8")).hexdigest()


def _list_tail(old: list[Any], new: list[Any]) -> list[Any] | None:
    """``[drop, appended, digest of new]`` when ``new`` is ``old`` without its first ``drop``
    items and with ``appended`` after them (a bounded stack that grew: the undo steps), else
    None. The digest keeps replay idempotent: items that do not give ``new`` are not added."""
    for drop in range(len(old) + 1):
        kept = len(old) - drop
        if new[:kept] == old[drop:]:
            return [drop, new[kept:], _list_digest(new)] if kept else None
    return None


def _json_patch(before: str, after: SqlValue) -> dict[str, Any] | None:
    """The top-level keys that changed between two JSON object texts, when applying them to
    ``before`` gives ``after`` back byte for byte (else None: the column is stored whole)."""
    if not isinstance(after, str):
        return None
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    sets = {key: value for key, value in new.items() if key not in old or old[key] != value}
    tails = {}
    for key, value in list(sets.items()):
        if isinstance(value, list) and isinstance(old.get(key), list):
            tail = _list_tail(old[key], value)
            if tail is not None:
                tails[key] = tail
                del sets[key]
    patch: dict[str, Any] = {"s": sets, "d": [key for key in old if key not in new]}
    if tails:
        patch["t"] = tails
    if _patched_text(old, patch) != after:
        return None
    return patch


def _patched_text(value: dict[str, Any], patch: dict[str, Any]) -> str:
    """``value`` with ``patch`` applied, as the collection writes its JSON columns."""
    for key in patch["d"]:
        value.pop(key, None)
    value.update(patch["s"])
    for key, (drop, appended, digest) in patch.get("t", {}).items():
        current = value.get(key)
        if not isinstance(current, list):
            raise EntryFormatError(f"a journal entry appends to {key!r}, which is not a list")
        grown = current[drop:] + appended
        # A list that the items do not turn into the journaled one is already it, or past it
        # (entries replayed a second time): left as it is, so replay stays idempotent.
        if _list_digest(grown) == digest:
            value[key] = grown
    return json.dumps(value)


def _check_table(table: str) -> None:
    if table not in CAPTURED_TABLES:
        raise EntryFormatError(f"unknown table {table!r} in a journal entry")


def _as_rowid(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise EntryFormatError(f"bad rowid {value!r} in a journal entry")
    return value


# ----------------------------------------------------------------------------- capture


def _trigger_statements(table: str) -> list[str]:
    # Trigger bodies may not qualify table names; an unqualified name finds the TEMP table first.
    mark = "insert or ignore into jv_touched values ('{t}', {ref}.rowid);"
    ins = mark.format(t=table, ref="new")
    dele = mark.format(t=table, ref="old")
    head = f"create temp trigger if not exists jv_{table}"
    return [
        f"{head}_ai after insert on main.{table} begin {ins} end",
        f"{head}_au after update on main.{table} begin {dele} {ins} end",
        f"{head}_ad after delete on main.{table} begin {dele} end",
    ]


class ChangeCapture:
    """Records which rows each transaction touches on one collection's connection.

    The owner calls ``collect()`` from a before-commit hook (inside the open transaction) and
    ``replay()`` to apply entries written elsewhere. Not thread-safe: use under ``col.lock``.
    """

    def __init__(self, col: Collection) -> None:
        self.col = col
        self._install()
        self._last_col: dict[str, SqlValue] | None = self._read_col_row()
        self.replaying = False
        col.add_after_reload_hook(self._refresh_col_copy)

    def _install(self) -> None:
        db = self.col.db
        db.execute(
            "create temp table if not exists jv_touched ("
            " tbl text not null, rid integer not null, primary key (tbl, rid)) without rowid"
        )
        for table in CAPTURED_TABLES:
            for statement in _trigger_statements(table):
                db.execute(statement)

    def _read_col_row(self) -> dict[str, SqlValue] | None:
        names = COLUMNS["col"]
        row = self.col.db.execute(
            f"select {', '.join(names)} from main.col where id = 1"
        ).fetchone()
        return dict(zip(names, row, strict=True)) if row is not None else None

    def _refresh_col_copy(self, _col: Collection) -> None:
        self._last_col = self._read_col_row()

    def collect(self) -> Change:
        """The net change of the open transaction so far; clears the touched set."""
        db = self.col.db
        touched = db.execute("select tbl, rid from temp.jv_touched order by tbl, rid").fetchall()
        db.execute("delete from temp.jv_touched")
        by_table: dict[str, list[int]] = {}
        for table, rowid in touched:
            by_table.setdefault(table, []).append(rowid)
        change = Change()
        for table, rowids in by_table.items():
            if table == "col":
                self._collect_col(change)
                continue
            present = self._row_images(db, table, rowids)
            if present:
                change.upserts[table] = [(r, present[r]) for r in rowids if r in present]
            gone = [r for r in rowids if r not in present]
            if gone:
                change.deletes[table] = gone
        return change

    def _collect_col(self, change: Change) -> None:
        current = self._read_col_row()
        if current is None:
            change.deletes["col"] = [1]
            return
        before = self._last_col or {}
        for name, value in current.items():
            previous = before.get(name, _MISSING)
            if previous == value:
                continue
            patch = (
                _json_patch(previous, value)
                if name in _JSON_COLUMNS and isinstance(previous, str)
                else None
            )
            if patch is not None and len(json.dumps(patch)) < len(str(value)):
                change.col_patches[name] = patch
            else:
                change.col[name] = value

    def committed(self) -> None:
        """Tell the capture the collected change is committed (its col copy moves forward)."""
        self._last_col = self._read_col_row()

    @staticmethod
    def _row_images(
        db: sqlite3.Connection, table: str, rowids: list[int]
    ) -> dict[int, tuple[SqlValue, ...]]:
        names = ", ".join(COLUMNS[table])
        found: dict[int, tuple[SqlValue, ...]] = {}
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"select rowid, {names} from main.{table} where rowid in ({marks})"
            for rowid, *values in db.execute(sql, chunk):
                found[rowid] = tuple(values)
        return found

    def discard(self) -> None:
        """Forget touched rows (after applying entries that are already journaled)."""
        self.col.db.execute("delete from temp.jv_touched")

    def replay(self, changes: Iterable[Change]) -> int:
        """Apply journaled changes in one transaction, then re-read the col row.

        ``replaying`` is true meanwhile: the owner's before-commit hook must not journal this
        transaction again (its entries are already in the journal).
        """
        count = 0
        self.replaying = True
        try:
            with self.col.transaction() as db:
                for change in changes:
                    apply_change(db, change)
                    count += 1
                self.discard()
        finally:
            self.replaying = False
        self.col.reload()
        return count


_MISSING = object()


def apply_change(db: sqlite3.Connection, change: Change) -> None:
    """Make the touched rows equal to their journaled final images (inside a transaction)."""
    for table, rowids in change.deletes.items():
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            db.execute(f"delete from main.{table} where rowid in ({marks})", chunk)
    for table, rows in change.upserts.items():
        names = COLUMNS[table]
        marks = ",".join("?" * (len(names) + 1))
        sql = f"insert or replace into main.{table} (rowid, {', '.join(names)}) values ({marks})"
        db.executemany(sql, [(rowid, *values) for rowid, values in rows])
    if change.col:
        _apply_col_columns(db, change.col)
    for name, patch in change.col_patches.items():
        row = db.execute(f"select {name} from main.col where id = 1").fetchone()
        if row is None or not isinstance(row[0], str):
            raise EntryFormatError(f"a journal entry patches col column {name!r}, which is missing")
        try:
            value = json.loads(row[0])
        except ValueError as exc:
            raise EntryFormatError(f"col column {name!r} is not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise EntryFormatError(f"col column {name!r} is not a JSON object")
        text = _patched_text(value, patch)
        db.execute(f"update main.col set {name} = ? where id = 1", (text,))


def _apply_col_columns(db: sqlite3.Connection, columns: dict[str, SqlValue]) -> None:
    sets = ", ".join(f"{name} = ?" for name in columns)
    cur = db.execute(f"update main.col set {sets} where id = 1", tuple(columns.values()))
    if cur.rowcount == 1:
        return
    if set(columns) != set(COLUMNS["col"]):
        raise EntryFormatError("a journal entry updates the col row, which is missing")
    names = COLUMNS["col"]
    marks = ",".join("?" * len(names))
    db.execute(
        f"insert into main.col ({', '.join(names)}) values ({marks})",
        tuple(columns[n] for n in names),
    )
