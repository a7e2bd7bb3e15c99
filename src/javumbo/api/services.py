"""What one running API process holds: its settings, the stores, the storage engine over them,
the login throttle, the token states and the import jobs. Built once per app; views reach it
with ``services()``."""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from javumbo.accounts.tokens import TokenStates
from javumbo.api.rate_limit import LoginThrottle
from javumbo.collection.clock import Clock, SystemClock
from javumbo.settings import Settings, running_on_lambda
from javumbo.stores.factory import direct_transfers, open_stores
from javumbo.stores.ports import BlobStore, DirectTransfers, MetaStore
from javumbo.userdb import StorageEngine
from javumbo.userdb.sessions import REFRESH_FRACTION

EXTENSION_KEY = "javumbo"
_MAX_RECENT_SESSIONS = 100_000


@dataclass
class Services:
    settings: Settings
    blobs: BlobStore
    meta: MetaStore
    engine: StorageEngine
    clock: Clock
    login_throttle: LoginThrottle
    token_states: TokenStates
    in_lambda: bool
    recent_sessions: RecentSessions
    direct_transfers: DirectTransfers | None = None

    def resume_session(self, username: str, session_id: str | None) -> str:
        """The session id a request should use (see ``RecentSessions``)."""
        if session_id and self.recent_sessions.is_fresh(session_id, username):
            return session_id
        session = self.engine.sessions.resume_session(username, session_id)
        self.recent_sessions.note(session.session_id, username)
        return session.session_id

    def close(self) -> None:
        """Best-effort flush of every warm collection (durability never depends on it)."""
        self.engine.close()


class RecentSessions:
    """Sessions this process resumed lately, so a burst of requests (a review session) costs
    no metastore calls for the session itself: the stored expiry is extended at most every
    ``ttl / 10`` seconds (``REFRESH_FRACTION``), which keeps a session in use from ever
    expiring. A session ended by another instance may be named here for that long; sessions
    only steer flushing and cache placement, never correctness, so that is harmless."""

    def __init__(self, ttl: float, clock: Clock) -> None:
        self.refresh_after = ttl * REFRESH_FRACTION
        self.clock = clock
        self._seen: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()

    def is_fresh(self, session_id: str, username: str) -> bool:
        with self._guard:
            seen = self._seen.get(session_id)
        return (
            seen is not None
            and seen[0] == username
            and self.clock.now() - seen[1] < self.refresh_after
        )

    def note(self, session_id: str, username: str) -> None:
        with self._guard:
            if len(self._seen) >= _MAX_RECENT_SESSIONS:
                self._seen.clear()
            self._seen[session_id] = (username, self.clock.now())

    def forget(self, session_id: str) -> None:
        with self._guard:
            self._seen.pop(session_id, None)


def default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def default_cache_dir(settings: Settings, in_lambda: bool) -> Path:
    if settings.cache_dir is not None:
        return settings.cache_dir
    if in_lambda:
        return Path("/tmp/javumbo-cache")  # the only writable disk in Lambda
    return settings.data_dir / "cache"


def build_services(
    settings: Settings,
    *,
    stores: tuple[BlobStore, MetaStore] | None = None,
    clock: Clock | None = None,
    in_lambda: bool | None = None,
    engine_class: type[StorageEngine] = StorageEngine,
) -> Services:
    """``engine_class`` is for the local testbed, which measures storage strategies kept only
    for comparison against the product's engine."""
    in_lambda = running_on_lambda() if in_lambda is None else in_lambda
    clock = clock or SystemClock()
    blobs, meta = stores if stores is not None else open_stores(settings)
    engine = engine_class(
        settings,
        blobs,
        meta,
        instance_id=settings.instance_id or default_instance_id(),
        cache_dir=default_cache_dir(settings, in_lambda),
        clock=clock,
    )
    return Services(
        settings=settings,
        blobs=blobs,
        meta=meta,
        engine=engine,
        clock=clock,
        login_throttle=LoginThrottle(clock),
        token_states=TokenStates(meta, clock),
        in_lambda=in_lambda,
        recent_sessions=RecentSessions(settings.session_ttl, clock),
        direct_transfers=direct_transfers(settings, blobs, in_lambda=in_lambda),
    )


def services() -> Services:
    found: Services = current_app.extensions[EXTENSION_KEY]
    return found
