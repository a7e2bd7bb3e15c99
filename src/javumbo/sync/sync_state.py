"""What one sync in progress is, between its calls: what the server sends and has sent
(``SyncState``, stored by ``pending.py``) and what the client sent (``Incoming``, gathered
from the stored parts at the commit). Also the row layouts both sides share, taken from the
schema module, and the digests that tell whether a web row is still what was sent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection import schema

GRAVE_CARD, GRAVE_NOTE, GRAVE_DECK = 0, 1, 2
ROW_TABLES = ("revlog", "cards", "notes")
# Column positions of the synced tables, by name (Anki sends rows as lists in this order).
COLUMN = {
    table: {name: index for index, name in enumerate(schema.COLUMNS[table])} for table in ROW_TABLES
}
SELECT_COLUMNS = {table: ", ".join(schema.COLUMNS[table]) for table in ROW_TABLES}


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


def row_digest(row: Iterable[Any]) -> str:
    return hashlib.sha1(repr(tuple(row)).encode("utf-8")).hexdigest()


def object_digest(obj: dict[str, Any]) -> str:
    return hashlib.sha1(_dump(obj).encode("utf-8")).hexdigest()


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
