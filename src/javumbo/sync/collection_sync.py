"""The server half of Anki's normal (incremental) sync, on a ``javumbo.collection.Collection``.

Anki's own server keeps one SQLite transaction open from ``start`` to ``finish``. Ours cannot
(every write is one journaled transaction of the storage engine, and the next request may reach
another instance), so a sync is staged instead: ``start``/``applyChanges``/``chunk`` only *read*
the collection, what the server sends is recorded in a ``SyncState`` and what the client sends
in parts (both kept in the blob store by ``pending.py``, so any instance serves any call), and
``sanityCheck2`` applies all of it (an ``Incoming``) in one transaction that commits only if the
counts then match the client's. ``finish`` answers with the modification time of that commit.
An ``abort``, a failed check or a dropped connection therefore leaves the collection as it was.

The client's view is the server's collection at ``start``: the rows to send are picked then, and
the largest card and note ids then are kept. The sanity check must ignore what the web app did
during the sync (it reaches the client next time): cards and notes it added are the usn -1 rows
above those ids (ids are epoch milliseconds and only grow, see ``Collection.new_id``), and rows
it deleted are its usn -1 graves that were not sent at ``start``, of ids up to those maxima.
This needs no list of every id. (A web ``.apkg`` import racing a sync keeps the package's own,
older ids; the counts then differ and the client is told to sync again or fully.)

Update sequence numbers. ``col.usn`` is the server's usn; the sync in progress stamps what it
receives with it and then moves it one up, as Anki does. Javumbo's own layer (the web app)
writes rows with usn -1, "changed here, not yet sent": such rows are sent to every client whose
last sync is older (like rows with usn >= the client's), and once sent they get the sync's usn,
but only if they are still exactly what was sent (a web review racing the sync keeps its -1 and
goes out next time). Conflicts follow Anki: a row changed on both sides since the last sync is
kept from the side with the newer ``mod``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection import Collection
from javumbo.collection.notes import field_checksum, sort_field_value
from javumbo.sync.protocol import (
    SyncHttpError,
    bad_request,
    check_int64,
    get_bool,
    get_int,
    get_list,
    int_list,
)

CHUNK_SIZE = 250
GRAVE_CARD, GRAVE_NOTE, GRAVE_DECK = 0, 1, 2
ROW_TABLES = ("revlog", "cards", "notes")
OBJECT_COLUMNS = {"models": "models", "decks": "decks", "dconf": "dconf"}
_CARD_COLUMNS = (
    "id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid,"
    " flags, data"
)
_NOTE_COLUMNS = "id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data"
_REVLOG_COLUMNS = "id, cid, usn, ease, ivl, lastIvl, factor, time, type"
_SELECT = {"cards": _CARD_COLUMNS, "notes": _NOTE_COLUMNS, "revlog": _REVLOG_COLUMNS}


class SanityCheckFailed(Exception):
    """The counts after applying the client's changes differ from the client's."""

    def __init__(self, client: list[Any], server: list[Any]) -> None:
        super().__init__("sanity check failed")
        self.client = client
        self.server = server


@dataclass
class SyncState:
    """One client's sync in progress: what the server sends and has sent (JSON-able, stored
    between calls), and what the client has sent: small parts inline, the rest as ``parts``
    separate blobs (see ``pending.py``), ``incoming_bytes`` in all."""

    session: str
    server_usn: int
    client_usn: int
    client_is_newer: bool
    scm: int
    started_at: float = 0.0
    chunk_ids: dict[str, list[int]] = field(default_factory=dict)
    view_max_ids: dict[str, int] = field(default_factory=dict)
    sent_rows: dict[str, dict[int, str]] = field(default_factory=dict)
    sent_objects: dict[str, dict[str, str]] = field(default_factory=dict)
    sent_tags: list[str] = field(default_factory=list)
    sent_graves: list[tuple[int, int]] = field(default_factory=list)
    parts: int = 0
    incoming_bytes: int = 0
    inline_parts: list[dict[str, Any]] = field(default_factory=list)
    inline_bytes: int = 0
    # where pending.py keeps it (not part of the stored state itself)
    stored_as_blob: bool = field(default=False, compare=False, repr=False)

    def is_pending(self, usn: int) -> bool:
        """Changed on the server since the client's last sync (or by the web app, unsent)."""
        return usn == -1 or usn >= self.client_usn

    @property
    def commit_key(self) -> str:
        """Idempotency key of this sync's commit: a repeated ``sanityCheck2`` or the
        ``finish`` after it (on any instance) finds the commit instead of applying it twice."""
        return f"sync:{self.session}:{self.server_usn}"

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "server_usn": self.server_usn,
            "client_usn": self.client_usn,
            "client_is_newer": self.client_is_newer,
            "scm": self.scm,
            "started_at": self.started_at,
            "chunk_ids": self.chunk_ids,
            "view_max_ids": self.view_max_ids,
            "sent_rows": {t: list(rows.items()) for t, rows in self.sent_rows.items()},
            "sent_objects": self.sent_objects,
            "sent_tags": self.sent_tags,
            "sent_graves": self.sent_graves,
            "parts": self.parts,
            "incoming_bytes": self.incoming_bytes,
            "inline_parts": self.inline_parts,
            "inline_bytes": self.inline_bytes,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> SyncState:
        return cls(
            session=str(doc["session"]),
            server_usn=int(doc["server_usn"]),
            client_usn=int(doc["client_usn"]),
            client_is_newer=bool(doc["client_is_newer"]),
            scm=int(doc["scm"]),
            started_at=float(doc["started_at"]),
            chunk_ids={str(t): [int(i) for i in ids] for t, ids in doc["chunk_ids"].items()},
            view_max_ids={str(t): int(v) for t, v in doc["view_max_ids"].items()},
            sent_rows={
                str(t): {int(oid): str(d) for oid, d in rows}
                for t, rows in doc["sent_rows"].items()
            },
            sent_objects={
                str(k): {str(i): str(d) for i, d in v.items()}
                for k, v in doc["sent_objects"].items()
            },
            sent_tags=[str(t) for t in doc["sent_tags"]],
            sent_graves=[(int(o), int(k)) for o, k in doc["sent_graves"]],
            parts=int(doc["parts"]),
            incoming_bytes=int(doc["incoming_bytes"]),
            inline_parts=[p for p in doc.get("inline_parts", []) if isinstance(p, dict)],
            inline_bytes=int(doc.get("inline_bytes", 0)),
        )


