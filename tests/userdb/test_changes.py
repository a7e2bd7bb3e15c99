"""Change capture and replay: a replica fed only journal payloads ends byte-equal (row for row)
to the original, entries stay small, and replay is idempotent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from javumbo.collection import Collection, FixedClock
from javumbo.collection.schema import COLUMNS
from javumbo.userdb.changes import (
    Change,
    ChangeCapture,
    EntryFormatError,
    decode_entry,
    encode_change,
    encode_spill_pointer,
)

T0 = 1_700_000_000.0


def dump(col: Collection) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for table, names in COLUMNS.items():
        rows = col.db.execute(f"select rowid, {', '.join(names)} from {table} order by rowid")
        out[table] = [tuple(r) for r in rows]
    return out


class Pair:
    """An original collection whose commits are journaled, and a replica fed the payloads."""

    def __init__(self, tmp: Path) -> None:
        self.clock = FixedClock(T0)
        self.original = Collection.create(tmp / "a.anki2", self.clock)
        self.original.backup_to(tmp / "b.anki2")
        self.replica = Collection.open(tmp / "b.anki2", self.clock)
        self.capture = ChangeCapture(self.original)
        self.replica_capture = ChangeCapture(self.replica)
        self.payloads: list[bytes] = []
        self.original.add_before_commit_hook(self._journal)

    def _journal(self, _col: Collection) -> None:
        if self.capture.replaying:
            return
        change = self.capture.collect()
        if not change.is_empty:
            self.payloads.append(encode_change(change))
            self.capture.committed()

    def sync(self) -> None:
        changes = [decode_entry(p).change for p in self.payloads]
        self.replica_capture.replay(c for c in changes if c is not None)
        self.payloads.clear()

    def close(self) -> None:
        self.original.close()
        self.replica.close()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = Pair(tmp_path)
    yield p
    p.close()


def add_note_with_card(col: Collection, nid: int, text: str) -> None:
    with col.transaction() as db:
        db.execute(
            "insert into notes values (?, ?, 1, ?, -1, '', ?, ?, 0, 0, '')",
            (nid, f"g{nid}", col.now_secs(), text, text),
        )
        db.execute(
            "insert into cards values (?, ?, 1, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
            (nid + 1, nid, col.now_secs(), nid),
        )


def review(col: Collection, cid: int, rid: int) -> None:
    with col.transaction() as db:
        db.execute(
            "update cards set type = 2, queue = 2, ivl = ivl + 1, reps = reps + 1, mod = ?"
            " where id = ?",
            (col.now_secs(), cid),
        )
        db.execute("insert into revlog values (?, ?, -1, 3, 1, 0, 2500, 4200, 1)", (rid, cid))
        db.execute("update col set mod = ?", (col.now_ms(),))


def test_replica_matches_after_inserts_updates_deletes(pair: Pair) -> None:
    col = pair.original
    add_note_with_card(col, 100, "front\x1fback")
    add_note_with_card(col, 200, "two\x1fsides")
    review(col, 101, 5000)
    with col.transaction() as db:
        db.execute("delete from cards where nid = 200")
        db.execute("delete from notes where id = 200")
        db.execute("insert into graves values (-1, 200, 1)")
        db.execute("insert into graves values (-1, 201, 0)")
    with col.transaction() as db:
        db.execute("update notes set id = 300 where id = 100")  # a rowid that moves
        db.execute("delete from graves where oid = 201")
    decks = dict(col.decks)
    decks["2"] = {**decks["1"], "id": 2, "name": "Second"}
    col.save_json("decks", decks)
    pair.sync()
    assert dump(pair.replica) == dump(col)
    assert pair.replica.decks["2"]["name"] == "Second"  # reload() happened on the replica


def test_review_entry_is_small_and_omits_unchanged_col_columns(pair: Pair) -> None:
    add_note_with_card(pair.original, 100, "q\x1fa")
    pair.payloads.clear()
    pair.clock.advance(60)
    review(pair.original, 101, 6000)
    (payload,) = pair.payloads
    assert len(payload) < 400, len(payload)
    change = decode_entry(payload).change
    assert change is not None
    assert set(change.col) == {"mod"}
    assert set(change.upserts) == {"cards", "revlog"}


def test_a_changed_deck_is_journaled_alone_whatever_the_number_of_decks(pair: Pair) -> None:
    """An answer rewrites its deck's today counters in the decks column: the entry holds that
    deck's entry only (and the replica's column comes out byte for byte the same)."""
    col = pair.original
    decks = dict(col.decks)
    for k in range(2, 300):
        decks[str(k)] = {**decks["1"], "id": k, "name": f"Deck {k}"}
    col.save_json("decks", decks)
    pair.sync()
    decks = dict(col.decks)
    decks["150"] = {**decks["150"], "newToday": [3, 1]}
    del decks["299"]
    col.save_json("decks", decks)
    (payload,) = pair.payloads
    assert len(payload) < 1_000, len(payload)
    change = decode_entry(payload).change
    assert change is not None and "decks" not in change.col
    assert change.col_patches["decks"]["d"] == ["299"]
    assert list(change.col_patches["decks"]["s"]) == ["150"]
    pair.sync()
    assert dump(pair.replica) == dump(col)
    assert pair.replica.decks["150"]["newToday"] == [3, 1]


def test_a_bounded_list_that_grows_is_journaled_by_its_new_items(pair: Pair) -> None:
    """The undo steps: a list in ``conf`` that gains a step and, once full, loses its oldest.
    Each entry carries the new step only; an undo (the last step removed) stores the list."""
    col = pair.original
    big = "x" * 2_000
    steps: list[dict[str, object]] = []
    for k in range(8):
        steps = [*steps, {"label": f"Answer {k}", "rows": big}][-5:]
        col.save_json("conf", {**col.conf, "steps": steps})
        change = decode_entry(pair.payloads[-1]).change
        assert change is not None and "conf" not in change.col
        patch = change.col_patches["conf"]
        if k == 0:
            assert patch["s"] == {"steps": steps}  # a new key is set whole
            continue
        assert patch["t"]["steps"][:2] == [1 if k >= 5 else 0, [steps[-1]]] and not patch["s"]
        assert len(pair.payloads[-1]) < 600
    col.save_json("conf", {**col.conf, "steps": steps[:-1]})
    change = decode_entry(pair.payloads[-1]).change
    assert change is not None and change.col_patches["conf"]["s"] == {"steps": steps[:-1]}
    payloads = list(pair.payloads)
    pair.sync()
    assert dump(pair.replica) == dump(col)
    assert pair.replica.conf["steps"] == steps[:-1]
    pair.payloads.extend(payloads)  # replayed a second time: the same rows
    pair.sync()
    assert dump(pair.replica) == dump(col)
    pair.payloads.extend(payloads[-3:-1])  # two steps the list is already past
    pair.sync()
    assert dump(pair.replica) == dump(col)


def test_a_json_column_written_otherwise_is_journaled_whole(pair: Pair) -> None:
    """Text that the collection's own writing would not give back (here compact JSON, as Anki
    writes it) is stored whole, so the replica's bytes stay the original's."""
    col = pair.original
    compact = json.dumps({**col.tags, "written-by-anki": 0}, separators=(",", ":"))
    with col.transaction() as db:
        db.execute("update col set tags = ?", (compact,))
    change = decode_entry(pair.payloads[-1]).change
    assert change is not None and change.col["tags"] == compact and not change.col_patches
    pair.sync()
    assert dump(pair.replica) == dump(col)


def test_whole_column_entries_of_earlier_versions_still_replay(pair: Pair) -> None:
    decks = {**pair.original.decks, "7": {**pair.original.decks["1"], "id": 7, "name": "Old"}}
    change = decode_entry(encode_change(Change(col={"decks": json.dumps(decks)}))).change
    assert change is not None and not change.col_patches
    pair.replica_capture.replay([change])
    assert pair.replica.decks["7"]["name"] == "Old"


def test_replay_twice_is_idempotent(pair: Pair) -> None:
    add_note_with_card(pair.original, 100, "q\x1fa")
    review(pair.original, 101, 7000)
    payloads = list(pair.payloads)
    pair.sync()
    pair.payloads.extend(payloads)
    pair.sync()
    assert dump(pair.replica) == dump(pair.original)


def test_rolled_back_transaction_leaves_nothing_to_collect(pair: Pair) -> None:
    def boom(_col: Collection) -> None:
        raise RuntimeError("append lost")

    pair.original.add_before_commit_hook(boom)
    with pytest.raises(RuntimeError):
        add_note_with_card(pair.original, 100, "q\x1fa")
    pair.original.remove_before_commit_hook(boom)
    pair.payloads.clear()
    pair.clock.advance(1)
    pair.original.touch()
    (payload,) = pair.payloads
    change = decode_entry(payload).change
    assert change is not None
    assert change.upserts == {} and set(change.col) == {"mod"}


def test_read_only_transaction_is_empty(pair: Pair) -> None:
    with pair.original.transaction() as db:
        db.execute("select count() from cards").fetchone()
    assert pair.payloads == []


def test_large_change_is_compressed_and_bytes_round_trip(pair: Pair) -> None:
    col = pair.original
    with col.transaction() as db:
        for i in range(200):
            db.execute(
                "insert into notes values (?, ?, 1, 0, -1, '', ?, ?, 0, 0, ?)",
                (1000 + i, f"g{i}", "same text " * 10, i, b"\x00\xffbin"),
            )
    (payload,) = pair.payloads
    assert payload[:1] == b"z"
    pair.sync()
    assert dump(pair.replica) == dump(col)
    assert pair.replica.db.execute("select data from notes where id = 1000").fetchone()[0] == (
        b"\x00\xffbin"
    )


def test_result_and_spill_pointer_round_trip() -> None:
    entry = decode_entry(encode_change(Change(col={"mod": 5}), result={"card": 7}))
    assert entry.result == {"card": 7}
    assert entry.change is not None and entry.change.col == {"mod": 5}
    pointer = decode_entry(encode_spill_pointer("users/u/spill/1", result=[1]))
    assert pointer.change is None and pointer.spill_key == "users/u/spill/1"
    assert pointer.result == [1]


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"x{}",
        b"j{not json",
        b"j" + json.dumps({"v": 99}).encode(),
        b"j" + json.dumps({"v": 1, "u": {"sqlite_master": [[1]]}}).encode(),
        b"j" + json.dumps({"v": 1, "d": {"cards": ["x"]}}).encode(),
        b"j" + json.dumps({"v": 1, "c": {"evil; drop": 1}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"crt": {"s": {}, "d": []}}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"decks": {"s": [], "d": []}}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"decks": {"s": {}, "d": [1]}}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"decks": 5}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"conf": {"t": {"k": [-1, [], "d"]}}}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"conf": {"t": {"k": [0, 5, "d"]}}}}).encode(),
        b"j" + json.dumps({"v": 3, "p": {"conf": {"t": {"k": [0, []]}}}}).encode(),
        b"z\x00\x01garbage",
    ],
)
def test_corrupt_payloads_raise_entry_format_error(payload: bytes) -> None:
    with pytest.raises(EntryFormatError):
        decode_entry(payload)


# A random mix of operations: the replica must always converge on the original.
OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "review", "delete", "grave", "ungrave", "json", "move"]),
        st.integers(min_value=0, max_value=6),
    ),
    min_size=1,
    max_size=25,
)


def apply_op(col: Collection, op: str, k: int) -> None:
    nid = 10_000 + k * 10
    if op == "add":
        with col.transaction() as db:
            db.execute("delete from notes where id = ?", (nid,))
            db.execute("delete from cards where id = ?", (nid + 1,))
        add_note_with_card(col, nid, f"n{k}")
    elif op == "review":
        review(col, nid + 1, col.new_id("revlog"))
    elif op == "delete":
        with col.transaction() as db:
            db.execute("delete from cards where nid = ?", (nid,))
            db.execute("delete from notes where id = ?", (nid,))
    elif op == "grave":
        with col.transaction() as db:
            db.execute("insert into graves values (-1, ?, 1)", (nid,))
    elif op == "ungrave":
        with col.transaction() as db:
            db.execute("delete from graves where oid = ?", (nid,))
    elif op == "json":
        tags = dict(col.tags)
        tags[f"t{k}"] = 0
        col.save_json("tags", tags)
    elif op == "move":
        with col.transaction() as db:
            # "or replace": a note moved there before and added again must not stop the test
            db.execute("update or replace notes set id = id + 5 where id = ?", (nid,))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_replica_converges_for_random_operations(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]]
) -> None:
    p = Pair(tmp_path_factory.mktemp("ops"))
    try:
        for op, k in ops:
            p.clock.advance(1.5)
            apply_op(p.original, op, k)
        p.sync()
        assert dump(p.replica) == dump(p.original)
    finally:
        p.close()


def test_capture_survives_reopen_of_another_connection(tmp_path: Path) -> None:
    """Temp triggers live on our connection only: another connection's writes are not seen,
    and nothing of the capture machinery is stored in the file."""
    col = Collection.create(tmp_path / "c.anki2", FixedClock(T0))
    ChangeCapture(col)
    col.touch()
    col.close()
    raw = sqlite3.connect(tmp_path / "c.anki2")
    names = {r[0] for r in raw.execute("select name from sqlite_master")}
    raw.close()
    assert not any(n.startswith("jv_") for n in names)
