"""``SyncServer``: each sync endpoint as a method, on top of the storage engine.

It knows nothing of HTTP beyond ``SyncHttpError`` (the blueprint frames requests and answers).
Every change goes through ``UserDatabases.write``, like any web write: journaled, fenced and
counted. The state of a normal sync between ``start`` and ``finish`` is kept in this process
(Anki's clients send all calls of one sync in a few seconds, over one connection); a call that
reaches a process without it gets 409 and the client simply syncs again.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from javumbo.collection.clock import Clock
from javumbo.stores.ports import BlobStore, MetaStore, UserRecord
from javumbo.sync import collection_sync as cs
from javumbo.sync.full_sync import (
    DEFAULT_MAX_COLLECTION_BYTES,
    UploadRejected,
    install_upload,
    prepare_download,
)
from javumbo.sync.host_keys import HostKeys, LoginRateLimiter
from javumbo.sync.media_sync import DEFAULT_MAX_MEDIA_BYTES, MediaQuotaExceeded, MediaSync
from javumbo.sync.protocol import (
    PROTOCOL_MAX,
    PROTOCOL_MIN,
    SyncHttpError,
    bad_request,
    get_int,
    get_list,
)
from javumbo.userdb import UserDatabases


class SyncDependencies(Protocol):
    """What the sync server needs from the app (``javumbo.api.services.Services`` has it)."""

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def meta(self) -> MetaStore: ...

    @property
    def dbs(self) -> UserDatabases: ...

    @property
    def clock(self) -> Clock: ...


@dataclass(frozen=True)
class SyncLimits:
    max_collection_bytes: int = DEFAULT_MAX_COLLECTION_BYTES
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES
    login_failures: int = 5
    login_window_seconds: float = 300.0
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "javumbo-sync")


class SyncServer:
    def __init__(self, deps: SyncDependencies, limits: SyncLimits | None = None) -> None:
        self.deps = deps
        self.limits = limits or SyncLimits()
        self.host_keys = HostKeys(
            deps.meta,
            deps.clock,
            LoginRateLimiter(
                self.limits.login_failures, self.limits.login_window_seconds, deps.clock
            ),
        )
        self._states: dict[str, cs.SyncState] = {}
        self._states_lock = threading.Lock()

    @property
    def dbs(self) -> UserDatabases:
        return self.deps.dbs

    def media(self, user: UserRecord) -> MediaSync:
        return MediaSync(
            self.deps.blobs,
            self.deps.meta,
            user.user_id,
            self.deps.clock,
            max_total_bytes=self.limits.max_media_bytes,
        )

    # ------------------------------------------------------------------ login

    def host_key(self, request: dict[str, Any], address: str) -> dict[str, Any]:
        username, password = request.get("u"), request.get("p")
        if not isinstance(username, str) or not isinstance(password, str):
            raise bad_request("hostKey needs 'u' and 'p'")
        return {"key": self.host_keys.login(username, password, address)}

    def user(self, host_key: str) -> UserRecord:
        return self.host_keys.resolve(host_key)

    # ------------------------------------------------------------------ collection

    def meta(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        version = get_int(request, "v", 0)
        if not PROTOCOL_MIN <= version <= PROTOCOL_MAX:
            raise SyncHttpError(501, "unsupported version")
        media_usn = self.media(user).reconcile()
        with self.dbs.read(user.user_id) as col:
            return cs.sync_meta(col, media_usn)

    def start(self, user: UserRecord, session: str, request: dict[str, Any]) -> Any:
        if not session:
            raise bad_request("missing skey")
        with self.dbs.read(user.user_id) as col:
            state, graves = cs.start(col, session, request)
        with self._states_lock:
            self._states[user.user_id] = state
        return graves

    def _state(self, user: UserRecord, session: str) -> cs.SyncState:
        with self._states_lock:
            state = self._states.get(user.user_id)
        if state is None:
            raise SyncHttpError(409, "no active sync")
        if state.session != session:
            raise SyncHttpError(409, "active sync with different key")
        return state

    def _drop_state(self, user: UserRecord, state: cs.SyncState | None = None) -> None:
        with self._states_lock:
            if state is None or self._states.get(user.user_id) is state:
                self._states.pop(user.user_id, None)

    def apply_graves(self, user: UserRecord, session: str, request: dict[str, Any]) -> None:
        cs.apply_graves(self._state(user, session), request)

    def apply_changes(
        self, user: UserRecord, session: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        state = self._state(user, session)
        with self.dbs.read(user.user_id) as col:
            return cs.apply_changes(col, state, request)

    def chunk(self, user: UserRecord, session: str) -> dict[str, Any]:
        state = self._state(user, session)
        with self.dbs.read(user.user_id) as col:
            return cs.chunk(col, state)

    def apply_chunk(self, user: UserRecord, session: str, request: dict[str, Any]) -> None:
        cs.apply_chunk(self._state(user, session), request)

    def sanity_check(
        self, user: UserRecord, session: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        state = self._state(user, session)
        client = cs.check_client_counts(request)
        try:
            mod = self._commit(user, state, client)
        except cs.SanityCheckFailed as exc:
            self._drop_state(user, state)
            return {"status": "bad", "c": exc.client, "s": exc.server}
        state.committed_mod = mod
        return {"status": "ok", "c": client, "s": client}

    def finish(self, user: UserRecord, session: str) -> int:
        state = self._state(user, session)
        mod = state.committed_mod
        if mod is None:
            mod = self._commit(user, state, None)
        self._drop_state(user, state)
        return mod

    def _commit(self, user: UserRecord, state: cs.SyncState, client: list[Any] | None) -> int:
        try:
            mod = self.dbs.write(user.user_id, lambda col: cs.commit(col, state, client))
        except SyncHttpError:
            self._drop_state(user, state)
            raise
        with self.dbs.read(user.user_id) as col:
            col.reload()
        return mod

    def abort(self, user: UserRecord) -> None:
        self._drop_state(user)

    def upload(self, user: UserRecord, data: bytes) -> str:
        self._drop_state(user)
        try:
            install_upload(
                self.dbs,
                user.user_id,
                data,
                workdir=self.limits.workdir,
                max_bytes=self.limits.max_collection_bytes,
            )
        except UploadRejected as exc:
            return str(exc)
        return "OK"

    def download(self, user: UserRecord) -> bytes:
        self._drop_state(user)
        return prepare_download(self.dbs, user.user_id, self.limits.workdir)

    # ------------------------------------------------------------------ media

    def media_begin(self, user: UserRecord, host_key: str) -> dict[str, Any]:
        return _ok({"usn": self.media(user).reconcile(), "sk": host_key})

    def media_changes(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        return _ok(self.media(user).changes(get_int(request, "lastUsn")))

    def media_upload(self, user: UserRecord, zip_data: bytes) -> dict[str, Any]:
        try:
            return _ok(self.media(user).upload(zip_data))
        except MediaQuotaExceeded as exc:
            return {"err": str(exc)}

    def media_download(self, user: UserRecord, request: dict[str, Any]) -> bytes:
        return self.media(user).download(get_list(request, "files"))

    def media_sanity(self, user: UserRecord, request: dict[str, Any]) -> dict[str, Any]:
        return _ok(self.media(user).sanity(get_int(request, "local")))


def _ok(data: Any) -> dict[str, Any]:
    return {"data": data, "err": ""}