@dataclass
class Incoming:
    """Everything the client sent in one sync, gathered from its parts for the commit."""

    graves: dict[str, list[int]] = field(
        default_factory=lambda: {"cards": [], "notes": [], "decks": []}
    )
    changes: dict[str, Any] | None = None
    rows: dict[str, list[list[Any]]] = field(
        default_factory=lambda: {"revlog": [], "cards": [], "notes": []}
    )


def incoming_from_parts(parts: Iterable[dict[str, Any]]) -> Incoming:
    incoming = Incoming()
    for part in parts:
        for name, ids in part.get("graves", {}).items():
            incoming.graves[name].extend(int(i) for i in ids)
        if "changes" in part:
            incoming.changes = part["changes"]
        for table, rows in part.get("rows", {}).items():
            incoming.rows[table].extend(rows)
    return incoming


# ----------------------------------------------------------------------------- meta


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


# ----------------------------------------------------------------------------- changes


def changes_part(request: dict[str, Any]) -> dict[str, Any]:
    """The client's note types, decks, presets, tags (and config), checked, as a part."""
    changes = request.get("changes")
    if not isinstance(changes, dict):
        raise bad_request("applyChanges: 'changes' must be an object")
    _check_changes(changes)
    return {"changes": changes}


def server_changes(col: Collection, state: SyncState) -> dict[str, Any]:
    """Our note types, decks, presets, tags (and config) for the client (recording in
    ``state`` which of them were web changes, usn -1)."""
    return _server_changes(col, state)


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


