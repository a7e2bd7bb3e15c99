"""``replace_collection``: a whole collection swapped in as one snapshot plus a journal marker,
seen by every instance, and racing writers on other instances lose nothing acknowledged."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.errors import InvalidCollectionError
from javumbo.userdb import ConflictError, names
from javumbo.userdb.replacement import Replacer
from tests.userdb.conftest import T0, Instances, Stores, answer, answers

USER = "u1"


def _replacement(tmp_path: Path, numbers: range, name: str = "new.anki2") -> Path:
    """A collection file holding answers ``numbers`` (the caller "checked" it)."""
    path = tmp_path / name
    col = Collection.create(path, FixedClock(T0))
    for n in numbers:
        answer(col, n)
    col.close()
    return path


def _replaced_blobs(stores: Stores) -> list[str]:
    return [i.key for i in stores.blobs.list(names.replaced_prefix(USER))]


def test_replace_is_seen_by_every_instance_and_writes_follow_it(
    instances: Instances, stores: Stores, tmp_path: Path
) -> None:
    a, b = instances("a"), instances("b")
    for n in (1, 2, 3):
        a.write(USER, functools.partial(answer, n=n))
    with b.read(USER) as col:
        assert answers(col) == ([1, 2, 3], 3)  # b holds a copy from before

    result = a.replace_collection(USER, _replacement(tmp_path, range(100, 105)))

    assert result.head_moved and result.seq == 4
    head = stores.meta.get_head(USER)
    assert (head.seq, head.snapshot_key, head.snapshot_seq) == (4, result.snapshot_key, 4)
    assert stores.meta.read_journal(USER, 0) == []  # everything before it is trimmed
    assert a.counters["replacements"] == 1
    with a.read(USER) as col:
        assert answers(col) == ([100, 101, 102, 103, 104], 5)
    with b.read(USER) as col:  # b's old copy is rebuilt from the replacement, not replayed
        assert answers(col) == ([100, 101, 102, 103, 104], 5)
    b.write(USER, lambda col: answer(col, 200))
    with a.read(USER) as col:
        assert answers(col) == ([100, 101, 102, 103, 104, 200], 6)
    with instances("c").read(USER) as col:  # a cold instance: head snapshot + journal
        assert answers(col) == ([100, 101, 102, 103, 104, 200], 6)

    # the replacement blob is the head's snapshot until a flush supersedes it, then it goes
    assert _replaced_blobs(stores) == [result.snapshot_key]
    assert b.flush(USER).status == "flushed"
    assert _replaced_blobs(stores) == []
    with instances("d").read(USER) as col:
        assert answers(col) == ([100, 101, 102, 103, 104, 200], 6)


def test_a_replacement_whose_head_move_never_happened_is_found_in_the_journal(
    instances: Instances, stores: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    assert a.flush(USER).status == "flushed"
    a.write(USER, lambda col: answer(col, 2))
    old_head = stores.meta.get_head(USER)
    # the replacer dies right after appending its marker (before moving the head)
    monkeypatch.setattr(Replacer, "_move_head", lambda *args: False)
    result = a.replace_collection(USER, _replacement(tmp_path, range(50, 52)))
    monkeypatch.undo()
    assert not result.head_moved
    head = stores.meta.get_head(USER)
    assert (head.seq, head.snapshot_key) == (3, old_head.snapshot_key)

    b.write(USER, lambda col: answer(col, 60))  # a cold load starts from the marker's blob
    with instances("c").read(USER) as col:
        assert answers(col) == ([50, 51, 60], 3)
    with a.read(USER) as col:
        assert answers(col) == ([50, 51, 60], 3)
    # a normal flush folds it all into a snapshot; the replacement is then deleted
    assert a.flush(USER).status == "flushed"
    with instances("d").read(USER) as col:
        assert answers(col) == ([50, 51, 60], 3)


def test_conditional_replace_refuses_when_someone_wrote_meanwhile(
    instances: Instances, stores: Stores, tmp_path: Path
) -> None:
    a, b = instances("a"), instances("b")
    a.write(USER, lambda col: answer(col, 1))
    seen = stores.meta.get_head(USER).seq
    b.write(USER, lambda col: answer(col, 2))
    with pytest.raises(ConflictError):
        a.replace_collection(USER, _replacement(tmp_path, range(9, 10)), expected_seq=seen)
    assert _replaced_blobs(stores) == []  # nothing left behind
    with a.read(USER) as col:
        assert answers(col) == ([1, 2], 2)
    result = a.replace_collection(
        USER, _replacement(tmp_path, range(9, 10), "again.anki2"), expected_seq=seen + 1
    )
    assert result.seq == seen + 2
    with b.read(USER) as col:
        assert answers(col) == ([9], 1)


def test_a_file_that_is_not_a_collection_changes_nothing(
    instances: Instances, stores: Stores, tmp_path: Path
) -> None:
    a = instances("a")
    a.write(USER, lambda col: answer(col, 1))
    bogus = tmp_path / "bogus.anki2"
    bogus.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(InvalidCollectionError):
        a.replace_collection(USER, bogus)
    assert stores.meta.get_head(USER).seq == 1
    assert _replaced_blobs(stores) == []
    with a.read(USER) as col:
        assert answers(col) == ([1], 1)


def test_a_new_user_can_start_with_a_replacement(
    instances: Instances, stores: Stores, tmp_path: Path
) -> None:
    result = instances("a").replace_collection(USER, _replacement(tmp_path, range(7, 9)))
    assert result.head_moved and result.seq == 1
    with instances("b").read(USER) as col:
        assert answers(col) == ([7, 8], 2)


def test_writer_on_another_instance_during_replace_loses_nothing_acknowledged(
    instances: Instances, stores: Stores, tmp_path: Path
) -> None:
    """Each acknowledged write is before the marker (replaced: that is what a replace means)
    or after it and then in the result; a refused write raised ConflictError."""
    replacer, writer = instances("replacer"), instances("writer")
    writer.write(USER, lambda col: answer(col, 1))
    acked: list[tuple[int, int]] = []  # (answer number, its journal seq)
    refused: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    started = threading.Event()

    def keep_writing() -> None:
        n = 1000
        while not stop.is_set() or len(acked) < 5:
            n += 1
            try:
                writer.write(USER, functools.partial(answer, n=n))
            except ConflictError:
                refused.append(n)
                continue
            except BaseException as exc:  # surfaced below
                failures.append(exc)
                return
            seq = writer.applied_seq(USER)
            assert seq is not None
            acked.append((n, seq))
            started.set()
            if len(acked) > 400:
                return

    thread = threading.Thread(target=keep_writing)
    thread.start()
    assert started.wait(30)
    results = []
    for round_ in range(3):
        path = _replacement(tmp_path, range(round_ * 10, round_ * 10 + 3), f"r{round_}.anki2")
        results.append(replacer.replace_collection(USER, path))
    stop.set()
    thread.join(60)
    assert not failures, failures
    last = results[-1]
    assert any(seq > last.seq for _, seq in acked), "no write raced after the last replace"
    assert any(seq < results[0].seq for _, seq in acked)

    with instances("referee").read(USER) as col:
        ids, reps = answers(col)
    after = sorted(n for n, seq in acked if seq > last.seq)
    before = {n for n, seq in acked if seq < last.seq}
    assert ids == [20, 21, 22, *after]  # the last replacement, then every later acked write
    assert reps == len(ids)  # nothing applied twice
    assert not before & set(ids)
    assert not set(refused) & set(ids)
    with writer.read(USER) as col:
        assert answers(col) == (ids, reps)
