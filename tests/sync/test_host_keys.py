"""Host keys: one metastore read per sync for the key check, and revocation still signs a
device out from its next sync even when it happened in another process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from javumbo.api.rate_limit import LoginThrottle
from javumbo.collection.clock import FixedClock
from javumbo.stores.ports import UserRecord
from javumbo.stores.sqlite_meta import SqliteMetaStore
from javumbo.sync.host_keys import RESOLVED_KEY_SECONDS, HostKeys
from javumbo.sync.protocol import SyncHttpError

PASSWORD = "correct horse"


def _host_keys(meta: SqliteMetaStore, clock: FixedClock) -> HostKeys:
    return HostKeys(meta, clock, LoginThrottle(clock))


@pytest.fixture
def meta(tmp_path: Path) -> SqliteMetaStore:
    store = SqliteMetaStore(tmp_path / "meta.sqlite3")
    store.create_user(UserRecord("alice", "u1", PasswordHasher().hash(PASSWORD), time.time()))
    return store


def _reads(meta: SqliteMetaStore) -> int:
    return int(meta.counters.snapshot().get("meta_read", 0))


def test_a_sync_checks_its_key_once(meta: SqliteMetaStore) -> None:
    clock = FixedClock(1000.0)
    keys = _host_keys(meta, clock)
    key = keys.login("alice", PASSWORD, "127.0.0.1")
    before = _reads(meta)
    assert keys.resolve(key, "sess1", fresh=True).username == "alice"
    for _ in range(6):  # start, applyChanges, chunk, applyChunk, sanityCheck2, finish
        assert keys.resolve(key, "sess1").username == "alice"
    assert _reads(meta) - before == 1
    keys.resolve(key, "sess2")  # another sync checks again
    assert _reads(meta) - before == 2
    clock.advance(RESOLVED_KEY_SECONDS + 1)
    keys.resolve(key, "sess1")  # a sync that takes too long is checked again
    assert _reads(meta) - before == 3


def test_a_key_revoked_elsewhere_fails_from_the_next_sync(meta: SqliteMetaStore) -> None:
    clock = FixedClock(1000.0)
    server = _host_keys(meta, clock)
    key = server.login("alice", PASSWORD, "127.0.0.1")
    server.resolve(key, "sess1", fresh=True)
    other_process = _host_keys(meta, clock)
    assert other_process.revoke("alice") == 1
    assert server.resolve(key, "sess1").username == "alice"  # the sync under way may finish
    for session, fresh in (("sess1", True), ("sess2", False), ("", False)):
        with pytest.raises(SyncHttpError) as caught:
            server.resolve(key, session, fresh=fresh)
        assert caught.value.status == 403


def test_a_key_revoked_here_fails_at_once(meta: SqliteMetaStore) -> None:
    clock = FixedClock(1000.0)
    keys = _host_keys(meta, clock)
    key = keys.login("alice", PASSWORD, "127.0.0.1")
    keys.resolve(key, "sess1", fresh=True)
    assert keys.revoke("alice", key) == 1
    with pytest.raises(SyncHttpError):
        keys.resolve(key, "sess1")
