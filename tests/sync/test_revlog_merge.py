"""Two reviews with one revlog id (a device and the web app in the same millisecond)."""

from __future__ import annotations

import json
from pathlib import Path

from javumbo.collection import Collection, FixedClock
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name
from javumbo.collection.scheduler import Scheduler
from javumbo.sync.commit import _merge_revlog

WEB = [1_800_000_000_123, 11, -1, 3, 1, 0, 2500, 900, 1]
CLIENT = [1_800_000_000_123, 22, 7, 1, -600, 0, 0, 4000, 0]


def revlog(col: Collection) -> dict[int, tuple[int, int]]:
    return {r[0]: (r[1], r[2]) for r in col.db.execute("select id, cid, usn from revlog")}


def test_an_unsent_web_review_moves_and_the_client_keeps_its_id(tmp_path: Path) -> None:
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.0))
    col.db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", WEB)
    _merge_revlog(col, [CLIENT])
    rows = revlog(col)
    assert rows[CLIENT[0]] == (22, 7)  # the id the client has
    moved = [rid for rid, (cid, _) in rows.items() if cid == 11]
    assert len(rows) == 2 and len(moved) == 1
    assert moved[0] != CLIENT[0] and moved[0] // 1000 == CLIENT[0] // 1000
    assert rows[moved[0]] == (11, -1)  # still unsent: goes to the client next time


def test_an_already_sent_review_stays_and_the_incoming_one_moves(tmp_path: Path) -> None:
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.0))
    col.db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [*WEB[:2], 5, *WEB[3:]])
    _merge_revlog(col, [CLIENT])
    rows = revlog(col)
    assert rows[WEB[0]] == (11, 5)
    assert sorted(cid for cid, _ in rows.values()) == [11, 22]


def test_the_same_review_twice_is_kept_once(tmp_path: Path) -> None:
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.0))
    col.db.execute("insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)", CLIENT)
    _merge_revlog(col, [CLIENT])
    assert len(revlog(col)) == 1


def test_a_web_review_s_last_review_time_is_its_revlog_second(tmp_path: Path) -> None:
    """Anki's check database rewrites a card whose ``lrt`` is not the second of its last
    revlog id; a web answer whose id is pushed into the next second must still match."""
    col = Collection.create(tmp_path / "c.anki2", clock=FixedClock(1_800_000_000.5))
    nt = notetype_by_name(col, "Basic")
    assert nt is not None
    with col.transaction():
        note = add_note(col, nt["id"], ["front", "back"], 1)
        col.db.execute(  # another review took the last millisecond of this second
            "insert into revlog values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [1_800_000_000_999, 5, -1, 3, 1, 0, 2500, 900, 1],
        )
    card_id = col.db.execute("select id from cards where nid = ?", (note.id,)).fetchone()[0]
    result = Scheduler(col).answer_card(card_id, 3, 1000)
    assert result.revlog_id == 1_800_000_001_000
    data = json.loads(
        col.db.execute("select data from cards where id = ?", (card_id,)).fetchone()[0]
    )
    assert data["lrt"] == result.revlog_id // 1000
