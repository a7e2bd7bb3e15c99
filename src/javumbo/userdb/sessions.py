"""Review sessions (``SessionManager``): which instance last served a user, and when
the user's working state should be flushed to a snapshot.

A session is an optimisation, never a correctness rule: every acknowledged write is already in
the journal, so any instance may serve any session, take over one whose owner is gone, or start
a new one. Expiry is decided by comparing ``expires_at`` with the clock, because DynamoDB's TTL
deletes items only eventually. Ending a session (explicitly or by expiry) flushes the user's
collection through ``on_close``; if that fails the session is left for the next sweep.

Resuming a live session extends its expiry only when it was last extended more than
``REFRESH_FRACTION`` of the TTL ago: under round-robin routing every instance resumes the same
session in turn, and a write each time would only move ``expires_at`` by seconds. The stored
``instance_id`` then names the instance that last extended it, which is as good a hint.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from javumbo.collection.clock import Clock
from javumbo.stores.ports import ConditionFailedError, SessionRecord, SessionStore

log = logging.getLogger(__name__)

SessionCallback = Callable[[SessionRecord], None]
REFRESH_FRACTION = 0.1


def new_session_id() -> str:
    return "sess_" + secrets.token_hex(16)


class SessionManager:
    def __init__(
        self,
        meta: SessionStore,
        *,
        instance_id: str,
        ttl: float,
        clock: Clock,
        on_close: SessionCallback | None = None,
    ) -> None:
        self.meta = meta
        self.instance_id = instance_id
        self.ttl = ttl
        self.clock = clock
        self.on_close = on_close

    def is_live(self, session: SessionRecord) -> bool:
        return session.status == "active" and session.expires_at > self.clock.now()

    def create_session(self, username: str, db_etag: str | None = None) -> SessionRecord:
        """A new session held by this instance; ``ConditionFailedError`` when the user already
        has an active, unexpired one (a conditional create: one live session per user)."""
        now = self.clock.now()
        record = SessionRecord(
            session_id=new_session_id(),
            username=username,
            instance_id=self.instance_id,
            db_etag=db_etag,
            last_access=now,
            expires_at=now + self.ttl,
        )
        self.meta.create_session(record, now)
        return record

    def get_session(self, session_id: str) -> SessionRecord | None:
        """The session as stored, expired or not (check with ``is_live``)."""
        return self.meta.get_session(session_id)

    def get_user_session(self, username: str) -> SessionRecord | None:
        """The user's active session if it has not expired."""
        session = self.meta.get_user_session(username)
        return session if session is not None and self.is_live(session) else None

    def update_session(self, session_id: str, db_etag: str | None = None) -> SessionRecord:
        """Extend the session's expiry and record that this instance now serves it."""
        now = self.clock.now()
        changes: dict[str, object] = {
            "last_access": now,
            "expires_at": now + self.ttl,
            "instance_id": self.instance_id,
        }
        if db_etag is not None:
            changes["db_etag"] = db_etag
        return self.meta.update_session(session_id, **changes)

    def delete_session(self, session_id: str) -> None:
        self.meta.delete_session(session_id)

    def resume_session(self, username: str, session_id: str | None) -> SessionRecord:
        """The session a request should use: the given one if it is live and the user's, else
        the user's live session (taken over by this instance), else a new one."""
        if session_id:
            current = self.meta.get_session(session_id)
            if current is not None and current.username == username and self.is_live(current):
                return self._touch(current)
        for _ in range(3):
            existing = self.meta.get_user_session(username)
            if existing is not None:
                if self.is_live(existing):
                    return self._touch(existing)
                self._close(existing)
            try:
                return self.create_session(username)
            except ConditionFailedError:
                continue  # someone created one meanwhile: adopt it
        return self.create_session(username)

    def _touch(self, session: SessionRecord) -> SessionRecord:
        if session.expires_at - self.clock.now() > self.ttl * (1 - REFRESH_FRACTION):
            return session  # extended moments ago (by another instance, most likely)
        try:
            return self.update_session(session.session_id)
        except ConditionFailedError:  # deleted meanwhile (ended or swept)
            return self.create_session(session.username)

    def end_session(self, session_id: str) -> bool:
        """Flush the user's collection and close the session; False if there was none."""
        session = self.meta.get_session(session_id)
        if session is None:
            return False
        self._close(session)
        return True

    def _close(self, session: SessionRecord) -> None:
        if self.on_close is not None:
            self.on_close(session)
        self.meta.delete_session(session.session_id)

    def cleanup_expired_sessions(self) -> int:
        """Flush and close every session whose ``expires_at`` is past; returns how many closed.

        A session whose flush fails stays for the next sweep (nothing is lost meanwhile: its
        changes are in the journal)."""
        closed = 0
        for session in self.meta.list_expired_sessions(self.clock.now()):
            try:
                self._close(session)
            except Exception:
                log.exception("flushing expired session %s failed", session.session_id)
                continue
            closed += 1
        return closed
