"""The collection's multi-step undo: answers and actions undone newest first, rows restored
exactly (usn marked unsynced), bounded, too-large steps refused, newer changes never clobbered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection import undo as undo_ops
from javumbo.collection.cards import set_flag, suspend_cards
from javumbo.collection.notes import add_note, delete_notes
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.scheduler import Scheduler


def _basic(col: Collection, count: int, deck_id: int = 1, kind: str = "Basic") -> list[int]:
    nt = notetype_by_name(col, kind)
    assert nt is not None
    cids: list[int] = []
    for i in range(count):
        note = add_note(col, int(nt["id"]), [f"front {i}", f"back {i}"], deck_id)
        cids += [r[0] for r in col.db.execute("select id from cards where nid = ?", (note.id,))]
    return cids


def _cards(col: Collection) -> list[tuple[Any, ...]]:
    rows = col.db.execute("select * from cards order by id").fetchall()
    return [tuple(r[:5]) + tuple(r[6:]) for r in rows]  # all but usn


def _notes(col: Collection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in col.db.execute("select id, tags, flds, mod from notes order by id")]


def test_answers_and_actions_undo_newest_first_from_another_process(
    col: Collection, col_path: Path, clock: FixedClock
) -> None:
    a, b = _basic(col, 2)
    start = _cards(col)
    Scheduler(col).answer_card(a, 3, 2_000)
    after_answer = _cards(col)
    clock.advance(5)
    with undo_ops.undoable(col, "Flag Card", card_ids=[b], card_id=b):
        set_flag(col, [b], 2)
    clock.advance(5)
    with undo_ops.undoable(col, "Suspend Card", card_ids=[a, b]):
        suspend_cards(col, [a, b])
    status = undo_ops.undo_status(col)
    assert status is not None and status.label == "Suspend Card" and status.undoable
    col.close()
    reopened = Collection.open(col_path, clock=clock)
    try:
        first = undo_ops.undo(reopened)
        assert (first.label, first.card_id, first.cards) == ("Suspend Card", None, 2)
        assert undo_ops.undo(reopened).label == "Flag Card"
        assert _cards(reopened) == after_answer
        last = undo_ops.undo(reopened)
        assert (last.label, last.card_id) == ("Answer Card", a)
        assert _cards(reopened) == start
        assert reopened.db.execute("select count() from revlog").fetchone()[0] == 0
        assert reopened.db.execute("select min(usn) from cards").fetchone()[0] == -1
        with pytest.raises(undo_ops.NothingToUndoError):
            undo_ops.undo(reopened)
        assert undo_ops.undo_status(reopened) is None
    finally:
        reopened.close()


def test_a_failed_block_records_nothing_and_changes_nothing(col: Collection) -> None:
    [cid] = _basic(col, 1)
    before = _cards(col)
    with pytest.raises(RuntimeError), undo_ops.undoable(col, "Bury", card_ids=[cid]):
        suspend_cards(col, [cid])
        raise RuntimeError("boom")
    assert _cards(col) == before and undo_ops.undo_status(col) is None


def test_deleted_notes_come_back_with_their_cards_and_no_graves(col: Collection) -> None:
    cids = _basic(col, 2, kind="Basic (and reversed card)")
    nids = [r[0] for r in col.db.execute("select id from notes order by id")]
    cards, notes = _cards(col), _notes(col)
    with undo_ops.undoable(col, "Delete Note", card_ids=cids, note_ids=nids):
        delete_notes(col, nids[:1])
    assert col.db.execute("select count() from graves").fetchone()[0] == 3
    assert undo_ops.undo(col).notes == 2
    assert _cards(col) == cards and _notes(col) == notes
    assert col.db.execute("select count() from graves").fetchone()[0] == 0


def test_decks_are_restored_and_new_ones_removed(col: Collection) -> None:
    decks_before = dict(col.decks)
    future = max(int(k) for k in col.decks) + 10_000
    with undo_ops.undoable(col, "Add Deck", deck_ids=[future]):
        decks = dict(col.decks)
        decks[str(future)] = {**decks["1"], "id": future, "name": "Later"}
        col.save_json("decks", decks)
    undo_ops.undo(col)
    assert str(future) not in col.decks and set(decks_before) <= set(col.decks)


def test_the_stack_is_bounded_in_steps(col: Collection) -> None:
    [cid] = _basic(col, 1)
    for flag in range(undo_ops.MAX_STEPS + 5):
        with undo_ops.undoable(col, f"Flag {flag}", card_ids=[cid]):
            set_flag(col, [cid], flag % 8)
    steps = col.conf[undo_ops.STEPS_KEY]
    assert len(steps) == undo_ops.MAX_STEPS
    assert steps[0]["label"] == "Flag 5" and steps[-1]["label"] == f"Flag {undo_ops.MAX_STEPS + 4}"


def test_a_step_too_large_to_keep_cannot_be_undone_and_clears_older_steps(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo_ops, "MAX_STEP_ROWS", 3)
    cids = _basic(col, 5)
    with undo_ops.undoable(col, "Flag Card", card_ids=cids[:1]):
        set_flag(col, cids[:1], 1)
    with undo_ops.undoable(col, "Suspend Card", card_ids=cids):
        suspend_cards(col, cids)
    status = undo_ops.undo_status(col)
    assert status is not None and not status.undoable
    with pytest.raises(undo_ops.UndoTooLargeError, match="Suspend Card"):
        undo_ops.undo(col)
    assert undo_ops.undo_status(col) is None  # the flag step before it is gone too
    assert col.db.execute("select count() from cards where queue = -1").fetchone()[0] == 5


def test_a_change_made_after_a_step_is_never_overwritten(
    col: Collection, clock: FixedClock
) -> None:
    [cid] = _basic(col, 1)
    with undo_ops.undoable(col, "Flag Card", card_ids=[cid]):
        set_flag(col, [cid], 3)
    clock.advance(2)
    suspend_cards(col, [cid])  # not through undo: a newer change
    with pytest.raises(undo_ops.UndoConflictError):
        undo_ops.undo(col)
    row = col.db.execute("select flags, queue from cards where id = ?", (cid,)).fetchone()
    assert tuple(row) == (3, -1)
    assert undo_ops.undo_status(col) is None


def test_the_one_level_answer_undo_of_older_versions_is_dropped(col: Collection) -> None:
    [cid] = _basic(col, 1)
    conf = dict(col.conf)
    conf[undo_ops.LEGACY_KEY] = {"cid": cid}
    col.save_json("conf", conf)
    Scheduler(col).answer_card(cid, 3, 1_000)
    assert undo_ops.LEGACY_KEY not in col.conf
