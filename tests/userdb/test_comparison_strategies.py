"""The comparison strategies of the testbed (``javumbo_testbed.strategies``) over real local
stores: each one's blob-store
operation pattern, and the documented difference: session caching without a journal loses
acknowledged writes when the instance holding them is gone, the journal does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.settings import Settings
from javumbo.stores.ports import UserRecord
from javumbo.userdb import ConflictError, InconsistentStoreError, StorageEngine
from javumbo_testbed.strategies import PerRequestDatabases, SessionCacheDatabases, engine_class
from tests.userdb.conftest import T0, Stores, answer, answers

USER = "u1"


def open_engine(stores: Stores, tmp: Path, strategy: str, name: str = "i1") -> StorageEngine:
    return engine_class(strategy)(
        Settings(),
        stores.blobs,
        stores.meta,
        instance_id=name,
        cache_dir=tmp / f"cache-{name}",
        clock=FixedClock(T0),
    )


def blob_ops(stores: Stores) -> tuple[int, int]:
    counts = stores.blobs.counters.snapshot()
    return counts["blob_get"], counts["blob_put"]


def revlog_ids(col: Collection) -> list[int]:
    return answers(col)[0]


def stored_answers(stores: Stores, tmp: Path) -> list[int]:
    """What a fresh journal-design reader finds in the stores (the load test's check)."""
    reader = open_engine(stores, tmp, "journal", name="reader")
    try:
        with reader.read(USER) as col:
            return revlog_ids(col)
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("strategy", "kind"),
    [
        ("journal", StorageEngine),
        ("per-request", PerRequestDatabases),
        ("session-cache", SessionCacheDatabases),
    ],
)
def test_the_name_selects_the_engine(
    stores: Stores, tmp_path: Path, strategy: str, kind: type[StorageEngine]
) -> None:
    assert type(open_engine(stores, tmp_path, strategy)) is kind


def test_typos_are_refused_and_the_product_cannot_select_a_strategy(
    stores: Stores, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="storage strategy"):
        engine_class("yolo")
    # the product's settings know no strategy: the old variable changes nothing
    settings = Settings.from_env({"JAVUMBO_STORAGE_STRATEGY": "session-cache"})
    assert not hasattr(settings, "storage_strategy")
    from javumbo.api.services import build_services

    svc = build_services(settings, stores=(stores.blobs, stores.meta), in_lambda=False)
    assert type(svc.engine) is StorageEngine


def test_per_request_downloads_on_every_request_and_uploads_on_every_write(
    stores: Stores, tmp_path: Path
) -> None:
    engine = open_engine(stores, tmp_path, "per-request")
    with engine.read(USER) as col:  # creates the user: snapshot 0 uploaded, then downloaded
        assert revlog_ids(col) == []
    gets, puts = blob_ops(stores)
    for n in range(1, 6):
        engine.write(USER, lambda col, n=n: answer(col, n))
        assert blob_ops(stores) == (gets + n, puts + n)
    with engine.read(USER) as col:
        assert revlog_ids(col) == [1, 2, 3, 4, 5]
    assert blob_ops(stores) == (gets + 6, puts + 5)
    assert engine.flush(USER).status == "clean"
    assert blob_ops(stores) == (gets + 6, puts + 5)
    # Every write was uploaded before it returned: an instance that vanishes loses nothing,
    # and the replaced copies were deleted (one baseline copy left).
    assert stored_answers(stores, tmp_path) == [1, 2, 3, 4, 5]
    assert len(list(stores.blobs.list(f"users/{USER}/baseline/"))) == 1


def test_per_request_loses_a_race_to_another_instance_and_reruns(
    stores: Stores, tmp_path: Path
) -> None:
    first = open_engine(stores, tmp_path, "per-request", "a")
    second = open_engine(stores, tmp_path, "per-request", "b")
    first.write(USER, lambda col: answer(col, 1))

    def answer_while_other_uploads(col: Collection) -> int:
        if not revlog_ids(col).count(2):
            second.write(USER, lambda other: answer(other, 2))
        return answer(col, 3)

    first.write(USER, answer_while_other_uploads)
    assert stored_answers(stores, tmp_path) == [1, 2, 3]


