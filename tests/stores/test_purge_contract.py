"""Listing users (``UserStore.list_users``) and deleting every record of one
(``MetaStore.purge_user``, account deletion), run against every metastore adapter."""

from __future__ import annotations

from javumbo.stores.ports import Head, MetaStore, UserRecord, UserStore
from tests.stores.meta_records import NOW, session, unique


def test_list_users_returns_every_user_by_username(users: UserStore) -> None:
    made = [
        UserRecord(unique(prefix), unique("uid"), "h", NOW, {"n": index})
        for index, prefix in enumerate(("zed", "amy", "kim"))
    ]
    for record in made:
        users.create_user(record)
    listed = users.list_users()
    names = [user.username for user in listed]
    assert names == sorted(names)
    assert [u for u in listed if u in made] == sorted(made, key=lambda u: u.username)


def test_purge_user_deletes_every_record_of_the_user_and_only_theirs(
    meta_store: MetaStore,
) -> None:
    name, user_id = unique("gone"), unique("uid")
    other_name, other_id = unique("stays"), unique("uid")
    for username, uid in ((name, user_id), (other_name, other_id)):
        meta_store.create_user(UserRecord(username, uid, "h", NOW))
        meta_store.append_journal(uid, 0, b"entry", idempotency_key="k", idempotency_result=b"r")
        meta_store.move_head_snapshot(uid, None, f"users/{uid}/snapshots/1", 1, '"e"')
        meta_store.put_sync_state(uid, b"sync", NOW + 60)
        meta_store.create_session(session(username), NOW)
    gone_session = meta_store.get_user_session(name)
    assert gone_session is not None

    meta_store.purge_user(user_id, name)
    meta_store.purge_user(user_id, name)  # again: nothing left to do, no error

    assert meta_store.get_user(name) is None
    assert meta_store.get_head(user_id) == Head(user_id)
    assert meta_store.read_journal(user_id, 0) == []
    assert meta_store.find_idempotency_key(user_id, "k") is None
    assert meta_store.get_sync_state(user_id) is None
    assert meta_store.get_session(gone_session.session_id) is None
    assert meta_store.get_user_session(name) is None
    meta_store.create_session(session(name), NOW)  # the claim went with it
    assert meta_store.get_user(other_name) is not None
    assert meta_store.get_head(other_id).seq == 1
    assert meta_store.find_idempotency_key(other_id, "k") == 1
    assert meta_store.get_sync_state(other_id) == b"sync"
    assert meta_store.get_user_session(other_name) is not None


def test_purge_leaves_a_new_account_of_the_same_name(meta_store: MetaStore) -> None:
    """The user record goes only while it still has the purged user id."""
    name = unique("reused")
    meta_store.create_user(UserRecord(name, unique("new-uid"), "h", NOW))
    meta_store.purge_user(unique("old-uid"), name)
    assert meta_store.get_user(name) is not None
