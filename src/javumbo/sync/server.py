"""``SyncServer``: each sync endpoint as a method, on top of the storage engine.

It knows nothing of HTTP beyond ``SyncHttpError`` (the blueprint frames requests and answers).
Every change goes through the storage engine like any web write: journaled, fenced and counted
(``StorageEngine.write``; a full upload is ``StorageEngine.replace_collection``). Nothing lives
in this process between calls: the state of a normal sync between ``start`` and ``finish`` is
kept in the stores (``pending.py``), so consecutive calls may reach different instances. The
commit carries an idempotency key, so a ``finish`` (or a repeated ``sanityCheck2``) served
anywhere finds it instead of applying the sync twice.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from javumbo.collection.clock import Clock
from javumbo.settings import Settings
from javumbo.stores.local import private_directory
from javumbo.stores.ports import BlobStore, MetaStore, UserRecord
from javumbo.sync import collection_sync as cs
from javumbo.sync.full_sync import (
    DEFAULT_MAX_COLLECTION_BYTES,
    UploadRejected,
    install_upload,
    prepare_download,
)
from javumbo.sync.host_keys import HostKeys, LoginAttempts
from javumbo.sync.media_sync import TARGET_ZIP_BYTES, MediaSync
from javumbo.sync.pending import DEFAULT_MAX_BYTES, DEFAULT_TTL_SECONDS, PendingSyncs
from javumbo.sync.protocol import (
    PROTOCOL_MAX,
    PROTOCOL_MIN,
    SyncHttpError,
    bad_request,
    get_int,
    get_list,
)
from javumbo.sync.request_body import MIB, BodyLimit
from javumbo.userdb import AlreadyApplied, StorageEngine
from javumbo.userdb.media import MediaLimits, MediaQuotaError

DEFAULT_MAX_JSON_BODY_BYTES = 64 * MIB
UPLOAD_MARGIN_BYTES = 1 * MIB
# Under the data folder, beside what ``javumbo serve`` keeps there (never a shared /tmp).
TEMP_FOLDER = "tmp"
MEDIA_ROOM_ADVICE = "Remove unused media (Tools > Check Media) and sync again."


class SyncDependencies(Protocol):
    """What the sync server needs from the app (``javumbo.api.services.Services`` has it)."""

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def meta(self) -> MetaStore: ...

    @property
    def engine(self) -> StorageEngine: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def login_throttle(self) -> LoginAttempts: ...


@dataclass(frozen=True)
class SyncLimits:
    """The sync server's caps; ``None`` fields come from the app's settings (see
    ``SyncServer``): the user's media allowance, the one imports and uploads share, and a
    private work folder under the data folder."""

    max_collection_bytes: int = DEFAULT_MAX_COLLECTION_BYTES
    media: MediaLimits | None = None
    # One JSON call of a sync in progress (start, applyGraves, applyChanges, applyChunk).
    max_json_body_bytes: int = DEFAULT_MAX_JSON_BODY_BYTES
    # One media upload zip (None: the largest media file plus twice Anki's target zip size;
    # Anki's client closes a zip once it passes that target).
    max_media_upload_bytes: int | None = None
    max_pending_sync_bytes: int = DEFAULT_MAX_BYTES
    pending_sync_ttl_seconds: float = DEFAULT_TTL_SECONDS
    workdir: Path | None = None

    def json_body(self) -> BodyLimit:
        return BodyLimit(self.max_json_body_bytes)

    def upload_body(self) -> BodyLimit:
        # A little above the collection limit, so an oversized upload still gets its message.
        return BodyLimit(self.max_collection_bytes + UPLOAD_MARGIN_BYTES)

    def media_upload_body(self) -> BodyLimit:
        if self.max_media_upload_bytes is not None:
            return BodyLimit(self.max_media_upload_bytes)
        largest_file = (self.media or MediaLimits()).max_file_bytes
        return BodyLimit(largest_file + 2 * TARGET_ZIP_BYTES)

    def largest_body(self) -> BodyLimit:
        return max(
            (self.json_body(), self.upload_body(), self.media_upload_body()),
            key=lambda limit: limit.output,
        )

    def resolved(self, settings: Settings) -> SyncLimits:
        """These limits with what was left to the settings filled in."""
        return replace(
            self,
            media=self.media or MediaLimits.from_settings(settings),
            workdir=self.workdir or settings.data_dir / TEMP_FOLDER / "sync",
        )


class SyncServer:
    def __init__(self, deps: SyncDependencies, limits: SyncLimits | None = None) -> None:
        self.deps = deps
        self.limits = (limits or SyncLimits()).resolved(deps.engine.settings)
        self.host_keys = HostKeys(deps.meta, deps.clock, deps.login_throttle)
        self._committed = _RecentCommits()
        self.pending = PendingSyncs(
            deps.blobs,
            deps.meta,
            deps.clock,
            ttl=self.limits.pending_sync_ttl_seconds,
            max_bytes=self.limits.max_pending_sync_bytes,
        )

    @property
    def engine(self) -> StorageEngine:
        return self.deps.engine

    @property
    def workdir(self) -> Path:
        """The private folder (0700) for uploads on their way in."""
        assert self.limits.workdir is not None  # resolved
        return self.limits.workdir

    def media(self, user: UserRecord) -> MediaSync:
        return MediaSync(
            self.deps.blobs,
            self.deps.meta,
            user.user_id,
            self.deps.clock,
            limits=self.limits.media,
            scratch=self._private_workdir(),
        )

    def _private_workdir(self) -> Path:
        workdir = self.workdir
        if workdir.parent.name == TEMP_FOLDER:
            private_directory(workdir.parent)
        return private_directory(workdir)

    # ------------------------------------------------------------------ login

    def host_key(self, request: dict[str, Any], address: str) -> dict[str, Any]:
        username, password = request.get("u"), request.get("p")
        if not isinstance(username, str) or not isinstance(password, str):
            raise bad_request("hostKey needs 'u' and 'p'")
        return {"key": self.host_keys.login(username, password, address)}

    def user(self, host_key: str, session: str = "", *, first_call: bool = False) -> UserRecord:
        """The caller's user; within one sync the key is checked by its first call (``meta``)."""
        return self.host_keys.resolve(host_key, session, fresh=first_call)

    # ------------------------------------------------------------------ collection

    def meta(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        version = get_int(request, "v", 0)
        if not PROTOCOL_MIN <= version <= PROTOCOL_MAX:
            raise SyncHttpError(501, "unsupported version")
        media_usn = self.media(user).reconcile()
        with self.engine.read(user.user_id) as col:
            return cs.sync_meta(col, media_usn)

    def start(self, user: UserRecord, session: str, request: dict[str, Any]) -> Any:
        if not session:
            raise bad_request("missing skey")
        with self.pending.lock(user.user_id):
            with self.engine.read(user.user_id) as col:
                state, graves, legacy = cs.start(col, session, request, self.deps.clock.now())
            self.pending.begin(user.user_id, state)
            if legacy is not None:
                self.pending.add_part(user.user_id, state, legacy)
        return graves

    def apply_graves(self, user: UserRecord, session: str, request: dict[str, Any]) -> None:
        part = cs.graves_part(request)
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            self.pending.add_part(user.user_id, state, part)

    def apply_changes(
        self, user: UserRecord, session: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        part = cs.changes_part(request)
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            with self.engine.read(user.user_id) as col:
                answer = cs.server_changes(col, state)
            if not cs.is_empty_changes(part):
                self.pending.add_part(user.user_id, state, part)  # saves the state too
            elif _sent_web_objects(state):
                self.pending.save(user.user_id, state)
        return answer

    def chunk(self, user: UserRecord, session: str) -> dict[str, Any]:
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            sent_before = sum(len(rows) for rows in state.sent_rows.values())
            with self.engine.read(user.user_id) as col:
                answer = cs.chunk(col, state)
            sent_now = sum(len(rows) for rows in state.sent_rows.values())
            # After the last chunk only the digests of web rows sent matter (for the commit),
            # so a last chunk that sent none needs no write: one PUT fewer for most pulls.
            if not answer["done"] or sent_now != sent_before:
                self.pending.save(user.user_id, state)
        return answer

    def apply_chunk(self, user: UserRecord, session: str, request: dict[str, Any]) -> None:
        part = cs.rows_part(request)
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            if part is not None:
                self.pending.add_part(user.user_id, state, part)

    def sanity_check(
        self, user: UserRecord, session: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        client = cs.check_client_counts(request)
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            try:
                self._commit(user, state, client)
            except cs.SanityCheckFailed as exc:
                self.pending.discard(user.user_id, state)
                return {"status": "bad", "c": exc.client, "s": exc.server}
        return {"status": "ok", "c": client, "s": client}

    def finish(self, user: UserRecord, session: str) -> int:
        with self.pending.lock(user.user_id):
            state = self.pending.get(user.user_id, session)
            mod = self._committed.pop(state.commit_key, None)
            if mod is None:  # no sanity check, or it was served by another instance
                mod = self._commit(user, state, None)
            self.pending.discard(user.user_id, state)
        return mod

    def _commit(self, user: UserRecord, state: cs.SyncState, client: list[Any] | None) -> int:
        """Apply the sync once (a second call finds the first by its idempotency key)."""
        incoming: list[cs.Incoming] = []

        def apply(col: Any) -> int:
            if not incoming:
                incoming.append(cs.incoming_from_parts(self.pending.parts(user.user_id, state)))
            return cs.commit(col, state, incoming[0], client)

        try:
            result = self.engine.write(user.user_id, apply, idempotency_key=state.commit_key)
        except SyncHttpError:
            self.pending.discard(user.user_id, state)
            raise
        if isinstance(result, AlreadyApplied):
            if isinstance(result.result, int):
                mod = result.result
            else:
                with self.engine.read(user.user_id) as col:
                    mod = col.mod
        else:
            mod = result
        self._committed.remember(state.commit_key, mod)
        return mod

    def abort(self, user: UserRecord) -> None:
        self.pending.discard(user.user_id)

    @contextlib.contextmanager
    def temporary_file(self) -> Iterator[Path]:
        """A new file name in the server's work folder; the file (and SQLite's companions) is
        removed afterwards."""
        path = self._private_workdir() / f"upload-{uuid.uuid4().hex}"
        try:
            yield path
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def upload(self, user: UserRecord, path: Path) -> str:
        """Install the uploaded collection at ``path`` (a file of ``temporary_file``)."""
        self.pending.discard(user.user_id)
        try:
            install_upload(
                self.engine, user.user_id, path, max_bytes=self.limits.max_collection_bytes
            )
        except UploadRejected as exc:
            return str(exc)
        return "OK"

    def download(self, user: UserRecord) -> bytes:
        self.pending.discard(user.user_id)
        return prepare_download(self.engine, user.user_id)

    # ------------------------------------------------------------------ media

    def media_begin(self, user: UserRecord, host_key: str) -> dict[str, Any]:
        return _ok({"usn": self.media(user).reconcile(), "sk": host_key})

    def media_changes(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        return _ok(self.media(user).changes(get_int(request, "lastUsn")))

    def media_upload(self, user: UserRecord, zip_path: Path) -> dict[str, Any]:
        try:
            return _ok(self.media(user).upload(zip_path))
        except MediaQuotaError as exc:
            return {"err": f"{exc.message}. {MEDIA_ROOM_ADVICE}"}

    def media_download(self, user: UserRecord, request: dict[str, Any]) -> bytes:
        return self.media(user).download(get_list(request, "files"))

    def media_sanity(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        return _ok(self.media(user).sanity(get_int(request, "local")))


class _RecentCommits:
    """Syncs this process committed lately (commit key -> new mod), so that the ``finish``
    after a ``sanityCheck2`` served here needs no journal lookup. Only a hint: a ``finish``
    served elsewhere finds the commit by its idempotency key."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._mods: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str, mod: int) -> None:
        with self._lock:
            self._mods[key] = mod
            while len(self._mods) > self._size:
                self._mods.popitem(last=False)

    def pop(self, key: str, default: int | None) -> int | None:
        with self._lock:
            return self._mods.pop(key, default)


def _sent_web_objects(state: cs.SyncState) -> bool:
    return bool(state.sent_tags) or any(state.sent_objects.values())


def _ok(data: Any) -> dict[str, Any]:
    return {"data": data, "err": ""}
