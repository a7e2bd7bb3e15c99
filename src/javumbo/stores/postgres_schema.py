"""The PostgreSQL metastore's schema, as numbered migrations applied in order.

``upgrade`` is what ``javumbo db upgrade`` runs, and what the PostgreSQL metastore runs when it
opens: it brings the database to the newest version the code knows and never goes back. Several
app containers may start at once, so an upgrade holds a transaction-level advisory lock while it
reads the version and applies what is missing; each migration commits with its version row, so
an interrupted upgrade resumes where it stopped. A database newer than the code (a rollback of
the app without a rollback of the data) is refused: the old code would misread it.

A migration is never edited once released: a change of schema is a new entry at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import TupleRow


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "users, heads and journal, idempotency keys, sync states, sessions, leases",
        (
            """CREATE TABLE users (
                username TEXT PRIMARY KEY,
                user_id TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                attributes TEXT NOT NULL DEFAULT '{}'
            )""",
            """CREATE TABLE heads (
                user_id TEXT PRIMARY KEY,
                seq BIGINT NOT NULL,
                snapshot_key TEXT,
                snapshot_seq BIGINT NOT NULL DEFAULT 0,
                snapshot_etag TEXT
            )""",
            """CREATE TABLE journal (
                user_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                payload BYTEA NOT NULL,
                idempotency_key TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (user_id, seq)
            )""",
            """CREATE TABLE idempotency (
                user_id TEXT NOT NULL,
                key TEXT NOT NULL,
                seq BIGINT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                result BYTEA,
                PRIMARY KEY (user_id, key)
            )""",
            "CREATE INDEX idempotency_age ON idempotency (user_id, created_at)",
            """CREATE TABLE sync_states (
                user_id TEXT PRIMARY KEY,
                data BYTEA NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE sessions (
                session_id TEXT PRIMARY KEY,
                username TEXT NOT NULL,
                instance_id TEXT NOT NULL,
                db_etag TEXT,
                last_access DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                status TEXT NOT NULL
            )""",
            "CREATE INDEX sessions_by_username ON sessions (username)",
            "CREATE INDEX sessions_active_expiry ON sessions (expires_at) WHERE status = 'active'",
            """CREATE TABLE session_claims (
                username TEXT PRIMARY KEY,
                session_id TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
        ),
    ),
)

VERSION_TABLE = "javumbo_schema_migrations"
# Any constant shared by every Javumbo process: the key of the upgrade's advisory lock.
UPGRADE_LOCK_KEY = 0x4A41_5655_4D42_4F31  # "JAVUMBO1"


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer release than this code."""


@dataclass
class UpgradeReport:
    applied: list[int] = field(default_factory=list)
    version: int = 0


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1].version if migrations else 0


def current_version(conn: psycopg.Connection[TupleRow]) -> int:
    """The newest applied migration (0 for an empty database)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}").fetchone()
    return int(row[0]) if row else 0


def upgrade(
    conn: psycopg.Connection[TupleRow], migrations: Sequence[Migration] = MIGRATIONS
) -> UpgradeReport:
    """Apply the migrations the database lacks, each in its own transaction."""
    _check_numbering(migrations)
    report = UpgradeReport()
    conn.commit()  # start from no open transaction
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK_KEY,))
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
            " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    while True:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (UPGRADE_LOCK_KEY,))
            version = current_version(conn)
            if version > latest_version(migrations):
                raise SchemaTooNewError(
                    f"the database is at schema version {version}, newer than this release"
                    f" knows ({latest_version(migrations)}): upgrade Javumbo"
                )
            pending = [m for m in migrations if m.version > version]
            if not pending:
                report.version = version
                return report
            migration = pending[0]
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                f"INSERT INTO {VERSION_TABLE} (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
            report.applied.append(migration.version)


def _check_numbering(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3...; got {versions}")
