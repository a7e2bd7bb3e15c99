"""The ``IdempotencyStore`` contract: keys recorded by the journal append, looked up on a
retry; run against every metastore adapter (``conftest.py``)."""

from __future__ import annotations

import pytest

from javumbo.stores.dynamodb import DynamoMetaStore
from javumbo.stores.ports import (
    IDEMPOTENCY_RETENTION_SECONDS,
    MAX_IDEMPOTENCY_RESULT_BYTES,
    DuplicateIdempotencyKeyError,
)
from tests.stores.meta_records import KeyedJournal, unique


def test_idempotency_key_is_recorded_and_blocks_reuse(keyed_journal: KeyedJournal) -> None:
    user_id = unique("u")
    keyed_journal.append_journal(user_id, 0, b"a")
    assert keyed_journal.append_journal(user_id, 1, b"review", idempotency_key="req-1") == 2
    assert keyed_journal.find_idempotency_key(user_id, "req-1") == 2
    assert keyed_journal.find_idempotency_key(user_id, "req-2") is None
    assert keyed_journal.find_idempotency_key(unique("other"), "req-1") is None
    assert keyed_journal.read_journal(user_id, 1)[0].idempotency_key == "req-1"
    for expected in (2, 1):  # current seq, or stale: the retry is recognised either way
        with pytest.raises(DuplicateIdempotencyKeyError) as caught:
            keyed_journal.append_journal(user_id, expected, b"review", idempotency_key="req-1")
        assert caught.value.seq == 2
    assert keyed_journal.get_head(user_id).seq == 2
    keyed_journal.trim_journal(user_id, 2)
    assert keyed_journal.find_idempotency_key(user_id, "req-1") == 2


def test_idempotency_keys_are_forgotten_after_the_retention(keyed_journal: KeyedJournal) -> None:
    """Recent keys outlive trimming; old ones go: deleted at the trim that follows a newer key
    (SQLite, PostgreSQL), or marked for the table's TTL (DynamoDB, which deletes only
    eventually)."""
    user_id = unique("u")
    old_at, new_at = 1_000_000.0, 1_000_000.0 + IDEMPOTENCY_RETENTION_SECONDS + 60
    keyed_journal.append_journal(user_id, 0, b"a", idempotency_key="old", now=old_at)
    keyed_journal.append_journal(user_id, 1, b"b", idempotency_key="new", now=new_at)
    keyed_journal.trim_journal(user_id, 2)
    assert keyed_journal.find_idempotency_key(user_id, "new") == 2
    if not isinstance(keyed_journal, DynamoMetaStore):
        assert keyed_journal.find_idempotency_key(user_id, "old") is None
    else:
        for key, used_at in (("old", old_at), ("new", new_at)):
            item = keyed_journal.client.get_item(
                TableName=keyed_journal.journal_table,
                Key={"username": {"S": f"{user_id}#idem#{key}"}, "seq": {"N": "0"}},
                ConsistentRead=True,
            )["Item"]
            assert int(item["expires_at"]["N"]) == int(used_at + IDEMPOTENCY_RETENTION_SECONDS)


def test_an_idempotency_key_keeps_its_answer_after_trimming(keyed_journal: KeyedJournal) -> None:
    user_id = unique("u")
    answer = b'{"card_id":42}'
    keyed_journal.append_journal(
        user_id, 0, b"a", idempotency_key="with", idempotency_result=answer
    )
    keyed_journal.append_journal(user_id, 1, b"b", idempotency_key="without")
    keyed_journal.trim_journal(user_id, 2)
    assert keyed_journal.get_idempotency_result(user_id, "with") == answer
    assert keyed_journal.get_idempotency_result(user_id, "without") is None
    assert keyed_journal.get_idempotency_result(user_id, "never used") is None
    too_big = b"x" * (MAX_IDEMPOTENCY_RESULT_BYTES + 1)
    with pytest.raises(ValueError):
        keyed_journal.append_journal(
            user_id, 2, b"c", idempotency_key="big", idempotency_result=too_big
        )
    assert keyed_journal.get_head(user_id).seq == 2  # refused whole


def test_the_same_idempotency_key_is_independent_per_user(keyed_journal: KeyedJournal) -> None:
    first, second = unique("u"), unique("u")
    keyed_journal.append_journal(first, 0, b"x", idempotency_key="same")
    assert keyed_journal.append_journal(second, 0, b"y", idempotency_key="same") == 1
