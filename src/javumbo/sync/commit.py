"""The commit of a sync: everything the client sent applied in one transaction of the
storage engine, merged with what the server has (the newer ``mod`` wins, as in Anki), the web
rows that were sent stamped with the sync's usn, and the counts checked against the client's
before anything is kept."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from javumbo.collection import Collection
from javumbo.collection.notes import field_checksum, sort_field_value
from javumbo.collection.undo import UNDO_CONF_KEYS
from javumbo.sync.client_input import is_empty_changes
from javumbo.sync.outgoing_changes import server_usn
from javumbo.sync.protocol import SyncHttpError, bad_request
from javumbo.sync.sync_state import (
    COLUMN,
    GRAVE_CARD,
    GRAVE_DECK,
    GRAVE_NOTE,
    ROW_TABLES,
    SELECT_COLUMNS,
    Incoming,
    SyncState,
    object_digest,
    row_digest,
)

_NOTE = COLUMN["notes"]
_REVLOG_USN = COLUMN["revlog"]["usn"]
_SELECT_REVIEW = f"select {SELECT_COLUMNS['revlog']} from revlog where id = ?"
_INSERT = {
    table: f"insert into {table} ({SELECT_COLUMNS[table]})"
    f" values ({', '.join('?' * len(COLUMN[table]))})"
    for table in ROW_TABLES
}
_INSERT_OR_REPLACE = {
    table: sql.replace("insert", "insert or replace", 1) for table, sql in _INSERT.items()
}


class SanityCheckFailed(Exception):
    """The counts after applying the client's changes differ from the client's."""

    def __init__(self, client: list[Any], server: list[Any]) -> None:
        super().__init__("sanity check failed")
        self.client = client
        self.server = server


def sanity_counts(col: Collection) -> list[Any]:
    cards, notes, revlog = col.db.execute(
        "select (select count() from cards), (select count() from notes),"
        " (select count() from revlog)"
    ).fetchone()
    return [[0, 0, 0], cards, notes, revlog, 0, len(col.models), len(col.decks), len(col.dconf)]


def commit(
    col: Collection, state: SyncState, incoming: Incoming, client_counts: list[Any] | None
) -> int:
    """Apply everything the client sent, check the counts, stamp what was sent and move the
    usn on; run inside one transaction (raises to roll it all back). Returns the new mod."""
    if server_usn(col) != state.server_usn or col.scm != state.scm:
        raise SyncHttpError(409, "the collection changed under this sync; sync again")
    models, decks, dconf, tags = (
        json.loads(json.dumps(getattr(col, name))) for name in ("models", "decks", "dconf", "tags")
    )
    conf, crt = col.conf, col.crt
    _apply_incoming_graves(col, state, incoming, decks)
    changes = incoming.changes or {}
    _merge_notetypes(models, changes.get("models", []))
    deck_list, preset_list = changes.get("decks", [[], []])
    _merge_newer(decks, deck_list)
    _merge_newer(dconf, preset_list)
    for name in changes.get("tags", []):
        tags[name] = state.server_usn
    if isinstance(changes.get("conf"), dict):
        conf = changes["conf"]
    if _brings_changes(incoming):
        # Another device changed the collection: older web steps could undo over its changes
        # (and a client's conf may carry a stale copy of the stack), so the stack is cleared.
        conf = {k: v for k, v in conf.items() if k not in UNDO_CONF_KEYS}
    if changes.get("crt") is not None:
        crt = int(changes["crt"])
    _merge_revlog(col, incoming.rows["revlog"])
    _merge_cards(col, state, incoming.rows["cards"])
    _merge_notes(col, state, models, incoming.rows["notes"])
    _stamp_sent(col, state, {"models": models, "decks": decks, "dconf": dconf}, tags)
    if client_counts is not None:
        server = _client_view_counts(col, state, incoming, models, decks, dconf)
        if server != client_counts:
            raise SanityCheckFailed(client_counts, server)
    now_ms = col.now_ms()
    col.update_col(
        {
            "crt": crt,
            "mod": now_ms,
            "ls": now_ms,
            "usn": state.server_usn + 1,
            "conf": conf,
            "models": models,
            "decks": decks,
            "dconf": dconf,
            "tags": tags,
        }
    )
    return now_ms


def _brings_changes(incoming: Incoming) -> bool:
    """Whether the client sent anything: rows, graves, or changed objects or settings."""
    sent_changes = incoming.changes is not None and not is_empty_changes(
        {"changes": incoming.changes}
    )
    return sent_changes or any(incoming.rows.values()) or any(incoming.graves.values())


def _counts(
    col: Collection, models: dict[str, Any], decks: dict[str, Any], dconf: dict[str, Any]
) -> list[Any]:
    counts = sanity_counts(col)
    counts[5:] = [len(models), len(decks), len(dconf)]
    return counts


def _client_view_counts(
    col: Collection,
    state: SyncState,
    incoming: Incoming,
    models: dict[str, Any],
    decks: dict[str, Any],
    dconf: dict[str, Any],
) -> list[Any]:
    """The counts the client should have: ours, minus what the web app added and plus what it
    deleted after the client's view was taken (run after the sent rows were stamped; see the
    module docstring)."""
    counts = _counts(col, models, decks, dconf)
    db = col.db
    unsent_reviews = db.execute("select count() from revlog where usn = -1").fetchone()[0]
    counts[3] -= unsent_reviews  # reviews are only ever added
    for index, table, kind in ((1, "cards", GRAVE_CARD), (2, "notes", GRAVE_NOTE)):
        top = state.view_max_ids.get(table)
        if top is None:
            continue
        added_here = db.execute(
            f"select count() from {table} where usn = -1 and id > ?", (top,)
        ).fetchone()[0]
        not_deleted_here = {oid for oid, k in state.sent_graves if k == kind}
        not_deleted_here.update(incoming.graves[table])
        candidates = {
            r[0]
            for r in db.execute(
                "select oid from graves where usn = -1 and type = ? and oid <= ?", (kind, top)
            )
        }
        deleted_here = 0
        for oid in candidates - not_deleted_here:
            found = db.execute(f"select 1 from {table} where id = ?", (oid,)).fetchone()
            deleted_here += found is None
        counts[index] += deleted_here - added_here
    return counts


def _apply_incoming_graves(
    col: Collection, state: SyncState, incoming: Incoming, decks: dict[str, Any]
) -> None:
    usn = state.server_usn
    graves = incoming.graves
    db = col.db
    for table, kind in (("notes", GRAVE_NOTE), ("cards", GRAVE_CARD)):
        ids = graves[table]
        for start_at in range(0, len(ids), 500):
            part = ids[start_at : start_at + 500]
            db.execute(f"delete from {table} where id in ({','.join('?' * len(part))})", part)
        db.executemany("insert into graves values (?, ?, ?)", [(usn, i, kind) for i in ids])
    for did in graves["decks"]:
        decks.pop(str(did), None)
    db.executemany(
        "insert into graves values (?, ?, ?)", [(usn, d, GRAVE_DECK) for d in graves["decks"]]
    )


def _merge_notetypes(models: dict[str, Any], incoming: Iterable[dict[str, Any]]) -> None:
    for nt in incoming:
        existing = models.get(str(nt["id"]))
        if existing is not None:
            if int(existing.get("mod", 0)) > int(nt.get("mod", 0)):
                continue
            if len(existing.get("flds", [])) != len(nt["flds"]) or len(
                existing.get("tmpls", [])
            ) != len(nt["tmpls"]):
                raise SyncHttpError(400, "a note type's fields changed; a full sync is required")
        models[str(nt["id"])] = nt


def _merge_newer(target: dict[str, Any], incoming: Iterable[dict[str, Any]]) -> None:
    for obj in incoming:
        existing = target.get(str(obj["id"]))
        if existing is None or int(existing.get("mod", 0)) <= int(obj.get("mod", 0)):
            target[str(obj["id"])] = obj


def _merge_revlog(col: Collection, rows: list[list[Any]]) -> None:
    incoming_ids = {r[0] for r in rows}
    db = col.db
    for row in rows:
        existing = db.execute(
            f"select {SELECT_COLUMNS['revlog']} from revlog where id = ?", (row[0],)
        )
        found = existing.fetchone()
        if found is None:
            db.execute(_INSERT["revlog"], row)
            continue
        if _without_usn(found) == _without_usn(row):
            continue
        # Two reviews with one id (a device and the web app in the same millisecond): keep both.
        # A web review nobody was sent yet (usn -1) moves to a free id in the same second, so the
        # client's review keeps the id the client has; one already sent stays, and the incoming
        # one moves instead, as Anki's server does.
        free_id = _free_revlog_id(db, row[0], incoming_ids)
        if found[_REVLOG_USN] == -1:
            db.execute("update revlog set id = ? where id = ?", (free_id, row[0]))
            db.execute(_INSERT["revlog"], row)
        else:
            db.execute(_INSERT["revlog"], [free_id, *row[1:]])


def _without_usn(row: Iterable[Any]) -> list[Any]:
    """A review row as compared between the two sides (its usn says only who has sent it)."""
    return [value for index, value in enumerate(row) if index != _REVLOG_USN]


def _free_revlog_id(db: sqlite3.Connection, taken: int, reserved: set[int]) -> int:
    second, millis = divmod(taken, 1000)
    for delta in range(1, 1000):
        candidate = second * 1000 + (millis + delta) % 1000
        if candidate in reserved:
            continue
        if db.execute("select 1 from revlog where id = ?", (candidate,)).fetchone() is None:
            return candidate
    raise bad_request("no free review id left in that second")


def _newer_rows(
    col: Collection, state: SyncState, table: str, rows: list[list[Any]]
) -> list[list[Any]]:
    """The incoming rows that win: new here, or ours is not pending, or theirs is newer."""
    existing: dict[int, tuple[int, int]] = {}
    for start_at in range(0, len(rows), 500):
        ids = [row[0] for row in rows[start_at : start_at + 500]]
        marks = ",".join("?" * len(ids))
        sql = f"select id, mod, usn from {table} where id in ({marks})"
        for oid, mod, usn in col.db.execute(sql, ids):
            existing[oid] = (int(mod), int(usn))
    mod_index = COLUMN[table]["mod"]
    won = []
    for row in rows:
        found = existing.get(row[0])
        if found is None or not state.is_pending(found[1]) or found[0] < row[mod_index]:
            won.append(row)
    return won


def _merge_cards(col: Collection, state: SyncState, rows: list[list[Any]]) -> None:
    col.db.executemany(_INSERT_OR_REPLACE["cards"], _newer_rows(col, state, "cards", rows))


def _merge_notes(
    col: Collection, state: SyncState, models: dict[str, Any], rows: list[list[Any]]
) -> None:
    values = []
    for row in _newer_rows(col, state, "notes", rows):
        nt = models.get(str(row[_NOTE["mid"]]))
        if nt is None:
            raise bad_request(f"note {row[0]} refers to a note type the server does not have")
        fields = row[_NOTE["flds"]].split("\x1f")
        # sfld and csum are ours to compute; flags and data are not synced
        values.append(
            [*row[: _NOTE["sfld"]], sort_field_value(nt, fields), field_checksum(fields[0]), 0, ""]
        )
    col.db.executemany(_INSERT_OR_REPLACE["notes"], values)


def _stamp_sent(
    col: Collection, state: SyncState, objects: dict[str, dict[str, Any]], tags: dict[str, Any]
) -> None:
    """Give what was sent with usn -1 the sync's usn, if it is still what was sent."""
    usn = state.server_usn
    db = col.db
    for table, sent in state.sent_rows.items():
        for oid, digest in sent.items():
            row = db.execute(f"select {SELECT_COLUMNS[table]} from {table} where id = ?", (oid,))
            found = row.fetchone()
            if found is not None and row_digest(found) == digest:
                db.execute(f"update {table} set usn = ? where id = ?", (usn, oid))
    for key, sent_objects in state.sent_objects.items():
        target = objects[key]
        for key_id, digest in sent_objects.items():
            obj = target.get(key_id)
            if obj is not None and object_digest(obj) == digest:
                obj["usn"] = usn
    for name in state.sent_tags:
        if tags.get(name) == -1:
            tags[name] = usn
    db.executemany(
        "update graves set usn = ? where usn = -1 and oid = ? and type = ?",
        [(usn, oid, kind) for oid, kind in state.sent_graves],
    )