def test_session_cache_downloads_once_per_session_and_uploads_once_per_flush(
    stores: Stores, tmp_path: Path
) -> None:
    engine = open_engine(stores, tmp_path, "session-cache")
    with engine.read(USER) as col:
        assert revlog_ids(col) == []
    gets, puts = blob_ops(stores)
    assert gets >= 1
    for n in range(1, 21):
        engine.write(USER, lambda col, n=n: answer(col, n))
        with engine.read(USER):
            pass
    assert blob_ops(stores) == (gets, puts)  # 40 requests, no blob operation
    result = engine.flush(USER)
    assert result.status == "flushed"
    assert blob_ops(stores) == (gets, puts + 1)
    assert engine.flush(USER).status == "clean"
    assert blob_ops(stores) == (gets, puts + 1)
    assert stored_answers(stores, tmp_path) == list(range(1, 21))


def test_session_end_flushes_the_session_cache(stores: Stores, tmp_path: Path) -> None:
    stores.meta.create_user(UserRecord("alice", USER, "hash", T0))
    engine = open_engine(stores, tmp_path, "session-cache")
    session = engine.sessions.resume_session("alice", None)
    engine.write(USER, lambda col: answer(col, 7))
    assert stored_answers(stores, tmp_path) == []
    assert engine.sessions.end_session(session.session_id)
    assert stored_answers(stores, tmp_path) == [7]


def test_session_cache_loses_unflushed_writes_when_the_instance_dies(
    stores: Stores, tmp_path: Path
) -> None:
    """The documented difference: acknowledged writes exist only on the instance."""
    doomed = open_engine(stores, tmp_path, "session-cache", "doomed")
    doomed.write(USER, lambda col: answer(col, 1))
    doomed.flush(USER)
    for n in (2, 3, 4):
        assert doomed.write(USER, lambda col, n=n: answer(col, n)) == n  # acknowledged
    assert isinstance(doomed, SessionCacheDatabases)
    assert doomed.unflushed_users() == [USER]
    del doomed  # SIGKILL: no flush, no shutdown hook

    survivor = open_engine(stores, tmp_path, "session-cache", "survivor")
    with survivor.read(USER) as col:
        assert revlog_ids(col) == [1]  # 2, 3 and 4 are gone
    assert stored_answers(stores, tmp_path) == [1]


def test_journal_keeps_the_same_writes_when_the_instance_dies(
    stores: Stores, tmp_path: Path
) -> None:
    doomed = open_engine(stores, tmp_path, "journal", "doomed")
    doomed.write(USER, lambda col: answer(col, 1))
    doomed.flush(USER)
    for n in (2, 3, 4):
        doomed.write(USER, lambda col, n=n: answer(col, n))
    del doomed

    survivor = open_engine(stores, tmp_path, "journal", "survivor")
    with survivor.read(USER) as col:
        assert revlog_ids(col) == [1, 2, 3, 4]


def test_session_cache_loses_the_writes_of_an_instance_whose_upload_lost(
    stores: Stores, tmp_path: Path
) -> None:
    """Two instances serving one user (Lambda routes anywhere): the second upload is refused
    by the optimistic lock, and its acknowledged writes are gone."""
    first = open_engine(stores, tmp_path, "session-cache", "a")
    second = open_engine(stores, tmp_path, "session-cache", "b")
    first.write(USER, lambda col: answer(col, 1))
    second.write(USER, lambda col: answer(col, 2))
    assert first.flush(USER).status == "flushed"
    with pytest.raises(ConflictError):
        second.flush(USER)
    assert stored_answers(stores, tmp_path) == [1]
    with second.read(USER) as col:  # the discarded copy is replaced by the stored one
        assert revlog_ids(col) == [1]


def test_a_journal_with_unfolded_entries_is_refused_by_the_baselines(
    stores: Stores, tmp_path: Path
) -> None:
    journal = open_engine(stores, tmp_path, "journal", "j")
    journal.write(USER, lambda col: answer(col, 1))
    baseline = open_engine(stores, tmp_path, "per-request", "p")
    with (
        pytest.raises(InconsistentStoreError, match="journal has entries past its snapshot"),
        baseline.read(USER),
    ):
        pass
    journal.flush(USER)
    with baseline.read(USER) as col:
        assert revlog_ids(col) == [1]


@pytest.mark.parametrize("strategy", ["per-request", "session-cache"])
def test_replace_collection_uploads_the_whole_file(
    stores: Stores, tmp_path: Path, strategy: str
) -> None:
    source = tmp_path / "other.anki2"
    col = Collection.create(source, FixedClock(T0))
    answer(col, 42)
    col.close()
    engine = open_engine(stores, tmp_path, strategy)
    engine.write(USER, lambda c: answer(c, 1))
    engine.flush(USER)
    engine.replace_collection(USER, source)
    with engine.read(USER) as replaced:
        assert revlog_ids(replaced) == [42]
    assert stored_answers(stores, tmp_path) == [42]
