"""The ports of the storage layer, as small ``typing.Protocol`` classes.

``BlobStore`` holds objects; the small records are cut by what they are about (``UserStore``,
``JournalStore``, ``IdempotencyStore``, ``SyncStateStore``, ``SessionStore``, ``LeaseStore``),
and ``MetaStore`` is all of them, as each metastore adapter implements them in one class. Code
types against the narrow port it uses. Every adapter passes the contract suite of each port
(``tests/stores/``). Conditional operations
are the correctness backbone of the storage engine: ``append_journal`` is the fence that stops a
stale instance from writing, ``move_head_snapshot`` the one that stops a stale flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol


class StoreError(Exception):
    """Base of store errors."""


class StoreUnavailableError(StoreError):
    """The backend did not answer (emulator stopped, timeout, throttling): retry later (503)."""


class BlobNotFoundError(StoreError, KeyError):
    """No object under that key."""


class BlobExistsError(StoreError):
    """A create-only put found the key already taken."""


class ConditionFailedError(StoreError):
    """A conditional metastore write lost: someone else moved the record first."""


class DuplicateIdempotencyKeyError(ConditionFailedError):
    """``append_journal`` was given an idempotency key that an earlier entry already used: the
    operation was applied before (at ``seq``), so the caller must not apply it again."""

    def __init__(self, user_id: str, key: str, seq: int | None) -> None:
        super().__init__(f"idempotency key {key!r} of user {user_id!r} already used (seq {seq})")
        self.user_id = user_id
        self.key = key
        self.seq = seq


class PayloadTooLargeError(StoreError, ValueError):
    """A journal payload above ``MAX_JOURNAL_PAYLOAD_BYTES``: flush a snapshot instead."""


# DynamoDB items are capped at 400 KB; keep room for keys and attributes. Every adapter
# enforces the same bound so the embedded mode exercises the same "too large" path.
MAX_JOURNAL_PAYLOAD_BYTES = 350 * 1024
# How long a used idempotency key is remembered: far longer than any client retries a request,
# and bounded, so a user's keys do not pile up forever (one per review).
IDEMPOTENCY_RETENTION_SECONDS = 7 * 86400
# The largest sync state kept in the metastore (a DynamoDB item holds 400 KiB in all).
MAX_SYNC_STATE_BYTES = 300 * 1024
# The largest answer kept with an idempotency key for retries.
MAX_IDEMPOTENCY_RESULT_BYTES = 8 * 1024


class UserExistsError(StoreError):
    """A user with that username already exists."""


class UserNotFoundError(StoreError, KeyError):
    """No user with that username (raised by updates; reads return ``None`` instead)."""


@dataclass(frozen=True)
class BlobInfo:
    key: str
    etag: str
    size: int


@dataclass(frozen=True)
class Blob:
    data: bytes
    etag: str


class ByteSource(Protocol):
    """Anything ``put_stream`` can read: a file, a zip entry, a metered wrapper."""

    def read(self, size: int = -1, /) -> bytes: ...


class BlobStore(Protocol):
    """Immutable-ish objects by key (collections' snapshots, media)."""

    def get(self, key: str) -> Blob:
        """The object's bytes and ETag; ``BlobNotFoundError`` if absent."""
        ...

    def get_to_file(self, key: str, path: Path) -> BlobInfo:
        """Stream the object into ``path`` (written atomically); ``BlobNotFoundError`` if absent."""
        ...

    def put(self, key: str, data: bytes | BinaryIO) -> str:
        """Store (overwriting) and return the new ETag."""
        ...

    def put_stream(self, key: str, stream: ByteSource) -> BlobInfo:
        """Store (overwriting) everything ``stream`` yields, read in bounded chunks so the
        object is never whole in memory; the new ETag and size. When ``stream.read`` raises,
        the put is abandoned: the previous object (or none) stays, no part of the new one."""
        ...

    def put_if_absent(self, key: str, data: bytes | BinaryIO) -> str:
        """Create-only put; ``BlobExistsError`` when the key exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def head(self, key: str) -> BlobInfo | None:
        """Metadata of the object, or ``None`` when it does not exist."""
        ...

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        """Objects whose key starts with ``prefix``, in key order."""
        ...


@dataclass(frozen=True)
class UploadForm:
    """Where a browser posts one file straight into the blob store: ``url`` with ``fields``
    (then the file as the form's ``file`` field), good for one object ``key`` until
    ``expires_in`` seconds have passed and no larger than the size it was made for."""

    url: str
    fields: dict[str, str]
    key: str
    expires_in: int


class DirectTransfers(Protocol):
    """Big files moved by the browser straight to and from the blob store with presigned
    requests, past the API's own body limit (API Gateway's 6 MB on Lambda)."""

    def upload_form(self, key: str, *, max_bytes: int, expires_in: int) -> UploadForm:
        """A form that stores one file of 1 to ``max_bytes`` bytes under ``key``."""
        ...

    def download_url(self, key: str, *, filename: str, expires_in: int) -> str:
        """A URL that downloads ``key`` as an attachment named ``filename``."""
        ...


@dataclass(frozen=True)
class UserRecord:
    username: str
    user_id: str
    password_hash: str
    created_at: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Head:
    """Where a user's collection stands: the last journal seq and the snapshot it builds on."""

    user_id: str
    seq: int = 0
    snapshot_key: str | None = None
    snapshot_seq: int = 0
    snapshot_etag: str | None = None


@dataclass(frozen=True)
class JournalEntry:
    user_id: str
    seq: int
    payload: bytes
    idempotency_key: str | None = None
    created_at: float = 0.0


@dataclass(frozen=True)
class SessionRecord:
    """One review session: its user, the instance serving it, and until when it lasts."""

    session_id: str
    username: str
    instance_id: str
    db_etag: str | None
    last_access: float
    expires_at: float
    status: str = "active"  # "active" | "closed"


def check_sync_state(data: bytes) -> None:
    if len(data) > MAX_SYNC_STATE_BYTES:
        raise ValueError(f"a sync state is at most {MAX_SYNC_STATE_BYTES} bytes, got {len(data)}")


def check_idempotency_result(result: bytes | None) -> None:
    if result is not None and len(result) > MAX_IDEMPOTENCY_RESULT_BYTES:
        raise ValueError(
            f"an idempotency result is at most {MAX_IDEMPOTENCY_RESULT_BYTES} bytes,"
            f" got {len(result)}"
        )


def check_journal_append(expected_seq: int, payload: bytes) -> None:
    """Refuse what no adapter can append, before any backend call."""
    if expected_seq < 0:
        raise ValueError(f"expected_seq must be >= 0, got {expected_seq}")
    if len(payload) > MAX_JOURNAL_PAYLOAD_BYTES:
        raise PayloadTooLargeError(
            f"journal payload of {len(payload)} bytes exceeds {MAX_JOURNAL_PAYLOAD_BYTES}"
        )


SESSION_MUTABLE_FIELDS = frozenset(
    {"instance_id", "db_etag", "last_access", "expires_at", "status"}
)


def check_session_changes(changes: dict[str, Any]) -> None:
    """``ValueError`` for a field ``update_session`` may not change (the id, the username)."""
    unknown = set(changes) - SESSION_MUTABLE_FIELDS
    if unknown:
        raise ValueError(f"session fields that cannot be updated: {sorted(unknown)}")
    status = changes.get("status")
    if status is not None and status not in ("active", "closed"):
        raise ValueError(f"session status must be 'active' or 'closed', got {status!r}")


@dataclass(frozen=True)
class Lease:
    name: str
    owner: str
    expires_at: float


class UserStore(Protocol):
    """User records by username (login, registration, a user's attributes)."""

    def create_user(self, user: UserRecord) -> None:
        """``UserExistsError`` when the username is taken."""
        ...

    def get_user(self, username: str) -> UserRecord | None: ...

    def update_user_attributes(self, username: str, attributes: dict[str, Any]) -> None:
        """Merge ``attributes`` (JSON-serialisable values) into the user's record (e.g. a sync
        host key); ``UserNotFoundError`` if there is no such user."""
        ...

    def list_users(self) -> list[UserRecord]:
        """Every user, by username (for the operator's ``javumbo user list``)."""
        ...


class JournalStore(Protocol):
    """A user's head and journal: the fenced append and the snapshot pointer of the engine."""

    def get_head(self, user_id: str) -> Head:
        """The user's head; a user with none yet gets ``Head(user_id)`` (seq 0, no snapshot)."""
        ...

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
        """Atomically: if head.seq == expected_seq, set it to expected_seq + 1 and store the
        entry (and the idempotency key, if given, with ``idempotency_result``: a small answer
        for a retry even after the entry is trimmed; at most ``MAX_IDEMPOTENCY_RESULT_BYTES``).
        Returns the new seq. ``ConditionFailedError`` when head.seq moved;
        ``DuplicateIdempotencyKeyError`` (a subclass) when the idempotency key is already used,
        checked first: a retry is recognised even if head.seq moved. ``PayloadTooLargeError``
        above ``MAX_JOURNAL_PAYLOAD_BYTES``."""
        ...

    def read_journal(self, user_id: str, after_seq: int) -> list[JournalEntry]:
        """Entries with seq > after_seq, ascending."""
        ...

    def move_head_snapshot(
        self,
        user_id: str,
        expected_snapshot_key: str | None,
        snapshot_key: str,
        snapshot_seq: int,
        snapshot_etag: str,
    ) -> None:
        """Point the head at a new snapshot if it still points at ``expected_snapshot_key``
        and ``snapshot_seq`` <= head.seq; else ``ConditionFailedError``."""
        ...

    def trim_journal(self, user_id: str, up_to_seq: int) -> int:
        """Delete entries with seq <= up_to_seq; returns how many were deleted. Idempotency
        keys used ``IDEMPOTENCY_RETENTION_SECONDS`` before the user's newest one may go too (or
        expire by themselves, as DynamoDB's TTL does)."""
        ...


class IdempotencyStore(Protocol):
    """The idempotency keys ``JournalStore.append_journal`` records, looked up on a retry."""

    def find_idempotency_key(self, user_id: str, key: str) -> int | None:
        """The seq of the entry written with this key, if any (kept after the entry is trimmed,
        for at least ``IDEMPOTENCY_RETENTION_SECONDS`` after it was used)."""
        ...

    def get_idempotency_result(self, user_id: str, key: str) -> bytes | None:
        """The ``idempotency_result`` stored with the key (None: none was, or no such key)."""
        ...


class SyncStateStore(Protocol):
    """The user's normal sync in progress (``javumbo.sync.pending``): one small record per
    user."""

    def put_sync_state(self, user_id: str, data: bytes, expires_at: float) -> None:
        """Store the record, replacing any; at most ``MAX_SYNC_STATE_BYTES`` (``ValueError``
        beyond). The backend may delete it some time after ``expires_at``."""
        ...

    def get_sync_state(self, user_id: str) -> bytes | None:
        """The record as stored (expired or not: the caller decides), or None."""
        ...

    def delete_sync_state(self, user_id: str) -> None:
        """Remove the record; a missing one is not an error."""
        ...


class SessionStore(Protocol):
    """Editing sessions, at most one active per user.

    One active session per user is kept by a per-user claim (holding the session id and its
    expires_at): ``create_session`` succeeds only when the user has no claim or the claim's
    expires_at <= now. Closing (status "closed") or deleting the claiming session releases
    the claim; extending its expires_at extends the claim.
    """

    def create_session(self, session: SessionRecord, now: float) -> None:
        """Create if the user has no active, unexpired session; else ``ConditionFailedError``
        (also when the session id exists). ``session.status`` must be "active"."""
        ...

    def get_session(self, session_id: str) -> SessionRecord | None: ...

    def get_user_session(self, username: str) -> SessionRecord | None:
        """The user's active session, expired or not: the claiming one, else the active one
        with the latest expires_at (via the ``username`` index)."""
        ...

    def update_session(self, session_id: str, **changes: Any) -> SessionRecord:
        """Change fields (``SESSION_MUTABLE_FIELDS``, else ``ValueError``) of an existing
        session and return it; ``ConditionFailedError`` if it is gone."""
        ...

    def delete_session(self, session_id: str) -> None:
        """Remove the session (and its claim); a missing session is not an error."""
        ...

    def list_expired_sessions(self, now: float) -> list[SessionRecord]:
        """Active sessions whose ``expires_at`` is past (never trust the backend's TTL)."""
        ...


class LeaseStore(Protocol):
    """Short leases with an owner and an expiry, for work that must not run twice at once."""

    def acquire_lease(self, name: str, owner: str, ttl: float, now: float) -> bool:
        """Take or renew the lease if free, expired or already ours; False if someone holds it."""
        ...

    def release_lease(self, name: str, owner: str) -> None:
        """Release if we still own it (a stolen lease is left alone)."""
        ...

    def get_lease(self, name: str) -> Lease | None:
        """The lease as stored, expired or not (compare ``expires_at`` yourself)."""
        ...


class MetaStore(
    UserStore,
    JournalStore,
    IdempotencyStore,
    SyncStateStore,
    SessionStore,
    LeaseStore,
    Protocol,
):
    """All small records of a deployment, as one adapter class (SQLite, DynamoDB, PostgreSQL)
    implements them. Code that needs only some of them types against the narrow protocol."""

    def purge_user(self, user_id: str, username: str) -> None:
        """Delete every record of the user: head, journal, idempotency records, sync state,
        sessions and their claim, then the user record itself (if it still has ``user_id``).
        Idempotent: running it again finishes a purge that failed half-way."""
        ...
