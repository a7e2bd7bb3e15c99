"""The ``SyncStateStore`` contract, run against every metastore adapter (``conftest.py``)."""

from __future__ import annotations

import pytest

from javumbo.stores.ports import MAX_SYNC_STATE_BYTES, JournalStore, SyncStateStore
from tests.stores.meta_records import unique


def test_a_sync_state_is_stored_replaced_and_deleted_per_user(
    sync_states: SyncStateStore, journal: JournalStore
) -> None:
    user_id, other = unique("u"), unique("u")
    assert sync_states.get_sync_state(user_id) is None
    sync_states.put_sync_state(user_id, b"\x00first", 1_000.0)
    sync_states.put_sync_state(other, b"theirs", 1_000.0)
    assert sync_states.get_sync_state(user_id) == b"\x00first"
    big = bytes(range(256)) * (MAX_SYNC_STATE_BYTES // 256)
    sync_states.put_sync_state(user_id, big, 2_000.0)
    assert sync_states.get_sync_state(user_id) == big
    with pytest.raises(ValueError):
        sync_states.put_sync_state(user_id, big + b"!", 2_000.0)
    assert sync_states.get_sync_state(user_id) == big  # the refused one changed nothing
    sync_states.delete_sync_state(user_id)
    sync_states.delete_sync_state(user_id)  # already gone: fine
    assert sync_states.get_sync_state(user_id) is None
    assert sync_states.get_sync_state(other) == b"theirs"
    assert journal.get_head(user_id).seq == 0  # no journal head made by the way
