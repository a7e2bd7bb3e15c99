"""The storage engine over real local stores: several engine instances share one blob folder and
one SQLite metastore, as processes of the embedded deployment do."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from javumbo.collection import Collection
from javumbo.settings import Settings
from javumbo.stores.ports import StoreUnavailableError
from javumbo.userdb import (
    AlreadyApplied,
    ConflictError,
    InconsistentStoreError,
    InvalidNameError,
    JournalLimits,
    StorageEngine,
)
from javumbo.userdb.names import snapshots_prefix, spill_prefix

from .conftest import Flaky, Instances, Stores, answer, answers

USER = "u1"


def snapshot_keys(stores: Stores, user: str = USER) -> list[str]:
    return [info.key for info in stores.blobs.list(snapshots_prefix(user))]


def test_new_user_gets_a_fresh_collection_as_snapshot_zero(
    instances: Instances, stores: Stores
) -> None:
    engine = instances()
    with engine.read(USER) as col:
        assert {d["name"] for d in col.decks.values()} == {"Default"}
    head = stores.meta.get_head(USER)
    assert head.snapshot_key == f"users/{USER}/snapshots/000000000000.anki2.zst"
    assert head.seq == 0 and head.snapshot_seq == 0
    assert snapshot_keys(stores) == [head.snapshot_key]


def test_write_is_journaled_before_it_returns(instances: Instances, stores: Stores) -> None:
    engine = instances()
    assert engine.write(USER, lambda col: answer(col, 101)) == 101
    head = stores.meta.get_head(USER)
    assert head.seq == 1
    (entry,) = stores.meta.read_journal(USER, 0)
    assert entry.seq == 1 and len(entry.payload) < 400
    assert engine.counters["journal_appends"] == 1


def test_failed_write_journals_nothing(instances: Instances, stores: Stores) -> None:
    engine = instances()

    def bad(col: Collection) -> None:
        answer(col, 5)
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        engine.write(USER, bad)
    assert stores.meta.get_head(USER).seq == 0
    with engine.read(USER) as col:
        assert answers(col) == ([], 0)


def test_two_instances_alternating_see_each_others_writes(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    for n in range(1, 11):
        (a if n % 2 else b).write(USER, lambda col, n=n: answer(col, n))
    for engine in (a, b):
        with engine.read(USER) as col:
            assert answers(col) == (list(range(1, 11)), 10)
    assert stores.meta.get_head(USER).seq == 10
    # Each copy writes once without reading the head (it was current when loaded), loses that
    # append, and reads the head before every write after that.
    for engine in (a, b):
        assert engine.counters["conflicts"] == engine.counters["stale_writes"] <= 1
    assert b.counters["replays"] >= 5


def test_lost_race_replays_and_retries_once(instances: Instances, stores: Stores) -> None:
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    calls = []

    def racing(col: Collection) -> int:
        calls.append(1)
        if len(calls) == 1:  # another instance writes between our head check and our append
            b.write(USER, lambda other: answer(other, 2))
        return answer(col, 3)

    assert a.write(USER, racing) == 3
    assert len(calls) == 2
    assert a.counters["conflicts"] == 1
    with instances("c").read(USER) as col:
        assert answers(col) == ([1, 2, 3], 3)


def _revlog_row(col: Collection, n: int) -> int:
    """Fails with LookupError when answer ``n`` is not in this copy."""
    row = col.db.execute("select id from revlog where id = ?", (n,)).fetchone()
    if row is None:
        raise LookupError(f"no answer {n}")
    return int(row[0])


def test_a_write_that_fails_on_a_copy_behind_runs_again_on_a_current_one(
    instances: Instances,
) -> None:
    """A warm copy writes without reading the head; if the write fails on rows another
    instance changed meanwhile (here: a row it added), the head is read and the write runs
    again on the caught-up copy instead of failing."""
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    b.write(USER, lambda col: answer(col, 2))
    assert a.write(USER, lambda col: answer(col, 10 + _revlog_row(col, 2))) == 12
    assert a.counters["stale_writes"] == 1
    with instances("c").read(USER) as col:
        assert answers(col) == ([1, 2, 12], 3)
    with pytest.raises(LookupError):  # current, and still failing: the failure stands
        a.write(USER, lambda col: _revlog_row(col, 99))
    assert a.counters["stale_writes"] == 1


def test_a_write_that_changes_nothing_on_a_copy_behind_answers_from_a_current_one(
    instances: Instances,
) -> None:
    """Nothing journaled means nothing fenced: the answer of a write that changed nothing is
    checked against the head, and computed again when the copy was behind."""
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    b.write(USER, lambda col: answer(col, 2))
    assert a.write(USER, answers) == ([1, 2], 2)
    assert a.counters["stale_writes"] == 1
    assert a.write(USER, answers) == ([1, 2], 2)  # current: no second look
    assert a.counters["stale_writes"] == 1


def test_losing_twice_raises_conflict_and_applies_nothing(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    counter = iter(range(100, 200))

    def always_raced(col: Collection) -> int:
        b.write(USER, lambda other: answer(other, next(counter)))
        return answer(col, 7)

    with pytest.raises(ConflictError):
        a.write(USER, always_raced)
    with a.read(USER) as col:
        ids, reps = answers(col)
    assert 7 not in ids and reps == len(ids) == 2


def test_idempotency_key_applies_once_across_instances(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    first = a.write(USER, lambda col: {"answered": answer(col, 1)}, idempotency_key="k1")
    assert first == {"answered": 1}
    again = b.write(USER, lambda col: {"answered": answer(col, 1)}, idempotency_key="k1")
    assert isinstance(again, AlreadyApplied)
    assert again.seq == 1 and again.result == {"answered": 1}
    with b.read(USER) as col:
        assert answers(col) == ([1], 1)
    b.flush(USER)  # the entry is trimmed; the key and its answer are still remembered
    assert stores.meta.read_journal(USER, 0) == []
    third = a.write(USER, lambda col: answer(col, 1), idempotency_key="k1")
    assert isinstance(third, AlreadyApplied) and third.seq == 1
    assert third.result == {"answered": 1}


def test_flush_makes_a_snapshot_trims_and_a_cold_instance_needs_one_get(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    for n in range(1, 6):
        a.write(USER, lambda col, n=n: answer(col, n))
    result = a.flush(USER)
    assert result.status == "flushed" and result.snapshot_seq == 5
    assert result.uploaded_bytes < result.raw_bytes  # zstd paid off
    head = stores.meta.get_head(USER)
    assert (head.snapshot_key, head.snapshot_seq, head.seq) == (result.snapshot_key, 5, 5)
    assert stores.meta.read_journal(USER, 0) == []
    assert a.flush(USER).status == "clean"
    cold = instances("cold")
    before = stores.blobs.counters.snapshot()
    with cold.read(USER) as col:
        assert answers(col) == ([1, 2, 3, 4, 5], 5)
    after = stores.blobs.counters.snapshot()
    assert after["blob_get"] - before["blob_get"] == 1
    assert cold.counters["replays"] == 0


def test_read_only_session_uploads_nothing(instances: Instances, stores: Stores) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    a.flush(USER)
    puts = stores.blobs.counters["blob_put"]
    for _ in range(5):
        with a.read(USER) as col:
            answers(col)
    assert a.flush(USER).status == "clean"
    assert stores.blobs.counters["blob_put"] == puts


def test_warm_cache_after_restart_downloads_nothing(
    instances: Instances, stores: Stores, tmp_path: Any
) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    a.flush(USER)
    a.close()
    gets = stores.blobs.counters["blob_get"]
    restarted = instances("a")  # same cache folder
    with restarted.read(USER) as col:
        assert answers(col) == ([1], 1)
    assert stores.blobs.counters["blob_get"] == gets
    assert restarted.counters["cache_hits"] >= 1 and restarted.counters["cache_misses"] == 0


def test_old_snapshots_are_pruned(instances: Instances, stores: Stores) -> None:
    a = instances("a", settings=Settings(snapshots_kept=2))
    for n in range(1, 5):
        a.write(USER, lambda col, n=n: answer(col, n))
        a.flush(USER)
    seqs = [int(k.rsplit("/", 1)[-1].split(".")[0]) for k in snapshot_keys(stores)]
    assert seqs == [3, 4]


def test_journal_bound_triggers_a_flush(instances: Instances, stores: Stores) -> None:
    a = instances("a", limits=JournalLimits(max_entries=3))
    for n in range(1, 8):
        a.write(USER, lambda col, n=n: answer(col, n))
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 6 and head.seq == 7
    assert [e.seq for e in stores.meta.read_journal(USER, 0)] == [7]


def bulk_insert(col: Collection) -> int:
    with col.transaction() as db:
        for i in range(300):
            db.execute(
                "insert into notes values (?, ?, 1, 0, -1, '', ?, ?, 0, 0, '')",
                (10_000 + i, f"g{i}", f"{i} " + "x" * 200 + str(i * 7919), i),
            )
    return 300


def test_too_large_change_spills_to_a_blob_and_flushes(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a", limits=JournalLimits(max_entry_bytes=2_000))
    a.write(USER, lambda col: answer(col, 1))
    assert a.write(USER, bulk_insert) == 300
    head = stores.meta.get_head(USER)
    assert head.seq == 2 and head.snapshot_seq == 2  # flushed synchronously
    assert list(stores.blobs.list(spill_prefix(USER))) == []  # and cleaned up
    with instances("b").read(USER) as col:
        assert col.db.execute("select count() from notes").fetchone()[0] == 300


def test_spilled_entry_is_replayed_by_another_instance(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a", limits=JournalLimits(max_entry_bytes=2_000))
    b = instances("b")
    with b.read(USER):
        pass
    # Someone else holds the flush lease, so the spill stays in the journal for a while.
    assert stores.meta.acquire_lease(f"flush:{USER}", "elsewhere", 600, instances.clock.now())
    a.write(USER, bulk_insert)
    assert stores.meta.get_head(USER).snapshot_seq == 0
    assert len(list(stores.blobs.list(spill_prefix(USER)))) == 1
    with b.read(USER) as col:
        assert col.db.execute("select count() from notes").fetchone()[0] == 300
    assert len(stores.meta.read_journal(USER, 0)[0].payload) < 200


def test_copy_behind_a_trimmed_journal_reloads_from_the_new_snapshot(
    instances: Instances, stores: Stores
) -> None:
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    for n in (2, 3, 4):
        b.write(USER, lambda col, n=n: answer(col, n))
    b.flush(USER)  # entries 2..4 are gone from the journal
    a.write(USER, lambda col: answer(col, 5))
    with a.read(USER) as col:
        assert answers(col) == ([1, 2, 3, 4, 5], 5)
    assert a.counters["loads"] == 2


def test_commit_failing_after_the_append_rebuilds_the_copy(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))

    def commit_fails(col: Collection) -> int:
        def fail(_col: Collection) -> None:
            col.remove_before_commit_hook(fail)
            raise OSError("disk full")

        col.add_before_commit_hook(fail)  # runs after the journal hook
        return answer(col, 2)

    with pytest.raises(OSError):
        a.write(USER, commit_fails)
    # The entry was journaled, so the write counts (a client would retry with its key).
    with a.read(USER) as col:
        assert answers(col) == ([1, 2], 2)
    a.write(USER, lambda col: answer(col, 3))
    with instances("b").read(USER) as col:
        assert answers(col) == ([1, 2, 3], 3)


def test_store_outage_fails_clearly_and_recovers(instances: Instances, stores: Stores) -> None:
    meta, blobs = Flaky(stores.meta), Flaky(stores.blobs)
    a = instances("a", meta=meta, blobs=blobs)  # type: ignore[arg-type]
    a.write(USER, lambda col: answer(col, 1), idempotency_key="k1")
    meta.down = True
    with pytest.raises(StoreUnavailableError):
        a.write(USER, lambda col: answer(col, 2), idempotency_key="k2")
    with pytest.raises(StoreUnavailableError):
        a.read(USER).__enter__()
    meta.down = False
    blobs.down = True
    assert a.write(USER, lambda col: answer(col, 2), idempotency_key="k2") == 2  # cache warm
    with pytest.raises(StoreUnavailableError):
        instances("cold", meta=meta, blobs=blobs).read(USER).__enter__()  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailableError):
        a.flush(USER)
    blobs.down = False
    assert a.flush(USER).status == "flushed"
    with instances("b").read(USER) as col:
        assert answers(col) == ([1, 2], 2)


def test_concurrent_threads_on_one_instance_lose_nothing(instances: Instances) -> None:
    a = instances("a")
    errors: list[BaseException] = []

    def worker(base: int) -> None:
        try:
            for i in range(10):
                a.write(USER, lambda col, n=base + i: answer(col, n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 100,)) for k in range(1, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with instances("b").read(USER) as col:
        ids, reps = answers(col)
    assert len(ids) == reps == 50


def test_cache_is_bounded_and_evicts_least_recently_used(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a", settings=Settings(cache_max_bytes=1))
    a.write("u1", lambda col: answer(col, 1))
    a.write("u2", lambda col: answer(col, 2))
    assert a.applied_seq("u1") is None  # evicted (clean: everything is journaled)
    assert not (a.cache.root / "u1").exists()
    assert a.counters["evictions"] >= 1
    with a.read("u1") as col:
        assert answers(col) == ([1], 1)


def test_user_ids_that_are_not_one_path_segment_are_refused(instances: Instances) -> None:
    a = instances()
    for bad in ("", "..", "a/b", "a\\b"):
        with pytest.raises(InvalidNameError):
            a.write(bad, lambda col: answer(col, 1))


def test_media_store(instances: Instances, stores: Stores) -> None:
    media = instances().media(USER)
    media.put("cat.jpg", b"\xff\xd8jpeg")
    media.put("dog sound.mp3", b"ID3")
    assert media.exists("cat.jpg") and not media.exists("none.png")
    assert media.get("cat.jpg") == b"\xff\xd8jpeg"
    assert media.get_or_none("none.png") is None
    assert media.list() == ["cat.jpg", "dog sound.mp3"]
    media.delete("cat.jpg")
    assert media.list() == ["dog sound.mp3"]
    assert stores.blobs.head(f"users/{USER}/media/dog sound.mp3") is not None
    for bad in ("../x", "a/b", ""):
        with pytest.raises(InvalidNameError):
            media.put(bad, b"x")


def test_close_compacts_only_a_journal_past_its_bound(instances: Instances, stores: Stores) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    a.close()
    head = stores.meta.get_head(USER)
    assert (head.snapshot_seq, head.seq) == (0, 1)  # the journal is the delta: nothing to upload
    with instances("fresh").read(USER) as col:
        assert answers(col) == ([1], 1)
    writer, small = instances("writer"), instances("small", limits=JournalLimits(max_entries=2))
    for n in (2, 3):
        writer.write(USER, lambda col, n=n: answer(col, n))
    with small.read(USER):
        pass
    small.close()  # its copy's journal is past its bound of 2 entries
    head = stores.meta.get_head(USER)
    assert head.snapshot_seq == 3 == head.seq


def test_counters_merge_engine_and_adapter_counts(instances: Instances) -> None:
    a: StorageEngine = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    counters = a.counters
    assert counters["journal_appends"] == 1
    assert counters["blob_put"] >= 1  # snapshot 0, from the adapter's own counters
    assert counters["meta_reads"] >= 1


def test_head_snapshot_missing_from_the_blob_store_is_reported(
    instances: Instances, stores: Stores
) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    key = a.flush(USER).snapshot_key
    assert key is not None
    stores.blobs.delete(key)
    with pytest.raises(InconsistentStoreError, match="not in the blob store"):
        instances("cold").read(USER).__enter__()
