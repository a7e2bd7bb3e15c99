"""The rows of the SQL metastores (SQLite and PostgreSQL) as records, and back.

Both keep users, heads and sessions in tables of the same columns in the same order, so the
conversion between a row and its record is written once for both adapters.
"""

from __future__ import annotations

import json
from typing import Any

from javumbo.stores.ports import Head, SessionRecord, UserRecord


def user_from_row(row: Any) -> UserRecord:
    return UserRecord(
        username=row[0],
        user_id=row[1],
        password_hash=row[2],
        created_at=row[3],
        attributes=json.loads(row[4]),
    )


def head_from_row(user_id: str, row: Any) -> Head:
    if row is None:
        return Head(user_id=user_id)
    return Head(
        user_id=user_id,
        seq=row[0],
        snapshot_key=row[1],
        snapshot_seq=row[2],
        snapshot_etag=row[3],
    )


def session_row(session: SessionRecord) -> tuple[Any, ...]:
    return (
        session.session_id,
        session.username,
        session.instance_id,
        session.db_etag,
        session.last_access,
        session.expires_at,
        session.status,
    )


def session_from_row(row: Any) -> SessionRecord:
    return SessionRecord(
        session_id=row[0],
        username=row[1],
        instance_id=row[2],
        db_etag=row[3],
        last_access=row[4],
        expires_at=row[5],
        status=row[6],
    )
