"""The ``MetaStore`` contract, run against every adapter (see ``conftest.py`` for the backends)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from javumbo.stores import (
    ConditionFailedError,
    Head,
    MetaStore,
    SessionRecord,
    UserExistsError,
    UserRecord,
)
from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.ports import (
    IDEMPOTENCY_RETENTION_SECONDS,
    MAX_IDEMPOTENCY_RESULT_BYTES,
    MAX_SYNC_STATE_BYTES,
    DuplicateIdempotencyKeyError,
    UserNotFoundError,
)
from javumbo.stores.sqlite_meta import SqliteMetaStore

NOW = 1_700_000_000.0


def unique(prefix: str) -> str:
    """Backends are shared by the tests of a run (one emulator), so names must not collide."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def session(username: str, *, expires_at: float = NOW + 300, **fields: Any) -> SessionRecord:
    values: dict[str, Any] = {
        "session_id": unique("sess"),
        "username": username,
        "instance_id": "instance-a",
        "db_etag": None,
        "last_access": NOW,
        "expires_at": expires_at,
    }
    values.update(fields)
    return SessionRecord(**values)


# users


def test_create_and_get_user(meta_store: MetaStore) -> None:
    name = unique("alice")
    user = UserRecord(name, unique("uid"), "$argon2id$hash", NOW, {"theme": "dark"})
    meta_store.create_user(user)
    assert meta_store.get_user(name) == user
    assert meta_store.get_user(unique("nobody")) is None


def test_duplicate_username_is_refused(meta_store: MetaStore) -> None:
    name = unique("bob")
    meta_store.create_user(UserRecord(name, unique("uid"), "h1", NOW))
    with pytest.raises(UserExistsError):
        meta_store.create_user(UserRecord(name, unique("uid"), "h2", NOW))
    user = meta_store.get_user(name)
    assert user is not None and user.password_hash == "h1"


def test_update_user_attributes_merges(meta_store: MetaStore) -> None:
    name = unique("carol")
    meta_store.create_user(UserRecord(name, unique("uid"), "h", NOW, {"a": 1, "b": "x"}))
    meta_store.update_user_attributes(name, {"b": "y", "c": [1, 2], "d": {"e": None}})
    user = meta_store.get_user(name)
    assert user is not None
    assert user.attributes == {"a": 1, "b": "y", "c": [1, 2], "d": {"e": None}}
    with pytest.raises(UserNotFoundError):
        meta_store.update_user_attributes(unique("ghost"), {"a": 1})


# heads and journal


def test_fresh_head_is_seq_zero_without_snapshot(meta_store: MetaStore) -> None:
    user_id = unique("u")
    assert meta_store.get_head(user_id) == Head(user_id)
    assert meta_store.read_journal(user_id, 0) == []


def test_append_advances_head_and_reads_back_in_order(meta_store: MetaStore) -> None:
    user_id = unique("u")
    payloads = [b"\x00\x01binary\xff", b"second", b"third" * 100]
    for index, payload in enumerate(payloads):
        assert meta_store.append_journal(user_id, index, payload, now=NOW + index) == index + 1
    assert meta_store.get_head(user_id).seq == 3
    entries = meta_store.read_journal(user_id, 0)
    assert [(e.seq, e.payload, e.user_id) for e in entries] == [
        (1, payloads[0], user_id),
        (2, payloads[1], user_id),
        (3, payloads[2], user_id),
    ]
    assert entries[1].created_at == NOW + 1
    assert [e.seq for e in meta_store.read_journal(user_id, 2)] == [3]
    assert meta_store.read_journal(user_id, 3) == []


def test_append_with_stale_seq_fails_and_writes_nothing(meta_store: MetaStore) -> None:
    user_id = unique("u")
    meta_store.append_journal(user_id, 0, b"one")
    for stale in (0, 2, 5):
        with pytest.raises(ConditionFailedError):
            meta_store.append_journal(user_id, stale, b"lost")
    assert meta_store.get_head(user_id).seq == 1
    assert [e.payload for e in meta_store.read_journal(user_id, 0)] == [b"one"]


