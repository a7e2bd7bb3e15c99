"""The ``JournalStore`` contract (the fenced append, snapshots, trimming), run against every
metastore adapter (``conftest.py``)."""

from __future__ import annotations

import threading

import pytest

from javumbo.stores.ports import ConditionFailedError, Head, JournalStore
from tests.stores.meta_records import NOW, unique


def test_fresh_head_is_seq_zero_without_snapshot(journal: JournalStore) -> None:
    user_id = unique("u")
    assert journal.get_head(user_id) == Head(user_id)
    assert journal.read_journal(user_id, 0) == []


def test_append_advances_head_and_reads_back_in_order(journal: JournalStore) -> None:
    user_id = unique("u")
    payloads = [b"\x00\x01binary\xff", b"second", b"third" * 100]
    for index, payload in enumerate(payloads):
        assert journal.append_journal(user_id, index, payload, now=NOW + index) == index + 1
    assert journal.get_head(user_id).seq == 3
    entries = journal.read_journal(user_id, 0)
    assert [(e.seq, e.payload, e.user_id) for e in entries] == [
        (1, payloads[0], user_id),
        (2, payloads[1], user_id),
        (3, payloads[2], user_id),
    ]
    assert entries[1].created_at == NOW + 1
    assert [e.seq for e in journal.read_journal(user_id, 2)] == [3]
    assert journal.read_journal(user_id, 3) == []


def test_append_with_stale_seq_fails_and_writes_nothing(journal: JournalStore) -> None:
    user_id = unique("u")
    journal.append_journal(user_id, 0, b"one")
    for stale in (0, 2, 5):
        with pytest.raises(ConditionFailedError):
            journal.append_journal(user_id, stale, b"lost")
    assert journal.get_head(user_id).seq == 1
    assert [e.payload for e in journal.read_journal(user_id, 0)] == [b"one"]


def test_racing_appends_one_winner_per_seq_and_no_gaps(journal: JournalStore) -> None:
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
                seq = journal.get_head(user_id).seq
                try:
                    new_seq = journal.append_journal(user_id, seq, f"{index}:{done}".encode())
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
    entries = journal.read_journal(user_id, 0)
    assert [e.seq for e in entries] == list(range(1, total + 1))
    winner_of = dict(won)
    assert all(e.payload.decode().split(":")[0] == str(winner_of[e.seq]) for e in entries)
    assert journal.get_head(user_id).seq == total


def test_racing_appends_on_one_seq_have_one_winner(journal: JournalStore) -> None:
    user_id = unique("race1")
    racers = 8
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        barrier.wait()
        try:
            journal.append_journal(user_id, 0, str(index).encode())
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
    assert len(journal.read_journal(user_id, 0)) == 1


def test_move_head_snapshot_conditions(journal: JournalStore) -> None:
    user_id = unique("u")
    for seq in range(4):
        journal.append_journal(user_id, seq, b"e")
    with pytest.raises(ConditionFailedError):  # past the journal
        journal.move_head_snapshot(user_id, None, "snap/5", 5, '"e5"')
    journal.move_head_snapshot(user_id, None, "snap/3", 3, '"e3"')
    assert journal.get_head(user_id) == Head(user_id, 4, "snap/3", 3, '"e3"')
    with pytest.raises(ConditionFailedError):  # a stale flush still expecting no snapshot
        journal.move_head_snapshot(user_id, None, "snap/4", 4, '"e4"')
    with pytest.raises(ConditionFailedError):
        journal.move_head_snapshot(user_id, "snap/other", "snap/4", 4, '"e4"')
    journal.move_head_snapshot(user_id, "snap/3", "snap/4", 4, '"e4"')
    assert journal.get_head(user_id) == Head(user_id, 4, "snap/4", 4, '"e4"')
    assert journal.append_journal(user_id, 4, b"after") == 5
    assert journal.get_head(user_id) == Head(user_id, 5, "snap/4", 4, '"e4"')


def test_first_snapshot_of_a_new_user_at_seq_zero(journal: JournalStore) -> None:
    user_id = unique("u")
    journal.move_head_snapshot(user_id, None, "snap/0", 0, '"e0"')
    assert journal.get_head(user_id) == Head(user_id, 0, "snap/0", 0, '"e0"')
    assert journal.append_journal(user_id, 0, b"first") == 1


def test_trim_journal_deletes_covered_entries_only(journal: JournalStore) -> None:
    user_id = unique("u")
    for seq in range(30):
        journal.append_journal(user_id, seq, b"entry")
    assert journal.trim_journal(user_id, 27) == 27
    assert [e.seq for e in journal.read_journal(user_id, 0)] == [28, 29, 30]
    assert journal.trim_journal(user_id, 27) == 0
    assert journal.get_head(user_id).seq == 30
    assert journal.append_journal(user_id, 30, b"next") == 31


def test_meta_counters_count_reads_and_writes(journal: JournalStore) -> None:
    counters = journal.counters  # type: ignore[attr-defined]
    counters.reset()
    user_id = unique("u")
    journal.get_head(user_id)
    journal.append_journal(user_id, 0, b"x")
    counts = counters.snapshot()
    assert counts["meta_read"] >= 1 and counts["meta_write"] >= 1
    assert counts["blob_get"] == 0
