"""Records and names for the metastore contract suites (one per narrow port of ``ports.py``)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from javumbo.stores.ports import IdempotencyStore, JournalStore, SessionRecord

NOW = 1_700_000_000.0


class KeyedJournal(JournalStore, IdempotencyStore, Protocol):
    """The idempotency keys are written by the journal append and read on their own."""


def unique(prefix: str) -> str:
    """Backends are shared by the tests of a run (one emulator), so names must not collide."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def session(username: str, *, expires_at: float = NOW + 300, **fields: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "session_id": unique("sess"),
        "username": username,
        "instance_id": "instance-a",
        "db_etag": None,
        "last_access": NOW,
        "expires_at": expires_at,
    }
    values.update(fields)
    return SessionRecord(**values)
