"""What the server sends in a sync: its meta, its deletions at ``start``, its note types,
decks and tags, and its changed rows in chunks, recording in the ``SyncState`` which web
changes (usn -1) went out."""

from __future__ import annotations

from typing import Any

from javumbo.collection import Collection
from javumbo.collection.undo import UNDO_CONF_KEYS
from javumbo.sync.client_input import graves_part
from javumbo.sync.protocol import get_bool, get_int
from javumbo.sync.sync_state import (
    COLUMN,
    GRAVE_CARD,
    GRAVE_DECK,
    GRAVE_NOTE,
    ROW_TABLES,
    SELECT_COLUMNS,
    SyncState,
    object_digest,
    row_digest,
)

CHUNK_SIZE = 250
_NOT_SENT_NOTE_VALUES = (("sfld", ""), ("csum", ""), ("flags", 0), ("data", ""))


def sync_meta(col: Collection, media_usn: int) -> dict[str, Any]:
    empty = col.db.execute("select not exists (select 1 from cards)").fetchone()[0]
    usn = col.db.execute("select usn from col").fetchone()[0]
    return {
        "mod": col.mod,
        "scm": col.scm,
        "usn": int(usn),
        "ts": col.now_secs(),
        "msg": "",
        "cont": True,
        "hostNum": 0,
        "empty": bool(empty),
        "media_usn": media_usn,
    }


def server_usn(col: Collection) -> int:
    return int(col.db.execute("select usn from col").fetchone()[0])


# ----------------------------------------------------------------------------- start


def start(
    col: Collection, session: str, request: dict[str, Any], now: float
) -> tuple[SyncState, Any, dict[str, Any] | None]:
    """Begin a sync: the server's deletions since the client's last sync (and, from older
    AnkiDroid versions, the client's graves as a part to keep)."""
    client_usn = get_int(request, "minUsn")
    state = SyncState(
        session=session,
        server_usn=server_usn(col),
        client_usn=client_usn,
        client_is_newer=get_bool(request, "lnewer"),
        scm=col.scm,
        started_at=now,
    )
    legacy = request.get("graves")
    legacy_part = None
    if legacy is not None:  # AnkiDroid's older protocol sends its graves here
        legacy_part = graves_part({"chunk": legacy})
    # Two range reads of the usn index, sorted here: with Anki's statistics in the file
    # (sqlite_stat1 says every row has the same usn), an ``or`` made SQLite scan the whole
    # index instead, ~0.3 ms per table of 10,000 rows on every sync.
    state.chunk_ids = {
        table: sorted(
            {
                r[0]
                for r in col.db.execute(
                    f"select id from {table} where usn >= ?"
                    f" union all select id from {table} where usn = -1",
                    (client_usn,),
                )
            }  # a set: a client usn of -1 would see each unsent row twice
        )
        for table in ROW_TABLES
    }
    for table in ("cards", "notes"):
        top = col.db.execute(f"select max(id) from {table}").fetchone()[0]
        state.view_max_ids[table] = int(top or 0)
    graves: dict[str, list[int]] = {"cards": [], "notes": [], "decks": []}
    kinds = {GRAVE_CARD: "cards", GRAVE_NOTE: "notes", GRAVE_DECK: "decks"}
    for usn, oid, kind in col.db.execute(
        "select usn, oid, type from graves where usn = -1 or usn >= ?", (client_usn,)
    ):
        name = kinds.get(kind)
        if name is None:
            continue
        graves[name].append(oid)
        if usn == -1:
            state.sent_graves.append((oid, kind))
    return state, graves, legacy_part


def server_changes(col: Collection, state: SyncState) -> dict[str, Any]:
    """Our note types, decks, presets, tags (and config) for the client (recording in
    ``state`` which of them were web changes, usn -1)."""
    return _server_changes(col, state)


def _server_changes(col: Collection, state: SyncState) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, source in (("models", col.models), ("decks", col.decks), ("dconf", col.dconf)):
        items = []
        sent: dict[str, str] = {}
        for oid, obj in source.items():
            usn = int(obj.get("usn", 0))
            if not state.is_pending(usn):
                continue
            item = dict(obj)
            if usn == -1:
                sent[oid] = object_digest(obj)
                item["usn"] = state.server_usn
            items.append(item)
        state.sent_objects[key] = sent
        out[key] = items
    tags = [name for name, usn in col.tags.items() if state.is_pending(int(usn))]
    state.sent_tags = [name for name in tags if int(col.tags[name]) == -1]
    answer: dict[str, Any] = {
        "models": out["models"],
        "decks": [out["decks"], out["dconf"]],
        "tags": tags,
    }
    if not state.client_is_newer:
        # the web's undo steps stay on the server: they mean nothing to Anki's clients
        answer["conf"] = {k: v for k, v in col.conf.items() if k not in UNDO_CONF_KEYS}
        answer["crt"] = col.crt
    return answer


def chunk(col: Collection, state: SyncState) -> dict[str, Any]:
    """The next batch of the server's changed rows (revlog, cards, notes).

    ``state.sent_rows`` grows only by web rows (usn -1) sent; ``chunk_ids`` shrinks."""
    ids = state.chunk_ids
    for table in ROW_TABLES:
        ids.setdefault(table, [])
    picked: dict[str, list[int]] = {t: [] for t in ROW_TABLES}
    limit = CHUNK_SIZE
    while limit > 0:
        before = limit
        for table in ("revlog", "notes", "cards"):
            if ids[table] and limit > 0:
                picked[table].append(ids[table].pop())
                limit -= 1
        if limit == before:
            break
    out: dict[str, Any] = {"done": limit > 0}
    for table in ROW_TABLES:
        rows = _rows_for_client(col, state, table, picked[table])
        if rows:
            out[table] = rows
    return out


def _rows_for_client(
    col: Collection, state: SyncState, table: str, ids: list[int]
) -> list[list[Any]]:
    rows: list[list[Any]] = []
    sent = state.sent_rows.setdefault(table, {})
    for start_at in range(0, len(ids), 500):
        part = ids[start_at : start_at + 500]
        marks = ",".join("?" * len(part))
        sql = f"select {SELECT_COLUMNS[table]} from {table} where id in ({marks})"
        for row in col.db.execute(sql, part):
            values = list(row)
            usn_index = COLUMN[table]["usn"]
            if values[usn_index] == -1:
                sent[values[0]] = row_digest(row)
                values[usn_index] = state.server_usn
            if table == "notes":
                # sfld and csum are recomputed by the client; flags and data are not synced
                for name, blank in _NOT_SENT_NOTE_VALUES:
                    values[COLUMN["notes"][name]] = blank
            rows.append(values)
    return rows