def test_idempotency_key_is_recorded_and_blocks_reuse(meta_store: MetaStore) -> None:
    user_id = unique("u")
    meta_store.append_journal(user_id, 0, b"a")
    assert meta_store.append_journal(user_id, 1, b"review", idempotency_key="req-1") == 2
    assert meta_store.find_idempotency_key(user_id, "req-1") == 2
    assert meta_store.find_idempotency_key(user_id, "req-2") is None
    assert meta_store.find_idempotency_key(unique("other"), "req-1") is None
    assert meta_store.read_journal(user_id, 1)[0].idempotency_key == "req-1"
    for expected in (2, 1):  # current seq, or stale: the retry is recognised either way
        with pytest.raises(DuplicateIdempotencyKeyError) as caught:
            meta_store.append_journal(user_id, expected, b"review", idempotency_key="req-1")
        assert caught.value.seq == 2
    assert meta_store.get_head(user_id).seq == 2
    meta_store.trim_journal(user_id, 2)
    assert meta_store.find_idempotency_key(user_id, "req-1") == 2


def test_idempotency_keys_are_forgotten_after_the_retention(meta_store: MetaStore) -> None:
    """Recent keys outlive trimming; old ones go: deleted at the trim that follows a newer key
    (SQLite), or marked for the table's TTL (DynamoDB, which deletes only eventually)."""
    user_id = unique("u")
    old_at, new_at = 1_000_000.0, 1_000_000.0 + IDEMPOTENCY_RETENTION_SECONDS + 60
    meta_store.append_journal(user_id, 0, b"a", idempotency_key="old", now=old_at)
    meta_store.append_journal(user_id, 1, b"b", idempotency_key="new", now=new_at)
    meta_store.trim_journal(user_id, 2)
    assert meta_store.find_idempotency_key(user_id, "new") == 2
    if isinstance(meta_store, SqliteMetaStore):
        assert meta_store.find_idempotency_key(user_id, "old") is None
    else:
        assert isinstance(meta_store, DynamoMetaStore)
        for key, used_at in (("old", old_at), ("new", new_at)):
            item = meta_store.client.get_item(
                TableName=meta_store.journal_table,
                Key={"username": {"S": f"{user_id}#idem#{key}"}, "seq": {"N": "0"}},
                ConsistentRead=True,
            )["Item"]
            assert int(item["expires_at"]["N"]) == int(used_at + IDEMPOTENCY_RETENTION_SECONDS)