def _check_object(item: Any, what: str) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise bad_request(f"applyChanges: each of {what} must be an object with an id")
    if not isinstance(item.get("mod", 0), int | float):
        raise bad_request(f"applyChanges: {what} 'mod' must be a number")
    if what == "models" and not (
        isinstance(item.get("flds"), list) and isinstance(item.get("tmpls"), list)
    ):
        raise bad_request("applyChanges: a note type needs 'flds' and 'tmpls' lists")


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
                sent[oid] = _object_digest(obj)
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
        answer["conf"] = col.conf
        answer["crt"] = col.crt
    return answer


# ----------------------------------------------------------------------------- chunks


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
        sql = f"select {_SELECT[table]} from {table} where id in ({marks})"
        for row in col.db.execute(sql, part):
            values = list(row)
            usn_index = 2 if table == "revlog" else 4 if table == "notes" else 5
            if values[usn_index] == -1:
                sent[values[0]] = _row_digest(row)
                values[usn_index] = state.server_usn
            if table == "notes":
                # sfld and csum are recomputed by the client; flags and data are not synced
                values[7], values[8], values[9], values[10] = "", "", 0, ""
            rows.append(values)
    return rows


def rows_part(request: dict[str, Any]) -> dict[str, Any] | None:
    """A batch of the client's rows, checked now and applied at the sanity check, as a part
    (None when the batch is empty)."""
    data = request.get("chunk")
    if not isinstance(data, dict):
        raise bad_request("applyChunk: 'chunk' must be an object")
    rows: dict[str, list[list[Any]]] = {}
    for table, width in (("revlog", 9), ("cards", 18), ("notes", 11)):
        checked = [_check_row(table, row, width) for row in get_list(data, table)]
        if checked:
            rows[table] = checked
    return {"rows": rows} if rows else None


_TEXT_COLUMNS = {
    "revlog": frozenset[int](),
    "cards": frozenset({17}),
    "notes": frozenset({1, 5, 6, 7, 8, 10}),
}


_PLAIN_ROW_TYPES = {
    table: tuple(str if index in columns else int for index in range(width))
    for table, columns, width in (
        ("revlog", _TEXT_COLUMNS["revlog"], 9),
        ("cards", _TEXT_COLUMNS["cards"], 18),
        ("notes", _TEXT_COLUMNS["notes"], 11),
    )
}


def _check_row(table: str, row: Any, width: int) -> list[Any]:
    if type(row) is list and tuple(map(type, row)) == _PLAIN_ROW_TYPES[table]:
        return row  # the usual row: every value already of its column's type
    if not isinstance(row, list) or len(row) != width:
        raise bad_request(f"applyChunk: each {table} row must be a list of {width} values")
    text_columns = _TEXT_COLUMNS[table]
    out: list[Any] = []
    for index, value in enumerate(row):
        if index in text_columns:
            if table == "notes" and index in (7, 8) and isinstance(value, int | float):
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


# ----------------------------------------------------------------------------- commit


def sanity_counts(col: Collection) -> list[Any]:
    cards, notes, revlog = col.db.execute(
        "select (select count() from cards), (select count() from notes),"
        " (select count() from revlog)"
    ).fetchone()
    return [[0, 0, 0], cards, notes, revlog, 0, len(col.models), len(col.decks), len(col.dconf)]


