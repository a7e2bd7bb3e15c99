"""``javumbo migrate``: move a one-server installation into the configured stores.

The source layout (the original single-server app):

- ``--admin-db PATH``: an SQLite file with a ``users`` table holding at least ``username`` and
  ``password_hash`` (or ``password``) columns; an ``id`` column is used if present. Hashes are
  werkzeug's (``pbkdf2:…``, ``scrypt:…``) or argon2 (``$argon2…``); werkzeug ones keep working
  and become argon2id at the user's next login (``javumbo.accounts``).
- ``--collections DIR`` (default: ``user_files`` beside the admin database): one Anki
  collection per user, found by the first existing name among ``--collection-name`` templates
  (default ``{username}.anki2``, ``{username}/collection.anki2``, ``user_{id}.anki2``).

Usernames are lower-cased as the API does, and must be valid API usernames.

Per user, in order: check the source (a private copy: ``PRAGMA integrity_check`` and
``Collection.open``), store it as the user's first snapshot (userdb's key and head), download it
again and check it (ETag and MD5, integrity, the same row counts), and only then create the user
record — the commit point. The record keeps ``migration.source_sha256``, so a second run finds
the user migrated from the same bytes and changes nothing; an interrupted run is resumed because
user ids are derived from the username (the half-installed snapshot is simply written again).
A user who already exists is left alone unless ``--force``, which replaces their collection
through the storage engine (their previous state stays as a kept snapshot) and keeps their
password. Bad inputs are reported per user and do not stop the others. One migration at a time:
a lease ``migrate`` in the metastore.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from javumbo.accounts.legacy_hashes import is_legacy_hash
from javumbo.collection.errors import InvalidCollectionError
from javumbo.ops.collection_checks import CheckedCollection, checked_copy, verify_stored_snapshot
from javumbo.ops.user_collections import (
    TargetNotEmptyError,
    install_first_snapshot,
    operator_databases,
    replace_collection,
)
from javumbo.settings import Settings
from javumbo.stores.ports import BlobStore, MetaStore, StoreError, UserExistsError, UserRecord
from javumbo.userdb import StorageEngine
from javumbo.usernames import canonical_username

DEFAULT_COLLECTION_NAMES = ("{username}.anki2", "{username}/collection.anki2", "user_{id}.anki2")
MIGRATION_ATTRIBUTE = "migration"
LEASE_NAME = "migrate"
LEASE_SECONDS = 900.0
_USER_ID_NAMESPACE = uuid.UUID("5b0c5d1e-3c1a-4d4e-9a51-6a7661756d62")


class MigrationError(Exception):
    """The migration cannot start (unreadable admin database, another run in progress)."""


@dataclass(frozen=True)
class SourceUser:
    row: int
    raw_username: str
    username: str
    password_hash: str
    legacy_id: str | None


@dataclass
class UserOutcome:
    username: str
    status: str  # migrated | would-migrate | replaced | would-replace | unchanged | skipped
    reason: str = ""
    source: str = ""
    raw_bytes: int = 0
    stored_bytes: int = 0
    snapshot_key: str | None = None


@dataclass
class MigrationReport:
    dry_run: bool
    users: list[UserOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for u in self.users if u.status == status)

    @property
    def skipped(self) -> list[UserOutcome]:
        return [u for u in self.users if u.status == "skipped"]

    @property
    def bytes_moved(self) -> int:
        return sum(u.stored_bytes for u in self.users if u.status in ("migrated", "replaced"))

    def summary(self) -> dict[str, int]:
        return dict(Counter(u.status for u in self.users))

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "bytes_moved": self.bytes_moved,
            "users": [asdict(u) for u in self.users],
        }


def migrated_user_id(username: str) -> str:
    """Stable per username, so a resumed run finds what an interrupted one started."""
    return uuid.uuid5(_USER_ID_NAMESPACE, username).hex


def read_admin_users(admin_db: Path) -> tuple[list[SourceUser], list[UserOutcome]]:
    """The usable users of the admin database, and outcomes for rows that are not usable."""
    if not admin_db.is_file():
        raise MigrationError(f"no admin database at {admin_db}")
    try:
        db = sqlite3.connect(f"{admin_db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise MigrationError(f"cannot open {admin_db}: {exc}") from exc
    try:
        columns = {r[1] for r in db.execute("pragma table_info(users)")}
        hash_column = next((c for c in ("password_hash", "password") if c in columns), None)
        if "username" not in columns or hash_column is None:
            raise MigrationError(
                f"{admin_db} has no users table with username and password_hash columns"
            )
        id_expr = "id" if "id" in columns else "null"
        rows = db.execute(
            f"select rowid, username, {hash_column}, {id_expr} from users order by rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise MigrationError(f"cannot read users from {admin_db}: {exc}") from exc
    finally:
        db.close()
    return _usable_users(rows)


def _usable_users(rows: list[tuple[Any, ...]]) -> tuple[list[SourceUser], list[UserOutcome]]:
    candidates: list[SourceUser] = []
    bad: list[UserOutcome] = []
    for rowid, raw_name, password_hash, legacy_id in rows:
        raw = str(raw_name or "")
        name = canonical_username(raw)
        if name is None:
            bad.append(UserOutcome(raw, "skipped", "username is not valid for the API"))
            continue
        if not isinstance(password_hash, str) or not _usable_hash(password_hash):
            bad.append(UserOutcome(name, "skipped", "password hash of an unsupported scheme"))
            continue
        legacy = None if legacy_id is None else str(legacy_id)
        candidates.append(SourceUser(int(rowid), raw, name, password_hash, legacy))
    seen = Counter(u.username for u in candidates)
    users = [u for u in candidates if seen[u.username] == 1]
    for name in sorted(n for n, count in seen.items() if count > 1):
        rows_of = [str(u.row) for u in candidates if u.username == name]
        reason = f"duplicate username in the admin database (rows {', '.join(rows_of)})"
        bad.append(UserOutcome(name, "skipped", reason))
    return users, bad


def _usable_hash(password_hash: str) -> bool:
    return is_legacy_hash(password_hash) or password_hash.startswith("$argon2")


def find_collection(user: SourceUser, collections: Path, templates: Sequence[str]) -> Path | None:
    for template in templates:
        if "{id}" in template and user.legacy_id is None:
            continue
        for name in dict.fromkeys((user.raw_username, user.username)):
            relative = template.format(username=name, id=user.legacy_id)
            candidate = collections / relative
            if collections.resolve() not in candidate.resolve().parents:
                continue  # a username like "../x" must not reach outside the folder
            if candidate.is_file():
                return candidate
    return None


Progress = Callable[[UserOutcome, int], None]


@dataclass
class Migration:
    """One run over the source; ``run`` returns the report."""

    settings: Settings
    blobs: BlobStore
    meta: MetaStore
    admin_db: Path
    collections: Path
    templates: Sequence[str] = DEFAULT_COLLECTION_NAMES
    dry_run: bool = False
    force: bool = False
    progress: Progress | None = None
    now: Callable[[], float] = time.time
    owner: str = field(default_factory=lambda: f"migrate-{uuid.uuid4().hex[:12]}")

    def source_bytes(self, users: list[SourceUser]) -> int:
        """Total size of the collection files found (for a byte-based progress bar)."""
        total = 0
        for user in users:
            path = find_collection(user, self.collections, self.templates)
            total += path.stat().st_size if path is not None else 0
        return total

    def run(self, users: list[SourceUser] | None = None) -> MigrationReport:
        if users is None:
            users, bad = read_admin_users(self.admin_db)
        else:
            bad = []
        report = MigrationReport(self.dry_run, list(bad))
        if not self.dry_run:
            self._take_lease()
        try:
            with (
                tempfile.TemporaryDirectory(prefix="javumbo-migrate-") as scratch,
                operator_databases(self.settings, self.blobs, self.meta) as engine,
            ):
                for user in users:
                    outcome = self._migrate_user(user, Path(scratch) / "work", engine)
                    report.users.append(outcome)
                    if self.progress is not None:
                        self.progress(outcome, outcome.raw_bytes)
                    if not self.dry_run:
                        self._take_lease()
        finally:
            if not self.dry_run:
                self.meta.release_lease(LEASE_NAME, self.owner)
        return report

    def _take_lease(self) -> None:
        if not self.meta.acquire_lease(LEASE_NAME, self.owner, LEASE_SECONDS, self.now()):
            raise MigrationError("another migration is running (lease 'migrate' is held)")

    def _migrate_user(self, user: SourceUser, workdir: Path, engine: StorageEngine) -> UserOutcome:
        outcome = UserOutcome(user.username, "skipped")
        source = find_collection(user, self.collections, self.templates)
        if source is None:
            outcome.reason = f"no collection file for {user.raw_username!r} in {self.collections}"
            return outcome
        outcome.source = str(source)
        try:
            checked = checked_copy(source, workdir)
        except InvalidCollectionError as exc:
            outcome.reason = f"corrupt collection {source.name}: {exc}"
            return outcome
        try:
            return self._place(user, checked, outcome, workdir, engine)
        except (StoreError, InvalidCollectionError, TargetNotEmptyError) as exc:
            outcome.status, outcome.reason = "skipped", f"{type(exc).__name__}: {exc}"
            return outcome
        finally:
            checked.path.unlink(missing_ok=True)

    def _place(
        self,
        user: SourceUser,
        checked: CheckedCollection,
        outcome: UserOutcome,
        workdir: Path,
        engine: StorageEngine,
    ) -> UserOutcome:
        outcome.raw_bytes = checked.path.stat().st_size
        existing = self.meta.get_user(user.username)
        if existing is not None:
            return self._existing_user(existing, checked, outcome, engine)
        if self.dry_run:
            outcome.status = "would-migrate"
            return outcome
        user_id = migrated_user_id(user.username)
        installed = install_first_snapshot(self.blobs, self.meta, user_id, checked.path, workdir)
        verify_stored_snapshot(
            self.blobs,
            installed.key,
            expected_etag=installed.etag,
            expected_counts=checked.counts,
            workdir=workdir,
        )
        head = self.meta.get_head(user_id)
        if head.snapshot_key != installed.key or head.snapshot_etag != installed.etag:
            raise TargetNotEmptyError(f"the head of {user_id} moved during the migration")
        record = UserRecord(
            username=user.username,
            user_id=user_id,
            password_hash=user.password_hash,
            created_at=self.now(),
            attributes={MIGRATION_ATTRIBUTE: self._provenance(checked, installed.key)},
        )
        try:
            self.meta.create_user(record)
        except UserExistsError:
            outcome.reason = "the user was created in the target while migrating"
            return outcome
        outcome.status = "migrated"
        outcome.stored_bytes = installed.stored_bytes
        outcome.snapshot_key = installed.key
        return outcome

    def _existing_user(
        self,
        existing: UserRecord,
        checked: CheckedCollection,
        outcome: UserOutcome,
        engine: StorageEngine,
    ) -> UserOutcome:
        provenance = existing.attributes.get(MIGRATION_ATTRIBUTE) or {}
        head = self.meta.get_head(existing.user_id)
        same = provenance.get("source_sha256") == checked.source_sha256
        if same and head.snapshot_key is not None:
            outcome.status, outcome.reason = "unchanged", "already migrated from the same file"
            return outcome
        if not self.force:
            outcome.reason = "the user already exists in the target (--force replaces the data)"
            return outcome
        if self.dry_run:
            outcome.status = "would-replace"
            return outcome
        replaced = replace_collection(engine, existing.user_id, checked.path)
        key = replaced.snapshot_key
        info = self.blobs.head(key)
        verify_stored_snapshot(
            self.blobs,
            key,
            expected_etag=info.etag if info is not None else "",
            expected_counts=checked.counts,
            workdir=checked.path.parent,
        )
        self.meta.update_user_attributes(
            existing.username, {MIGRATION_ATTRIBUTE: self._provenance(checked, key)}
        )
        outcome.status = "replaced"
        outcome.stored_bytes = replaced.uploaded_bytes
        outcome.snapshot_key = key
        return outcome

    def _provenance(self, checked: CheckedCollection, key: str | None) -> dict[str, Any]:
        return {
            "source_sha256": checked.source_sha256,
            "source_bytes": checked.source_bytes,
            "counts": checked.counts,
            "snapshot_key": key,
            "migrated_at": self.now(),
        }


def format_report(report: MigrationReport) -> str:
    lines = []
    width = max((len(u.username) for u in report.users), default=8)
    for outcome in report.users:
        size = f"{outcome.stored_bytes or outcome.raw_bytes:>12,} B"
        why = f"  {outcome.reason}" if outcome.reason else ""
        lines.append(f"{outcome.username:<{width}}  {outcome.status:<13} {size}{why}")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(report.summary().items()))
    prefix = "dry run: " if report.dry_run else ""
    lines.append(
        f"{prefix}{len(report.users)} users: {summary or 'none'}; "
        f"{report.bytes_moved:,} bytes stored"
    )
    return "\n".join(lines)
