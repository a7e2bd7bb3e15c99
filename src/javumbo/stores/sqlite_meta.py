"""``MetaStore`` in one SQLite file: the embedded mode's users, heads, journal, sessions, leases.

One connection guarded by a lock serves every thread of a process (metastore calls are tiny,
and SQLite has one writer anyway); several processes may share the file: WAL lets them read
while one writes, and every write runs in ``BEGIN IMMEDIATE`` so that read-check-write sequences
(the journal fence, session claims, leases) are atomic across processes too. ``synchronous=FULL``
because an appended journal entry is an acknowledged write and must survive a power cut.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from javumbo.stores.local import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from javumbo.stores.meta_rows import head_from_row, session_from_row, session_row, user_from_row
from javumbo.stores.metrics import OperationCounters
from javumbo.stores.ports import (
    IDEMPOTENCY_RETENTION_SECONDS,
    ConditionFailedError,
    DuplicateIdempotencyKeyError,
    Head,
    JournalEntry,
    Lease,
    SessionRecord,
    StoreUnavailableError,
    UserExistsError,
    UserNotFoundError,
    UserRecord,
    check_idempotency_result,
    check_journal_append,
    check_session_changes,
    check_sync_state,
)

BUSY_TIMEOUT_SECONDS = 10.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS heads (
    user_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    snapshot_key TEXT,
    snapshot_seq INTEGER NOT NULL DEFAULT 0,
    snapshot_etag TEXT
);
CREATE TABLE IF NOT EXISTS journal (
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload BLOB NOT NULL,
    idempotency_key TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (user_id, created_at);
CREATE TABLE IF NOT EXISTS sync_states (
    user_id TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    db_etag TEXT,
    last_access REAL NOT NULL,
    expires_at REAL NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_username ON sessions (username);
CREATE TABLE IF NOT EXISTS session_claims (
    username TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""

_SESSION_COLUMNS = "session_id, username, instance_id, db_etag, last_access, expires_at, status"


class SqliteMetaStore:
    """All metastore records in the SQLite file at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        # Password hashes live here: readable by the owner only, whatever the umask (SQLite
        # gives its -wal and -shm files the database file's mode).
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
        os.chmod(self.path, PRIVATE_FILE_MODE)
        self.counters = OperationCounters()
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_SECONDS,
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            self._add_idempotency_results()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"metastore {self.path}: {exc}") from exc

    def __repr__(self) -> str:
        return f"SqliteMetaStore({str(self.path)!r})"

    def _add_idempotency_results(self) -> None:
        """Files made before idempotency keys kept their answer get the column."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(idempotency)")}
        if "result" in columns:
            return
        try:
            self._db.execute("ALTER TABLE idempotency ADD COLUMN result BLOB")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process added it first
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # users

    def create_user(self, user: UserRecord) -> None:
        with self._write() as db:
            try:
                db.execute(
                    "INSERT INTO users (username, user_id, password_hash, created_at, attributes)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        user.username,
                        user.user_id,
                        user.password_hash,
                        user.created_at,
                        json.dumps(user.attributes),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise UserExistsError(user.username) from exc

    def get_user(self, username: str) -> UserRecord | None:
        row = self._read_one(
            "SELECT username, user_id, password_hash, created_at, attributes FROM users"
            " WHERE username = ?",
            (username,),
        )
        return None if row is None else user_from_row(row)

    def update_user_attributes(self, username: str, attributes: dict[str, Any]) -> None:
        encoded = json.dumps(attributes)  # fail on non-JSON values before touching the file
        with self._write() as db:
            row = db.execute(
                "SELECT attributes FROM users WHERE username = ?", (username,)
            ).fetchone()
            if row is None:
                raise UserNotFoundError(username)
            merged = {**json.loads(row[0]), **json.loads(encoded)}
            db.execute(
                "UPDATE users SET attributes = ? WHERE username = ?",
                (json.dumps(merged), username),
            )

    def list_users(self) -> list[UserRecord]:
        rows = self._read_all(
            "SELECT username, user_id, password_hash, created_at, attributes FROM users"
            " ORDER BY username",
            (),
        )
        return [user_from_row(row) for row in rows]

    def purge_user(self, user_id: str, username: str) -> None:
        with self._write() as db:
            for table in ("journal", "idempotency", "sync_states", "heads"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM session_claims WHERE username = ?", (username,))
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))
            db.execute("DELETE FROM users WHERE username = ? AND user_id = ?", (username, user_id))

    # heads and journal

    def get_head(self, user_id: str) -> Head:
        row = self._read_one(
            "SELECT seq, snapshot_key, snapshot_seq, snapshot_etag FROM heads WHERE user_id = ?",
            (user_id,),
        )
        return head_from_row(user_id, row)

    def append_journal(
        self,
        user_id: str,
        expected_seq: int,
        payload: bytes,
        idempotency_key: str | None = None,
        now: float = 0.0,
        *,
        idempotency_result: bytes | None = None,
    ) -> int:
        check_journal_append(expected_seq, payload)
        check_idempotency_result(idempotency_result)
        created_at = now or time.time()
        new_seq = expected_seq + 1
        with self._write() as db:
            if idempotency_key is not None:
                used = db.execute(
                    "SELECT seq FROM idempotency WHERE user_id = ? AND key = ?",
                    (user_id, idempotency_key),
                ).fetchone()
                if used is not None:
                    raise DuplicateIdempotencyKeyError(user_id, idempotency_key, used[0])
            row = db.execute("SELECT seq FROM heads WHERE user_id = ?", (user_id,)).fetchone()
            current = 0 if row is None else row[0]
            if current != expected_seq:
                raise ConditionFailedError(
                    f"journal of {user_id!r} is at seq {current}, not {expected_seq}"
                )
            db.execute(
                "INSERT INTO heads (user_id, seq) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq",
                (user_id, new_seq),
            )
            db.execute(
                "INSERT INTO journal (user_id, seq, payload, idempotency_key, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, new_seq, bytes(payload), idempotency_key, created_at),
            )
            if idempotency_key is not None:
                db.execute(
                    "INSERT INTO idempotency (user_id, key, seq, created_at, result)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (user_id, idempotency_key, new_seq, created_at, idempotency_result),
                )
        return new_seq

    def read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        rows = self._read_all(
            "SELECT seq, payload, idempotency_key, created_at FROM journal"
            " WHERE user_id = ? AND seq > ? ORDER BY seq",
            (user_id, after_seq),
        )
        return [
            JournalEntry(
                user_id=user_id,
                seq=seq,
                payload=bytes(payload),
                idempotency_key=key,
                created_at=created_at,
            )
            for seq, payload, key, created_at in rows
        ]

    def get_idempotency_result(self, user_id: str, key: str) -> bytes | None:
        row = self._read_one(
            "SELECT result FROM idempotency WHERE user_id = ? AND key = ?", (user_id, key)
        )
        return None if row is None or row[0] is None else bytes(row[0])

    def find_idempotency_key(self, user_id: str, key: str) -> int | None:
        row = self._read_one(
            "SELECT seq FROM idempotency WHERE user_id = ? AND key = ?", (user_id, key)
        )
        return None if row is None else int(row[0])

    def move_head_snapshot(
        self,
        user_id: str,
        expected_snapshot_key: str | None,
        snapshot_key: str,
        snapshot_seq: int,
        snapshot_etag: str,
    ) -> None:
        with self._write() as db:
            row = db.execute(
                "SELECT seq, snapshot_key, snapshot_seq, snapshot_etag FROM heads"
                " WHERE user_id = ?",
                (user_id,),
            ).fetchone()
            head = head_from_row(user_id, row)
            if head.snapshot_key != expected_snapshot_key:
                raise ConditionFailedError(
                    f"head of {user_id!r} points at {head.snapshot_key!r},"
                    f" not {expected_snapshot_key!r}"
                )
            if snapshot_seq > head.seq:
                raise ConditionFailedError(
                    f"snapshot seq {snapshot_seq} is past the journal of {user_id!r}"
                    f" (seq {head.seq})"
                )
            db.execute(
                "INSERT INTO heads (user_id, seq, snapshot_key, snapshot_seq, snapshot_etag)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                " snapshot_key = excluded.snapshot_key, snapshot_seq = excluded.snapshot_seq,"
                " snapshot_etag = excluded.snapshot_etag",
                (user_id, head.seq, snapshot_key, snapshot_seq, snapshot_etag),
            )

    def trim_journal(self, user_id: str, up_to_seq: int) -> int:
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM journal WHERE user_id = ? AND seq <= ?", (user_id, up_to_seq)
            )
            trimmed = cursor.rowcount
            # Measured from the user's newest key, not a clock: the store has none of its own.
            db.execute(
                "DELETE FROM idempotency WHERE user_id = ? AND created_at < ("
                " SELECT max(created_at) FROM idempotency WHERE user_id = ?) - ?",
                (user_id, user_id, IDEMPOTENCY_RETENTION_SECONDS),
            )
            return trimmed

    # sync states

    def put_sync_state(self, user_id: str, data: bytes, expires_at: float) -> None:
        check_sync_state(data)
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO sync_states (user_id, data, expires_at) VALUES (?, ?, ?)",
                (user_id, bytes(data), expires_at),
            )

    def get_sync_state(self, user_id: str) -> bytes | None:
        row = self._read_one("SELECT data FROM sync_states WHERE user_id = ?", (user_id,))
        return None if row is None else bytes(row[0])

    def delete_sync_state(self, user_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sync_states WHERE user_id = ?", (user_id,))

    # sessions

    def create_session(self, session: SessionRecord, now: float) -> None:
        if session.status != "active":
            raise ValueError(f"a new session must be active, got status {session.status!r}")
        with self._write() as db:
            claim = db.execute(
                "SELECT session_id, expires_at FROM session_claims WHERE username = ?",
                (session.username,),
            ).fetchone()
            if claim is not None and claim[1] > now:
                raise ConditionFailedError(
                    f"user {session.username!r} already has active session {claim[0]!r}"
                )
            try:
                db.execute(
                    f"INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    session_row(session),
                )
            except sqlite3.IntegrityError as exc:
                raise ConditionFailedError(f"session {session.session_id!r} exists") from exc
            db.execute(
                "INSERT OR REPLACE INTO session_claims (username, session_id, expires_at)"
                " VALUES (?, ?, ?)",
                (session.username, session.session_id, session.expires_at),
            )

    def get_session(self, session_id: str) -> SessionRecord | None:
        row = self._read_one(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
        )
        return None if row is None else session_from_row(row)

    def get_user_session(self, username: str) -> SessionRecord | None:
        row = self._read_one(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id ="
            " (SELECT session_id FROM session_claims WHERE username = ?)",
            (username,),
        )
        if row is None:
            row = self._read_one(
                f"SELECT {_SESSION_COLUMNS} FROM sessions"
                " WHERE username = ? AND status = 'active' ORDER BY expires_at DESC LIMIT 1",
                (username,),
            )
        return None if row is None else session_from_row(row)

    def update_session(self, session_id: str, **changes: Any) -> SessionRecord:
        check_session_changes(changes)
        with self._write() as db:
            row = db.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise ConditionFailedError(f"session {session_id!r} is gone")
            if changes:
                assignments = ", ".join(f"{name} = ?" for name in changes)
                db.execute(
                    f"UPDATE sessions SET {assignments} WHERE session_id = ?",
                    (*changes.values(), session_id),
                )
            updated = session_from_row(
                db.execute(
                    f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = ?",
                    (session_id,),
                ).fetchone()
            )
            if updated.status != "active":
                db.execute("DELETE FROM session_claims WHERE session_id = ?", (session_id,))
            else:
                db.execute(
                    "UPDATE session_claims SET expires_at = ? WHERE session_id = ?",
                    (updated.expires_at, session_id),
                )
        return updated

    def delete_session(self, session_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM session_claims WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))

    def list_expired_sessions(self, now: float) -> list[SessionRecord]:
        rows = self._read_all(
            f"SELECT {_SESSION_COLUMNS} FROM sessions"
            " WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at",
            (now,),
        )
        return [session_from_row(row) for row in rows]

    # leases

    def acquire_lease(self, name: str, owner: str, ttl: float, now: float) -> bool:
        with self._write() as db:
            row = db.execute("SELECT owner, expires_at FROM leases WHERE name = ?", (name,))
            held = row.fetchone()
            if held is not None and held[0] != owner and held[1] > now:
                return False
            db.execute(
                "INSERT OR REPLACE INTO leases (name, owner, expires_at) VALUES (?, ?, ?)",
                (name, owner, now + ttl),
            )
            return True

    def release_lease(self, name: str, owner: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))

    def get_lease(self, name: str) -> Lease | None:
        row = self._read_one("SELECT name, owner, expires_at FROM leases WHERE name = ?", (name,))
        return None if row is None else Lease(name=row[0], owner=row[1], expires_at=row[2])

    # internals

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on error."""
        with self._lock:
            self.counters.add("meta_write")
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailableError(f"metastore {self.path}: {exc}") from exc
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise StoreUnavailableError(f"metastore {self.path}: {exc}") from exc
                raise

    def _read_one(self, sql: str, params: tuple[Any, ...]) -> Any:
        with self._lock:
            self.counters.add("meta_read")
            try:
                return self._db.execute(sql, params).fetchone()
            except sqlite3.OperationalError as exc:
                raise StoreUnavailableError(f"metastore {self.path}: {exc}") from exc

    def _read_all(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            self.counters.add("meta_read")
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise StoreUnavailableError(f"metastore {self.path}: {exc}") from exc
