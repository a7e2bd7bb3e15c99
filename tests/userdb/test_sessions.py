"""Sessions over the real SQLite metastore: one active session per user, expiry decided by
``expires_at``, and ending or expiring a session flushes the user's collection."""

from __future__ import annotations

import pytest

from javumbo.settings import Settings
from javumbo.stores.ports import ConditionFailedError
from javumbo.userdb import JournalLimits

from .conftest import Instances, Stores, answer, answers

USER = "alice"


def test_create_is_conditional_and_records_the_instance(instances: Instances) -> None:
    sessions = instances("a").sessions
    first = sessions.create_session(USER, db_etag="e1")
    assert first.session_id.startswith("sess_") and first.instance_id == "a"
    assert first.expires_at == instances.clock.now() + Settings().session_ttl
    with pytest.raises(ConditionFailedError):
        sessions.create_session(USER)
    stored = sessions.get_session(first.session_id)
    assert stored is not None and stored.db_etag == "e1" and stored.username == USER
    assert sessions.get_user_session(USER) == stored


def test_update_extends_and_another_instance_takes_over(instances: Instances) -> None:
    a, b = instances("a").sessions, instances("b").sessions
    session = a.create_session(USER)
    instances.clock.advance(100)
    updated = b.update_session(session.session_id, db_etag="e2")
    assert updated.instance_id == "b" and updated.db_etag == "e2"
    assert updated.expires_at == session.expires_at + 100


def test_resume_keeps_a_live_session_and_replaces_unknown_or_expired_ones(
    instances: Instances,
) -> None:
    sessions = instances("a").sessions
    s1 = sessions.resume_session(USER, None)
    assert sessions.resume_session(USER, s1.session_id).session_id == s1.session_id
    # an unknown id: the user's live session is adopted (one active session per user)
    assert sessions.resume_session(USER, "sess_unknown").session_id == s1.session_id
    # another user's session id is not honoured
    other = sessions.resume_session("bob", s1.session_id)
    assert other.session_id != s1.session_id and other.username == "bob"
    instances.clock.advance(Settings().session_ttl + 1)
    assert sessions.get_user_session(USER) is None  # expired, though still stored
    s2 = sessions.resume_session(USER, s1.session_id)
    assert s2.session_id != s1.session_id
    assert sessions.get_session(s1.session_id) is None


def test_end_session_compacts_only_a_journal_past_its_bound(
    instances: Instances, stores: Stores
) -> None:
    engine = instances("a")
    session = engine.sessions.resume_session(USER, None)
    engine.write(USER, lambda col: answer(col, 1))
    blob_puts = stores.blobs.counters.snapshot()["blob_put"]
    assert engine.sessions.end_session(session.session_id)
    assert stores.meta.get_head(USER).snapshot_seq == 0  # the journal is already durable
    assert stores.blobs.counters.snapshot()["blob_put"] == blob_puts
    assert engine.sessions.get_session(session.session_id) is None
    assert not engine.sessions.end_session(session.session_id)
    with instances("fresh").read(USER) as col:
        assert answers(col) == ([1], 1)
    small = instances("small", limits=JournalLimits(max_entries=2))
    engine.write(USER, lambda col: answer(col, 2))
    session = small.sessions.resume_session(USER, None)
    assert small.sessions.end_session(session.session_id)  # 2 entries: the bound is reached
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 2 == head.seq


def test_sweeper_flushes_and_closes_only_expired_sessions(
    instances: Instances, stores: Stores
) -> None:
    a, sweeper = instances("a"), instances("sweeper", limits=JournalLimits(max_entries=1))
    a.sessions.resume_session(USER, None)
    a.write(USER, lambda col: answer(col, 1))
    assert sweeper.sessions.cleanup_expired_sessions() == 0
    instances.clock.advance(Settings().session_ttl + 1)
    a.sessions.resume_session("bob", None)  # live: must survive the sweep
    assert sweeper.sessions.cleanup_expired_sessions() == 1
    # compacted by the sweeping instance, whose bound (1 entry) the journal reached
    assert stores.meta.get_head(USER).snapshot_seq == 1
    assert a.sessions.get_user_session("bob") is not None