def test_a_sync_state_is_stored_replaced_and_deleted_per_user(meta_store: MetaStore) -> None:
    user_id, other = unique("u"), unique("u")
    assert meta_store.get_sync_state(user_id) is None
    meta_store.put_sync_state(user_id, b"\x00first", 1_000.0)
    meta_store.put_sync_state(other, b"theirs", 1_000.0)
    assert meta_store.get_sync_state(user_id) == b"\x00first"
    big = bytes(range(256)) * (MAX_SYNC_STATE_BYTES // 256)
    meta_store.put_sync_state(user_id, big, 2_000.0)
    assert meta_store.get_sync_state(user_id) == big
    with pytest.raises(ValueError):
        meta_store.put_sync_state(user_id, big + b"!", 2_000.0)
    assert meta_store.get_sync_state(user_id) == big  # the refused one changed nothing
    meta_store.delete_sync_state(user_id)
    meta_store.delete_sync_state(user_id)  # already gone: fine
    assert meta_store.get_sync_state(user_id) is None
    assert meta_store.get_sync_state(other) == b"theirs"
    assert meta_store.get_head(user_id).seq == 0  # no journal head made by the way


def test_an_idempotency_key_keeps_its_answer_after_trimming(meta_store: MetaStore) -> None:
    user_id = unique("u")
    answer = b'{"card_id":42}'
    meta_store.append_journal(user_id, 0, b"a", idempotency_key="with", idempotency_result=answer)
    meta_store.append_journal(user_id, 1, b"b", idempotency_key="without")
    meta_store.trim_journal(user_id, 2)
    assert meta_store.get_idempotency_result(user_id, "with") == answer
    assert meta_store.get_idempotency_result(user_id, "without") is None
    assert meta_store.get_idempotency_result(user_id, "never used") is None
    too_big = b"x" * (MAX_IDEMPOTENCY_RESULT_BYTES + 1)
    with pytest.raises(ValueError):
        meta_store.append_journal(
            user_id, 2, b"c", idempotency_key="big", idempotency_result=too_big
        )
    assert meta_store.get_head(user_id).seq == 2  # refused whole


def test_the_same_idempotency_key_is_independent_per_user(meta_store: MetaStore) -> None:
    first, second = unique("u"), unique("u")
    meta_store.append_journal(first, 0, b"x", idempotency_key="same")
    assert meta_store.append_journal(second, 0, b"y", idempotency_key="same") == 1


def test_racing_appends_one_winner_per_seq_and_no_gaps(meta_store: MetaStore) -> None:
    """Writers that each retry from the head they read: every seq is won exactly once."""
    user_id = unique("race")
    writers, appends_each = 6, 5
    barrier = threading.Barrier(writers)
    won: list[tuple[int, int]] = []
    lost = [0]
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        barrier.wait()
        done = 0
        try:
            while done < appends_each:
                seq = meta_store.get_head(user_id).seq
                try:
                    new_seq = meta_store.append_journal(user_id, seq, f"{index}:{done}".encode())
                except ConditionFailedError:
                    with lock:
                        lost[0] += 1
                    continue
                with lock:
                    won.append((new_seq, index))
                done += 1
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    total = writers * appends_each
    assert sorted(seq for seq, _ in won) == list(range(1, total + 1))
    entries = meta_store.read_journal(user_id, 0)
    assert [e.seq for e in entries] == list(range(1, total + 1))
    winner_of = dict(won)
    assert all(e.payload.decode().split(":")[0] == str(winner_of[e.seq]) for e in entries)
    assert meta_store.get_head(user_id).seq == total


def test_racing_appends_on_one_seq_have_one_winner(meta_store: MetaStore) -> None:
    user_id = unique("race1")
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        barrier.wait()
        try:
            meta_store.append_journal(user_id, 0, str(index).encode())
        except ConditionFailedError:
            result = "lost"
        except BaseException as exc:
            result = repr(exc)
        else:
            result = "won"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["lost"] * (racers - 1) + ["won"]
    assert len(meta_store.read_journal(user_id, 0)) == 1


def test_move_head_snapshot_conditions(meta_store: MetaStore) -> None:
    user_id = unique("u")
    for seq in range(4):
        meta_store.append_journal(user_id, seq, b"e")
    with pytest.raises(ConditionFailedError):  # past the journal
        meta_store.move_head_snapshot(user_id, None, "snap/5", 5, '"e5"')
    meta_store.move_head_snapshot(user_id, None, "snap/3", 3, '"e3"')
    assert meta_store.get_head(user_id) == Head(user_id, 4, "snap/3", 3, '"e3"')
    with pytest.raises(ConditionFailedError):  # a stale flush still expecting no snapshot
        meta_store.move_head_snapshot(user_id, None, "snap/4", 4, '"e4"')
    with pytest.raises(ConditionFailedError):
        meta_store.move_head_snapshot(user_id, "snap/other", "snap/4", 4, '"e4"')
    meta_store.move_head_snapshot(user_id, "snap/3", "snap/4", 4, '"e4"')
    assert meta_store.get_head(user_id) == Head(user_id, 4, "snap/4", 4, '"e4"')
    assert meta_store.append_journal(user_id, 4, b"after") == 5
    assert meta_store.get_head(user_id) == Head(user_id, 5, "snap/4", 4, '"e4"')


def test_first_snapshot_of_a_new_user_at_seq_zero(meta_store: MetaStore) -> None:
    user_id = unique("u")
    meta_store.move_head_snapshot(user_id, None, "snap/0", 0, '"e0"')
    assert meta_store.get_head(user_id) == Head(user_id, 0, "snap/0", 0, '"e0"')
    assert meta_store.append_journal(user_id, 0, b"first") == 1


def test_trim_journal_deletes_covered_entries_only(meta_store: MetaStore) -> None:
    user_id = unique("u")
    for seq in range(30):
        meta_store.append_journal(user_id, seq, b"entry")
    assert meta_store.trim_journal(user_id, 27) == 27
    assert [e.seq for e in meta_store.read_journal(user_id, 0)] == [28, 29, 30]
    assert meta_store.trim_journal(user_id, 27) == 0
    assert meta_store.get_head(user_id).seq == 30
    assert meta_store.append_journal(user_id, 30, b"next") == 31


# sessions


def test_create_get_and_user_session(meta_store: MetaStore) -> None:
    name = unique("sam")
    record = session(name)
    meta_store.create_session(record, NOW)
    assert meta_store.get_session(record.session_id) == record
    assert meta_store.get_user_session(name) == record
    assert meta_store.get_session(unique("sess")) is None
    assert meta_store.get_user_session(unique("nobody")) is None


def test_one_active_session_per_user(meta_store: MetaStore) -> None:
    name = unique("sam")
    first = session(name, expires_at=NOW + 300)
    meta_store.create_session(first, NOW)
    with pytest.raises(ConditionFailedError):
        meta_store.create_session(session(name), NOW + 299)
    meta_store.create_session(session(unique("other")), NOW)  # other users are not blocked
    successor = session(name, expires_at=NOW + 900)
    meta_store.create_session(successor, NOW + 300)  # expiry is decided by expires_at
    assert meta_store.get_user_session(name) == successor
    assert meta_store.get_session(first.session_id) == first


def test_racing_session_creation_has_one_winner(meta_store: MetaStore) -> None:
    name = unique("racer")
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer() -> None:
        barrier.wait()
        try:
            meta_store.create_session(session(name), NOW)
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


def test_same_session_id_cannot_be_created_twice(meta_store: MetaStore) -> None:
    record = session(unique("sam"))
    meta_store.create_session(record, NOW)
    clash = session(unique("tom"), session_id=record.session_id)
    with pytest.raises(ConditionFailedError):
        meta_store.create_session(clash, NOW)
    assert meta_store.get_session(record.session_id) == record


def test_update_session_changes_fields_and_extends_the_claim(meta_store: MetaStore) -> None:
    name = unique("sam")
    record = session(name, expires_at=NOW + 300)
    meta_store.create_session(record, NOW)
    updated = meta_store.update_session(
        record.session_id,
        instance_id="instance-b",
        db_etag='"abc"',
        last_access=NOW + 200,
        expires_at=NOW + 500,
    )
    assert updated == SessionRecord(
        record.session_id, name, "instance-b", '"abc"', NOW + 200, NOW + 500, "active"
    )
    assert meta_store.get_session(record.session_id) == updated
    with pytest.raises(ConditionFailedError):  # the extended claim still holds
        meta_store.create_session(session(name), NOW + 400)
    with pytest.raises(ConditionFailedError):
        meta_store.update_session(unique("sess"), last_access=NOW)
    with pytest.raises(ValueError):
        meta_store.update_session(record.session_id, username="mallory")


def test_closing_or_deleting_a_session_frees_the_user(meta_store: MetaStore) -> None:
    name = unique("sam")
    first = session(name)
    meta_store.create_session(first, NOW)
    closed = meta_store.update_session(first.session_id, status="closed")
    assert closed.status == "closed"
    assert meta_store.get_user_session(name) is None
    second = session(name)
    meta_store.create_session(second, NOW)
    meta_store.delete_session(second.session_id)
    assert meta_store.get_session(second.session_id) is None
    assert meta_store.get_user_session(name) is None
    meta_store.delete_session(second.session_id)
    meta_store.create_session(session(name), NOW)


def test_list_expired_sessions_compares_expires_at(meta_store: MetaStore) -> None:
    base = NOW + 10_000_000 * (uuid.uuid4().int % 1000 + 1)  # a time range of our own
    expired = session(unique("old"), expires_at=base - 1)
    at_limit = session(unique("edge"), expires_at=base)
    alive = session(unique("new"), expires_at=base + 1)
    closed = session(unique("closed"), expires_at=base - 5)
    for record in (expired, at_limit, alive, closed):
        meta_store.create_session(record, base - 10)
    meta_store.update_session(closed.session_id, status="closed")
    found = {
        s.session_id
        for s in meta_store.list_expired_sessions(base)
        if base - 10 <= s.expires_at <= base + 10
    }
    assert found == {expired.session_id, at_limit.session_id}


def test_user_session_falls_back_to_an_older_active_one(meta_store: MetaStore) -> None:
    """An expired session that is not swept yet stays visible after its successor closes."""
    name = unique("sam")
    old = session(name, expires_at=NOW + 10)
    meta_store.create_session(old, NOW)
    new = session(name, expires_at=NOW + 400)
    meta_store.create_session(new, NOW + 100)
    meta_store.update_session(new.session_id, status="closed")
    assert meta_store.get_user_session(name) == old


# leases


def test_lease_acquire_renew_and_block(meta_store: MetaStore) -> None:
    name = unique("flush")
    assert meta_store.acquire_lease(name, "a", 30, NOW)
    lease = meta_store.get_lease(name)
    assert lease is not None and (lease.owner, lease.expires_at) == ("a", NOW + 30)
    assert not meta_store.acquire_lease(name, "b", 30, NOW + 29)
    assert meta_store.acquire_lease(name, "a", 30, NOW + 20)  # renewal by the owner
    lease = meta_store.get_lease(name)
    assert lease is not None and lease.expires_at == NOW + 50
    assert not meta_store.acquire_lease(name, "b", 30, NOW + 49)
    assert meta_store.get_lease(unique("none")) is None


def test_expired_lease_can_be_stolen_and_the_old_owner_cannot_release_it(
    meta_store: MetaStore,
) -> None:
    name = unique("flush")
    assert meta_store.acquire_lease(name, "a", 30, NOW)
    assert meta_store.acquire_lease(name, "b", 30, NOW + 30)
    meta_store.release_lease(name, "a")
    lease = meta_store.get_lease(name)
    assert lease is not None and lease.owner == "b"
    assert not meta_store.acquire_lease(name, "a", 30, NOW + 31)
    meta_store.release_lease(name, "b")
    assert meta_store.get_lease(name) is None
    assert meta_store.acquire_lease(name, "a", 30, NOW + 31)


def test_racing_lease_acquisition_has_one_winner(meta_store: MetaStore) -> None:
    name = unique("lease")
    racers = 8
    barrier = threading.Barrier(racers)
    results: list[bool] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        barrier.wait()
        got = meta_store.acquire_lease(name, f"owner-{index}", 30, NOW)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False] * (racers - 1) + [True]


def test_meta_counters_count_reads_and_writes(meta_store: MetaStore) -> None:
    counters = meta_store.counters  # type: ignore[attr-defined]
    counters.reset()
    user_id = unique("u")
    meta_store.get_head(user_id)
    meta_store.append_journal(user_id, 0, b"x")
    counts = counters.snapshot()
    assert counts["meta_read"] >= 1 and counts["meta_write"] >= 1
    assert counts["blob_get"] == 0
