"""The ``SessionStore`` contract (one active session per user, expiry by ``expires_at``), run
against every metastore adapter (``conftest.py``)."""

from __future__ import annotations

import threading
import uuid

import pytest

from javumbo.stores.ports import ConditionFailedError, SessionRecord, SessionStore
from tests.stores.meta_records import NOW, session, unique


def test_create_get_and_user_session(sessions: SessionStore) -> None:
    name = unique("sam")
    record = session(name)
    sessions.create_session(record, NOW)
    assert sessions.get_session(record.session_id) == record
    assert sessions.get_user_session(name) == record
    assert sessions.get_session(unique("sess")) is None
    assert sessions.get_user_session(unique("nobody")) is None


def test_one_active_session_per_user(sessions: SessionStore) -> None:
    name = unique("sam")
    first = session(name, expires_at=NOW + 300)
    sessions.create_session(first, NOW)
    with pytest.raises(ConditionFailedError):
        sessions.create_session(session(name), NOW + 299)
    sessions.create_session(session(unique("other")), NOW)  # other users are not blocked
    successor = session(name, expires_at=NOW + 900)
    sessions.create_session(successor, NOW + 300)  # expiry is decided by expires_at
    assert sessions.get_user_session(name) == successor
    assert sessions.get_session(first.session_id) == first


def test_racing_session_creation_has_one_winner(sessions: SessionStore) -> None:
    name = unique("racer")
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        barrier.wait()
        try:
            sessions.create_session(session(name), NOW)
        except ConditionFailedError:
            result = "lost"
        except BaseException as exc:
            result = repr(exc)
        else:
            result = "won"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["lost"] * (racers - 1) + ["won"]


def test_same_session_id_cannot_be_created_twice(sessions: SessionStore) -> None:
    record = session(unique("sam"))
    sessions.create_session(record, NOW)
    clash = session(unique("tom"), session_id=record.session_id)
    with pytest.raises(ConditionFailedError):
        sessions.create_session(clash, NOW)
    assert sessions.get_session(record.session_id) == record


def test_update_session_changes_fields_and_extends_the_claim(sessions: SessionStore) -> None:
    name = unique("sam")
    record = session(name, expires_at=NOW + 300)
    sessions.create_session(record, NOW)
    updated = sessions.update_session(
        record.session_id,
        instance_id="instance-b",
        db_etag='"abc"',
        last_access=NOW + 200,
        expires_at=NOW + 500,
    )
    assert updated == SessionRecord(
        record.session_id, name, "instance-b", '"abc"', NOW + 200, NOW + 500, "active"
    )
    assert sessions.get_session(record.session_id) == updated
    with pytest.raises(ConditionFailedError):  # the extended claim still holds
        sessions.create_session(session(name), NOW + 400)
    with pytest.raises(ConditionFailedError):
        sessions.update_session(unique("sess"), last_access=NOW)
    with pytest.raises(ValueError):
        sessions.update_session(record.session_id, username="mallory")


def test_closing_or_deleting_a_session_frees_the_user(sessions: SessionStore) -> None:
    name = unique("sam")
    first = session(name)
    sessions.create_session(first, NOW)
    closed = sessions.update_session(first.session_id, status="closed")
    assert closed.status == "closed"
    assert sessions.get_user_session(name) is None
    second = session(name)
    sessions.create_session(second, NOW)
    sessions.delete_session(second.session_id)
    assert sessions.get_session(second.session_id) is None
    assert sessions.get_user_session(name) is None
    sessions.delete_session(second.session_id)
    sessions.create_session(session(name), NOW)


def test_list_expired_sessions_compares_expires_at(sessions: SessionStore) -> None:
    base = NOW + 10_000_000 * (uuid.uuid4().int % 1000 + 1)  # a time range of our own
    expired = session(unique("old"), expires_at=base - 1)
    at_limit = session(unique("edge"), expires_at=base)
    alive = session(unique("new"), expires_at=base + 1)
    closed = session(unique("closed"), expires_at=base - 5)
    for record in (expired, at_limit, alive, closed):
        sessions.create_session(record, base - 10)
    sessions.update_session(closed.session_id, status="closed")
    found = {
        s.session_id
        for s in sessions.list_expired_sessions(base)
        if base - 10 <= s.expires_at <= base + 10
    }
    assert found == {expired.session_id, at_limit.session_id}


def test_user_session_falls_back_to_an_older_active_one(sessions: SessionStore) -> None:
    """An expired session that is not swept yet stays visible after its successor closes."""
    name = unique("sam")
    old = session(name, expires_at=NOW + 10)
    sessions.create_session(old, NOW)
    new = session(name, expires_at=NOW + 400)
    sessions.create_session(new, NOW + 100)
    sessions.update_session(new.session_id, status="closed")
    assert sessions.get_user_session(name) == old
