"""``MetaStore`` on PostgreSQL: users, heads + journal, sessions, leases for a cluster without AWS.

Several app containers share one database through a connection pool each (psycopg 3,
``psycopg_pool``). Every call is one transaction at PostgreSQL's default isolation (read
committed); each conditional write is a single statement whose ``WHERE`` re-checks the row it
locks, so two instances racing for the same record are ordered by the row lock:

- the journal fence is ``UPDATE heads SET seq = N+1 WHERE user_id = … AND seq = N`` (or the
  first head's ``INSERT … ON CONFLICT DO NOTHING``): a writer that waited for the lock sees the
  moved seq and updates nothing; the entry and its idempotency key go in the same transaction;
- a session claim and a lease are an ``INSERT … ON CONFLICT DO UPDATE … WHERE`` that takes the
  row only when it is free, expired or (for a lease) already ours.

The schema is created and migrated by ``postgres_schema.upgrade`` (``javumbo db upgrade``), which
the store also runs when it opens. ``synchronous_commit`` is left on: an appended entry is an
acknowledged answer and must survive the server's crash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.rows import TupleRow

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
    StoreError,
    StoreUnavailableError,
    UserExistsError,
    UserNotFoundError,
    UserRecord,
    check_idempotency_result,
    check_journal_append,
    check_session_changes,
    check_sync_state,
)
from javumbo.stores.postgres_schema import SchemaTooNewError, upgrade

Connection = psycopg.Connection[TupleRow]

# A request should get its 503 within seconds when the server is gone, not hang.
CONNECT_TIMEOUT_SECONDS = 5
POOL_WAIT_SECONDS = 10.0
STATEMENT_TIMEOUT_MS = 10_000
DEFAULT_POOL_SIZE = 10

_SESSION_COLUMNS = "session_id, username, instance_id, db_etag, last_access, expires_at, status"


class PostgresMetaStore:
    """All metastore records in the PostgreSQL database at ``url`` (``postgresql://…``)."""

    def __init__(
        self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE, upgrade_schema: bool = True
    ) -> None:
        self.url = url
        self.counters = OperationCounters()
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            timeout=POOL_WAIT_SECONDS,
            kwargs={
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            },
            # A connection the server dropped (a restart, a failover) is replaced on checkout
            # instead of failing the request that drew it.
            check=psycopg_pool.ConnectionPool.check_connection,
            open=False,
            name="javumbo-meta",
        )
        try:
            self._pool.open(wait=True, timeout=POOL_WAIT_SECONDS)
            if upgrade_schema:
                with self._connection() as conn:
                    upgrade(conn)
        except SchemaTooNewError as exc:
            self._pool.close()
            raise StoreError(str(exc)) from exc
        except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
            self._pool.close()
            raise StoreUnavailableError(f"metastore {safe_url(url)}: {exc}") from exc

    def __repr__(self) -> str:
        return f"PostgresMetaStore({safe_url(self.url)!r})"

    def close(self) -> None:
        self._pool.close()

    # users

    def create_user(self, user: UserRecord) -> None:
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO users (username, user_id, password_hash, created_at, attributes)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (username) DO NOTHING",
                (
                    user.username,
                    user.user_id,
                    user.password_hash,
                    user.created_at,
                    json.dumps(user.attributes),
                ),
            )
            if cursor.rowcount != 1:
                raise UserExistsError(user.username)

    def get_user(self, username: str) -> UserRecord | None:
        row = self._read_one(
            "SELECT username, user_id, password_hash, created_at, attributes FROM users"
            " WHERE username = %s",
            (username,),
        )
        return None if row is None else user_from_row(row)

    def list_users(self) -> list[UserRecord]:
        rows = self._read_all(
            "SELECT username, user_id, password_hash, created_at, attributes FROM users"
            " ORDER BY username",
            (),
        )
        return [user_from_row(row) for row in rows]

    def purge_user(self, user_id: str, username: str) -> None:
        with self._write() as conn:
            for table in ("journal", "idempotency", "sync_states", "heads"):
                conn.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
            conn.execute("DELETE FROM session_claims WHERE username = %s", (username,))
            conn.execute("DELETE FROM sessions WHERE username = %s", (username,))
            conn.execute(
                "DELETE FROM users WHERE username = %s AND user_id = %s", (username, user_id)
            )

    def update_user_attributes(self, username: str, attributes: dict[str, Any]) -> None:
        encoded = json.dumps(attributes)  # fail on non-JSON values before any call
        with self._write() as conn:
            row = conn.execute(
                "SELECT attributes FROM users WHERE username = %s FOR UPDATE", (username,)
            ).fetchone()
            if row is None:
                raise UserNotFoundError(username)
            merged = {**json.loads(row[0]), **json.loads(encoded)}
            conn.execute(
                "UPDATE users SET attributes = %s WHERE username = %s",
                (json.dumps(merged), username),
            )

    # heads and journal

    def get_head(self, user_id: str) -> Head:
        row = self._read_one(
            "SELECT seq, snapshot_key, snapshot_seq, snapshot_etag FROM heads WHERE user_id = %s",
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
        with self._write() as conn:
            if idempotency_key is not None:
                used = self._used_key(conn, user_id, idempotency_key)
                if used is not None:
                    raise DuplicateIdempotencyKeyError(user_id, idempotency_key, used)
            moved = conn.execute(
                "UPDATE heads SET seq = %s WHERE user_id = %s AND seq = %s",
                (new_seq, user_id, expected_seq),
            ).rowcount
            if moved != 1 and expected_seq == 0:
                moved = conn.execute(
                    "INSERT INTO heads (user_id, seq) VALUES (%s, %s)"
                    " ON CONFLICT (user_id) DO NOTHING",
                    (user_id, new_seq),
                ).rowcount
            if moved != 1:
                raise ConditionFailedError(f"journal of {user_id!r} is not at seq {expected_seq}")
            conn.execute(
                "INSERT INTO journal (user_id, seq, payload, idempotency_key, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (user_id, new_seq, bytes(payload), idempotency_key, created_at),
            )
            if idempotency_key is not None:
                kept = conn.execute(
                    "INSERT INTO idempotency (user_id, key, seq, created_at, result)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING",
                    (user_id, idempotency_key, new_seq, created_at, idempotency_result),
                ).rowcount
                if kept != 1:  # a concurrent append with the same key committed first
                    raise _DuplicateLater(user_id, idempotency_key)
        return new_seq

    def read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        rows = self._read_all(
            "SELECT seq, payload, idempotency_key, created_at FROM journal"
            " WHERE user_id = %s AND seq > %s ORDER BY seq",
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

    def move_head_snapshot(
        self,
        user_id: str,
        expected_snapshot_key: str | None,
        snapshot_key: str,
        snapshot_seq: int,
        snapshot_etag: str,
    ) -> None:
        with self._write() as conn:
            # A first snapshot of a user with no head yet needs a row to lock.
            conn.execute(
                "INSERT INTO heads (user_id, seq) VALUES (%s, 0) ON CONFLICT (user_id) DO NOTHING",
                (user_id,),
            )
            row = conn.execute(
                "SELECT seq, snapshot_key, snapshot_seq, snapshot_etag FROM heads"
                " WHERE user_id = %s FOR UPDATE",
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
            conn.execute(
                "UPDATE heads SET snapshot_key = %s, snapshot_seq = %s, snapshot_etag = %s"
                " WHERE user_id = %s",
                (snapshot_key, snapshot_seq, snapshot_etag, user_id),
            )

    def trim_journal(self, user_id: str, up_to_seq: int) -> int:
        with self._write() as conn:
            trimmed = conn.execute(
                "DELETE FROM journal WHERE user_id = %s AND seq <= %s", (user_id, up_to_seq)
            ).rowcount
            # Measured from the user's newest key, not a clock: the store keeps none of its own.
            conn.execute(
                "DELETE FROM idempotency WHERE user_id = %s AND created_at < ("
                " SELECT max(created_at) FROM idempotency WHERE user_id = %s) - %s",
                (user_id, user_id, IDEMPOTENCY_RETENTION_SECONDS),
            )
            return max(0, trimmed)

    # idempotency keys

    def find_idempotency_key(self, user_id: str, key: str) -> int | None:
        row = self._read_one(
            "SELECT seq FROM idempotency WHERE user_id = %s AND key = %s", (user_id, key)
        )
        return None if row is None else int(row[0])

    def get_idempotency_result(self, user_id: str, key: str) -> bytes | None:
        row = self._read_one(
            "SELECT result FROM idempotency WHERE user_id = %s AND key = %s", (user_id, key)
        )
        return None if row is None or row[0] is None else bytes(row[0])

    # sync states

    def put_sync_state(self, user_id: str, data: bytes, expires_at: float) -> None:
        check_sync_state(data)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sync_states (user_id, data, expires_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (user_id) DO UPDATE"
                " SET data = excluded.data, expires_at = excluded.expires_at",
                (user_id, bytes(data), expires_at),
            )

    def get_sync_state(self, user_id: str) -> bytes | None:
        row = self._read_one("SELECT data FROM sync_states WHERE user_id = %s", (user_id,))
        return None if row is None else bytes(row[0])

    def delete_sync_state(self, user_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM sync_states WHERE user_id = %s", (user_id,))

    # sessions

    def create_session(self, session: SessionRecord, now: float) -> None:
        if session.status != "active":
            raise ValueError(f"a new session must be active, got status {session.status!r}")
        with self._write() as conn:
            claimed = conn.execute(
                "INSERT INTO session_claims (username, session_id, expires_at)"
                " VALUES (%s, %s, %s) ON CONFLICT (username) DO UPDATE"
                " SET session_id = excluded.session_id, expires_at = excluded.expires_at"
                " WHERE session_claims.expires_at <= %s",
                (session.username, session.session_id, session.expires_at, now),
            ).rowcount
            if claimed != 1:
                raise ConditionFailedError(f"user {session.username!r} has an active session")
            inserted = conn.execute(
                f"INSERT INTO sessions ({_SESSION_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (session_id) DO NOTHING",
                session_row(session),
            ).rowcount
            if inserted != 1:
                raise ConditionFailedError(f"session {session.session_id!r} exists")

    def get_session(self, session_id: str) -> SessionRecord | None:
        row = self._read_one(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id = %s", (session_id,)
        )
        return None if row is None else session_from_row(row)

    def get_user_session(self, username: str) -> SessionRecord | None:
        row = self._read_one(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE session_id ="
            " (SELECT session_id FROM session_claims WHERE username = %s)",
            (username,),
        )
        if row is None:
            row = self._read_one(
                f"SELECT {_SESSION_COLUMNS} FROM sessions"
                " WHERE username = %s AND status = 'active' ORDER BY expires_at DESC LIMIT 1",
                (username,),
            )
        return None if row is None else session_from_row(row)

    def update_session(self, session_id: str, **changes: Any) -> SessionRecord:
        check_session_changes(changes)
        with self._write() as conn:
            assignments = ", ".join(f"{name} = %s" for name in changes) or "session_id = session_id"
            row = conn.execute(
                f"UPDATE sessions SET {assignments} WHERE session_id = %s"
                f" RETURNING {_SESSION_COLUMNS}",
                (*changes.values(), session_id),
            ).fetchone()
            if row is None:
                raise ConditionFailedError(f"session {session_id!r} is gone")
            updated = session_from_row(row)
            if updated.status != "active":
                conn.execute("DELETE FROM session_claims WHERE session_id = %s", (session_id,))
            else:
                conn.execute(
                    "UPDATE session_claims SET expires_at = %s WHERE session_id = %s",
                    (updated.expires_at, session_id),
                )
        return updated

    def delete_session(self, session_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM session_claims WHERE session_id = %s", (session_id,))
            conn.execute("DELETE FROM sessions WHERE session_id = %s", (session_id,))

    def list_expired_sessions(self, now: float) -> list[SessionRecord]:
        rows = self._read_all(
            f"SELECT {_SESSION_COLUMNS} FROM sessions"
            " WHERE status = 'active' AND expires_at <= %s ORDER BY expires_at",
            (now,),
        )
        return [session_from_row(row) for row in rows]

    # leases

    def acquire_lease(self, name: str, owner: str, ttl: float, now: float) -> bool:
        with self._write() as conn:
            taken = conn.execute(
                "INSERT INTO leases (name, owner, expires_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE"
                " SET owner = excluded.owner, expires_at = excluded.expires_at"
                " WHERE leases.owner = excluded.owner OR leases.expires_at <= %s",
                (name, owner, now + ttl, now),
            ).rowcount
            return taken == 1

    def release_lease(self, name: str, owner: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM leases WHERE name = %s AND owner = %s", (name, owner))

    def get_lease(self, name: str) -> Lease | None:
        row = self._read_one("SELECT name, owner, expires_at FROM leases WHERE name = %s", (name,))
        return None if row is None else Lease(name=row[0], owner=row[1], expires_at=row[2])

    # internals

    @staticmethod
    def _used_key(conn: Connection, user_id: str, key: str) -> int | None:
        row = conn.execute(
            "SELECT seq FROM idempotency WHERE user_id = %s AND key = %s", (user_id, key)
        ).fetchone()
        return None if row is None else int(row[0])

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """A pooled connection; its transaction commits on success and rolls back on error."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except _DuplicateLater as late:
            seq = self.find_idempotency_key(late.user_id, late.key)
            raise DuplicateIdempotencyKeyError(late.user_id, late.key, seq) from None
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            # OperationalError includes the statement timeout (QueryCanceled).
            raise StoreUnavailableError(f"metastore {safe_url(self.url)}: {exc}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"metastore {safe_url(self.url)}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self.counters.add("meta_write")
        with self._connection() as conn:
            yield conn

    def _read_one(self, sql: str, params: tuple[Any, ...]) -> Any:
        self.counters.add("meta_read")
        with self._connection() as conn:
            return conn.execute(sql, params).fetchone()

    def _read_all(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        self.counters.add("meta_read")
        with self._connection() as conn:
            return conn.execute(sql, params).fetchall()


class _DuplicateLater(Exception):
    """An idempotency key taken by a transaction that committed while ours ran: ours rolls
    back, then the winner's seq is read."""

    def __init__(self, user_id: str, key: str) -> None:
        super().__init__(key)
        self.user_id = user_id
        self.key = key


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host = info.get("host", "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"
