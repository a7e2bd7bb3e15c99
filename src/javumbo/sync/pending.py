"""A normal sync in progress, kept in the stores so that any instance can serve any call.

Anki's clients send the calls of one sync (``start`` ... ``finish``) one after the other, but on
Lambda or behind ``javumbo-testbed cluster`` consecutive calls may reach different instances,
so nothing between them may live in one process's memory. Per user there is at most one pending
sync:

* the ``SyncState`` (what the server will send and has sent; small: ids of the server's changed
  rows and digests of web rows sent), rewritten by the calls that change it, as the user's sync
  state record in the metastore (``MetaStore.put_sync_state``: a DynamoDB item, a few ms, where
  an S3 object costs tens), or, if it ever outgrows that record, as the blob
  ``users/<id>/sync/pending/state.json.zst`` with the record saying so;
* ``users/<id>/sync/pending/<session>/<n>.json.zst``: what the client sent (graves, changes,
  rows), one immutable part per call, read once when the sync is committed. Parts keep a big
  push linear: each call writes its own rows instead of rewriting everything received so far.
  The first parts, while they total at most ``INLINE_PART_BYTES``, ride inside the state
  instead (which is rewritten by that call anyway): a small push costs one metastore write per
  call and no blob operation at all.

Bounded: the client's parts may total at most ``max_bytes`` (uncompressed JSON) and a state older
than ``ttl`` seconds is dropped. Cleaned up: ``finish``, ``abort``, a failed sanity check, a full
sync, an expired state and the next ``start`` delete the state and its parts (the parts are
numbered, so no listing is needed; a part whose state update was lost is the next number, which
the clean-up covers too). Two devices of one user syncing at once: the later ``start`` replaces
the earlier sync's state, whose next call gets 409 and syncs again, as with Anki's own server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import zstandard

from javumbo.collection.clock import Clock
from javumbo.stores.ports import MAX_SYNC_STATE_BYTES, BlobNotFoundError, BlobStore, MetaStore
from javumbo.sync.protocol import SyncHttpError
from javumbo.sync.sync_state import SyncState
from javumbo.userdb import InvalidNameError
from javumbo.userdb.names import check_segment, user_prefix

DEFAULT_TTL_SECONDS = 3600.0
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
INLINE_PART_BYTES = 64 * 1024
_IN_RECORD = b"\x00"  # the record holds the packed state after this byte
_IN_BLOB = b"\x01"  # the state is the blob at state_key()
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def state_key(user_id: str) -> str:
    return user_prefix(user_id) + "sync/pending/state.json.zst"


def part_key(user_id: str, session: str, number: int) -> str:
    session = check_segment(session, "sync key")
    return f"{user_prefix(user_id)}sync/pending/{session}/{number:06d}.json.zst"


def _pack(value: Any) -> bytes:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return zstandard.ZstdCompressor(level=1).compress(raw)


def _unpack(data: bytes) -> Any:
    return json.loads(zstandard.ZstdDecompressor().decompress(data))


class PendingSyncs:
    def __init__(
        self,
        blobs: BlobStore,
        meta: MetaStore,
        clock: Clock,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.blobs = blobs
        self.meta = meta
        self.clock = clock
        self.ttl = ttl
        self.max_bytes = max_bytes

    def begin(self, user_id: str, state: SyncState) -> None:
        """Make ``state`` the user's pending sync, dropping any earlier one."""
        _check_session(state.session)
        old = self._load(user_id)
        if old is not None:
            self._delete_parts(user_id, old)
        self.save(user_id, state)

    def get(self, user_id: str, session: str) -> SyncState:
        """The pending sync of ``session``; 409 (the client syncs again) if there is none."""
        state = self._load(user_id)
        if state is None:
            raise SyncHttpError(409, "no active sync")
        if state.session != session:
            raise SyncHttpError(409, "active sync with different key")
        if self.clock.now() - state.started_at > self.ttl:
            self.discard(user_id, state)
            raise SyncHttpError(409, "the sync took too long; sync again")
        return state

    def save(self, user_id: str, state: SyncState) -> None:
        packed = _pack(state.to_json())
        expires_at = state.started_at + self.ttl
        if len(packed) < MAX_SYNC_STATE_BYTES:
            self.meta.put_sync_state(user_id, _IN_RECORD + packed, expires_at)
            if state.stored_as_blob:  # it shrank back (rare): the old blob is stale
                self.blobs.delete(state_key(user_id))
                state.stored_as_blob = False
        else:
            self.blobs.put(state_key(user_id), packed)
            self.meta.put_sync_state(user_id, _IN_BLOB, expires_at)
            state.stored_as_blob = True

    def add_part(self, user_id: str, state: SyncState, part: dict[str, Any]) -> None:
        """Keep what the client sent in this call (checked by the caller)."""
        packed = json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if state.incoming_bytes + len(packed) > self.max_bytes:
            self.discard(user_id, state)
            raise SyncHttpError(
                413,
                "Too many changes for one sync on this server; force a full upload"
                " (Tools > Check Database, then sync and choose Upload).",
            )
        if state.parts == 0 and state.inline_bytes + len(packed) <= INLINE_PART_BYTES:
            state.inline_parts.append(part)
            state.inline_bytes += len(packed)
        else:
            compressed = zstandard.ZstdCompressor(level=1).compress(packed)
            self.blobs.put(part_key(user_id, state.session, state.parts), compressed)
            state.parts += 1
        state.incoming_bytes += len(packed)
        self.save(user_id, state)

    def parts(self, user_id: str, state: SyncState) -> Iterator[dict[str, Any]]:
        """What the client sent, in the order it was sent (inline parts come first)."""
        yield from state.inline_parts
        for number in range(state.parts):
            try:
                data = self.blobs.get(part_key(user_id, state.session, number)).data
            except BlobNotFoundError as exc:
                raise SyncHttpError(409, "part of this sync is gone; sync again") from exc
            part = _unpack(data)
            if isinstance(part, dict):
                yield part

    def discard(self, user_id: str, state: SyncState | None = None) -> None:
        """Forget the user's pending sync (``state`` if given, else whatever is stored)."""
        if state is None:
            state = self._load(user_id)
            if state is None:
                return
        self._delete_parts(user_id, state)
        self.meta.delete_sync_state(user_id)
        if state.stored_as_blob:
            self.blobs.delete(state_key(user_id))

    def lock(self, user_id: str) -> threading.Lock:
        """Serialises this process's calls for one user (across instances the client does)."""
        with _locks_guard:
            return _locks.setdefault(user_id, threading.Lock())

    def _load(self, user_id: str) -> SyncState | None:
        record = self.meta.get_sync_state(user_id)
        if record is None:
            return None
        in_blob = record == _IN_BLOB
        try:
            data = self.blobs.get(state_key(user_id)).data if in_blob else record[1:]
            if not in_blob and record[:1] != _IN_RECORD:
                raise ValueError("unknown sync state record")
            state = SyncState.from_json(_unpack(data))
        except BlobNotFoundError:
            self.meta.delete_sync_state(user_id)
            return None
        except (ValueError, KeyError, TypeError, zstandard.ZstdError):
            self.meta.delete_sync_state(user_id)  # unreadable: as if there were none
            if in_blob:
                self.blobs.delete(state_key(user_id))
            return None
        state.stored_as_blob = in_blob
        return state

    def _delete_parts(self, user_id: str, state: SyncState) -> None:
        try:
            keys = [part_key(user_id, state.session, n) for n in range(state.parts + 1)]
        except InvalidNameError:
            return
        for key in keys:
            self.blobs.delete(key)


def _check_session(session: str) -> None:
    try:
        check_segment(session, "sync key")
    except InvalidNameError as exc:
        raise SyncHttpError(400, "bad sync key") from exc
