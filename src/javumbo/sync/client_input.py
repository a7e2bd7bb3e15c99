"""The client's input to a sync, checked when it arrives (a 400 for anything malformed),
turned into the parts ``pending.py`` keeps until the commit: deletions, note types and decks,
rows, and the counts of the sanity check."""

from __future__ import annotations

from typing import Any

from javumbo.collection import schema
from javumbo.collection.apkg.schema11_json import Invalid
from javumbo.collection.apkg.schema18_writer import check_schema11_objects
from javumbo.sync.protocol import bad_request, check_int64, get_int, get_list, int_list
from javumbo.sync.sync_state import COLUMN, ROW_TABLES


def graves_part(request: dict[str, Any]) -> dict[str, Any]:
    """The client's deletions, checked, as a part to keep."""
    chunk = request.get("chunk")
    if not isinstance(chunk, dict):
        raise bad_request("graves: 'chunk' must be an object")
    return {
        "graves": {
            name: int_list(get_list(chunk, name), f"graves.{name}")
            for name in ("cards", "notes", "decks")
        }
    }


def changes_part(request: dict[str, Any]) -> dict[str, Any]:
    """The client's note types, decks, presets, tags (and config), checked, as a part."""
    changes = request.get("changes")
    if not isinstance(changes, dict):
        raise bad_request("applyChanges: 'changes' must be an object")
    _check_changes(changes)
    return {"changes": changes}


def is_empty_changes(part: dict[str, Any]) -> bool:
    """A client's ``applyChanges`` that brings nothing (the usual case of a pull)."""
    changes = part["changes"]
    decks = changes.get("decks", [[], []])
    return (
        not changes.get("models")
        and not any(decks)
        and not changes.get("tags")
        and changes.get("conf") is None
        and changes.get("crt") is None
    )


def _check_changes(changes: dict[str, Any]) -> None:
    for item in get_list(changes, "models"):
        _check_object(item, "models")
    decks = changes.get("decks", [[], []])
    pair = isinstance(decks, list) and len(decks) == 2
    if not (pair and all(isinstance(d, list) for d in decks)):
        raise bad_request("applyChanges: 'decks' must be [decks, deck presets]")
    for item in decks[0]:
        _check_object(item, "decks")
    for item in decks[1]:
        _check_object(item, "deck presets")
    if not all(isinstance(t, str) for t in get_list(changes, "tags")):
        raise bad_request("applyChanges: 'tags' must be a list of names")
    conf = changes.get("conf")
    if conf is not None and not isinstance(conf, dict):
        raise bad_request("applyChanges: 'conf' must be an object")
    if changes.get("crt") is not None:
        get_int(changes, "crt")
    try:
        check_schema11_objects(get_list(changes, "models"), decks[0], decks[1])
    except Invalid as exc:
        raise bad_request(f"applyChanges: {exc}") from None


def _check_object(item: Any, what: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise bad_request(f"applyChanges: each of {what} must be an object with an id")
    if not isinstance(item.get("mod", 0), int | float):
        raise bad_request(f"applyChanges: {what} 'mod' must be a number")
    if what == "models" and not (
        isinstance(item.get("flds"), list) and isinstance(item.get("tmpls"), list)
    ):
        raise bad_request("applyChanges: a note type needs 'flds' and 'tmpls' lists")


def rows_part(request: dict[str, Any]) -> dict[str, Any] | None:
    """A batch of the client's rows, checked now and applied at the sanity check, as a part
    (None when the batch is empty)."""
    data = request.get("chunk")
    if not isinstance(data, dict):
        raise bad_request("applyChunk: 'chunk' must be an object")
    rows: dict[str, list[list[Any]]] = {}
    for table in ROW_TABLES:
        checked = [_check_row(table, row) for row in get_list(data, table)]
        if checked:
            rows[table] = checked
    return {"rows": rows} if rows else None


# The text columns of each synced table; every other column holds an integer.
_TEXT_COLUMNS = {
    table: frozenset(COLUMN[table][name] for name in names)
    for table, names in (
        ("revlog", ()),
        ("cards", ("data",)),
        ("notes", ("guid", "tags", "flds", "sfld", "csum", "data")),
    )
}
# Anki's client sends sfld and csum as numbers when they look like one.
_NUMERIC_TEXT = frozenset({COLUMN["notes"]["sfld"], COLUMN["notes"]["csum"]})
_PLAIN_ROW_TYPES = {
    table: tuple(str if index in _TEXT_COLUMNS[table] else int for index in range(len(names)))
    for table, names in ((t, schema.COLUMNS[t]) for t in ROW_TABLES)
}


def _check_row(table: str, row: Any) -> list[Any]:
    if type(row) is list and tuple(map(type, row)) == _PLAIN_ROW_TYPES[table]:
        return row  # the usual row: every value already of its column's type
    width = len(COLUMN[table])
    if not isinstance(row, list) or len(row) != width:
        raise bad_request(f"applyChunk: each {table} row must be a list of {width} values")
    text_columns = _TEXT_COLUMNS[table]
    out: list[Any] = []
    for index, value in enumerate(row):
        if index in text_columns:
            if table == "notes" and index in _NUMERIC_TEXT and isinstance(value, int | float):
                value = str(value)
            if not isinstance(value, str):
                raise bad_request(f"applyChunk: {table} column {index} must be text")
            out.append(value)
        elif type(value) is int:
            out.append(value)
        elif isinstance(value, float):
            out.append(check_int64(int(value), f"applyChunk: {table} column {index}"))
        else:
            raise bad_request(f"applyChunk: {table} column {index} must be a number")
    return out


def check_client_counts(request: dict[str, Any]) -> list[Any]:
    counts = request.get("client")
    if not isinstance(counts, list) or len(counts) != 8:
        raise bad_request("sanityCheck2: 'client' must be the 8 counts")
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts[1:]):
        raise bad_request("sanityCheck2: counts must be numbers")
    return [[0, 0, 0], *counts[1:4], 0, *counts[5:]]
