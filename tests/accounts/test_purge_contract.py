"""``MetaStore.purge_user`` and ``list_users`` on every metastore adapter (SQLite, DynamoDB on
moto, PostgreSQL): a purge removes every record of one user and nothing of another."""

from __future__ import annotations

from javumbo.stores.ports import MetaStore, UserRecord
from tests.stores.meta_records import NOW, session, unique


def fill(meta: MetaStore, name: str) -> UserRecord:
    """A user with a record in every kind of table."""
    user = UserRecord(name, unique("uid"), "$argon2id$hash", NOW, {"sync_host_keys": {"d": 1.0}})
    meta.create_user(user)
    for seq in range(3):
        meta.append_journal(user.user_id, seq, b"entry", f"key-{seq}", NOW, idempotency_result=b"r")
    meta.move_head_snapshot(user.user_id, None, f"users/{user.user_id}/snapshots/1", 1, '"e"')
    meta.put_sync_state(user.user_id, b"pending", NOW + 600)
    meta.create_session(session(name), NOW)
    ended = session(name)
    meta.create_session(ended, NOW + 1000)  # the first one's claim has expired by then
    return user


def records_of(meta: MetaStore, user: UserRecord) -> list[str]:
    found = []
    if meta.get_user(user.username) is not None:
        found.append("user")
    if meta.get_head(user.user_id).seq:
        found.append("head")
    if meta.read_journal(user.user_id, 0):
        found.append("journal")
    if meta.find_idempotency_key(user.user_id, "key-1") is not None:
        found.append("idempotency")
    if meta.get_sync_state(user.user_id) is not None:
        found.append("sync state")
    if meta.get_user_session(user.username) is not None:
        found.append("session")
    return found


def test_purge_removes_every_record_of_the_user_only(meta_store: MetaStore) -> None:
    doomed = fill(meta_store, unique("doomed"))
    kept = fill(meta_store, unique("kept"))
    assert records_of(meta_store, doomed) == [
        "user",
        "head",
        "journal",
        "idempotency",
        "sync state",
        "session",
    ]
    meta_store.purge_user(doomed.user_id, doomed.username)
    assert records_of(meta_store, doomed) == []
    assert len(records_of(meta_store, kept)) == 6
    meta_store.purge_user(doomed.user_id, doomed.username)  # again: nothing left, no error
    # The name can be taken again, and the new user starts from nothing.
    again = UserRecord(doomed.username, unique("uid"), "$argon2id$hash", NOW)
    meta_store.create_user(again)
    assert meta_store.get_head(again.user_id).seq == 0


def test_purge_with_a_stale_user_id_leaves_the_new_owner_of_the_name(
    meta_store: MetaStore,
) -> None:
    name = unique("renamed")
    current = UserRecord(name, unique("uid"), "$argon2id$hash", NOW)
    meta_store.create_user(current)
    meta_store.purge_user(unique("old-uid"), name)
    assert meta_store.get_user(name) == current


def test_list_users_gives_every_user_by_name(meta_store: MetaStore) -> None:
    names = sorted(unique(f"list{index}") for index in range(3))
    for name in names:
        meta_store.create_user(UserRecord(name, unique("uid"), "$argon2id$hash", NOW))
    listed = [user.username for user in meta_store.list_users()]
    assert [name for name in listed if name in names] == names
    assert listed == sorted(listed)