def check_client_counts(request: dict[str, Any]) -> list[Any]:
    counts = request.get("client")
    if not isinstance(counts, list) or len(counts) != 8:
        raise bad_request("sanityCheck2: 'client' must be the 8 counts")
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts[1:]):
        raise bad_request("sanityCheck2: counts must be numbers")
    return [[0, 0, 0], *counts[1:4], 0, *counts[5:]]


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
        existing = db.execute(f"select {_REVLOG_COLUMNS} from revlog where id = ?", (row[0],))
        found = existing.fetchone()
        if found is None:
            db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            continue
        if [found[1], *found[3:]] == [row[1], *row[3:]]:
            continue
        # Two reviews with one id (a device and the web app in the same millisecond): keep both.
        # A web review nobody was sent yet (usn -1) moves to a free id in the same second, so the
        # client's review keeps the id the client has; one already sent stays, and the incoming
        # one moves instead, as Anki's server does.
        free_id = _free_revlog_id(db, row[0], incoming_ids)
        if found[2] == -1:
            db.execute("update revlog set id = ? where id = ?", (free_id, row[0]))
            db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        else:
            db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [free_id, *row[1:]])


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
    col: Collection, state: SyncState, table: str, rows: list[list[Any]], mod_index: int
) -> list[list[Any]]:
    """The incoming rows that win: new here, or ours is not pending, or theirs is newer."""
    existing: dict[int, tuple[int, int]] = {}
    for start_at in range(0, len(rows), 500):
        ids = [row[0] for row in rows[start_at : start_at + 500]]
        marks = ",".join("?" * len(ids))
        sql = f"select id, mod, usn from {table} where id in ({marks})"
        for oid, mod, usn in col.db.execute(sql, ids):
            existing[oid] = (int(mod), int(usn))
    won = []
    for row in rows:
        found = existing.get(row[0])
        if found is None or not state.is_pending(found[1]) or found[0] < row[mod_index]:
            won.append(row)
    return won


def _merge_cards(col: Collection, state: SyncState, rows: list[list[Any]]) -> None:
    col.db.executemany(
        f"insert or replace into cards ({_CARD_COLUMNS}) values ({','.join('?' * 18)})",
        _newer_rows(col, state, "cards", rows, 4),
    )


def _merge_notes(
    col: Collection, state: SyncState, models: dict[str, Any], rows: list[list[Any]]
) -> None:
    values = []
    for row in _newer_rows(col, state, "notes", rows, 3):
        nt = models.get(str(row[2]))
        if nt is None:
            raise bad_request(f"note {row[0]} refers to a note type the server does not have")
        fields = row[6].split("\x1f")
        values.append([*row[:7], sort_field_value(nt, fields), field_checksum(fields[0]), 0, ""])
    col.db.executemany(
        f"insert or replace into notes ({_NOTE_COLUMNS}) values ({','.join('?' * 11)})",
        values,
    )


def _stamp_sent(
    col: Collection, state: SyncState, objects: dict[str, dict[str, Any]], tags: dict[str, Any]
) -> None:
    """Give what was sent with usn -1 the sync's usn, if it is still what was sent."""
    usn = state.server_usn
    db = col.db
    for table, sent in state.sent_rows.items():
        for oid, digest in sent.items():
            row = db.execute(f"select {_SELECT[table]} from {table} where id = ?", (oid,))
            found = row.fetchone()
            if found is not None and _row_digest(found) == digest:
                db.execute(f"update {table} set usn = ? where id = ?", (usn, oid))
    for key, sent_objects in state.sent_objects.items():
        target = objects[key]
        for key_id, digest in sent_objects.items():
            obj = target.get(key_id)
            if obj is not None and _object_digest(obj) == digest:
                obj["usn"] = usn
    for name in state.sent_tags:
        if tags.get(name) == -1:
            tags[name] = usn
    db.executemany(
        "update graves set usn = ? where usn = -1 and oid = ? and type = ?",
        [(usn, oid, kind) for oid, kind in state.sent_graves],
    )


def _row_digest(row: Iterable[Any]) -> str:
    return hashlib.sha1(repr(tuple(row)).encode("utf-8")).hexdigest()


def _object_digest(obj: dict[str, Any]) -> str:
    return hashlib.sha1(_dump(obj).encode("utf-8")).hexdigest()


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
