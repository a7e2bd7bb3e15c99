"""Repositioning card types (Anki's Cards… → Options → Reposition): every card keeps its
template, the templates' ords are renumbered, as real Anki's ``reposition_template`` does on a
copy of the same collection."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock
from javumbo.collection.notes import add_note
from javumbo.collection.notetype_update import update_notetype
from javumbo.collection.notetypes import get_notetype, notetype_by_name
from tests.collection.notetype_referee import anki_verdict

THREE_CARDS = [
    {"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"},
    {"name": "Card 2", "ord": 1, "qfmt": "{{Back}}", "afmt": "{{FrontSide}}<hr>{{Front}}"},
    {"name": "Card 3", "ord": 2, "qfmt": "{{#Extra}}{{Extra}}{{/Extra}}", "afmt": "{{Front}}"},
]


def three_card_type(col: Collection) -> int:
    """Basic with an Extra field and three card types (the third only when Extra is set)."""
    found = notetype_by_name(col, "Basic")
    assert found is not None
    nt = copy.deepcopy(found)
    nt["flds"].append({"name": "Extra", "ord": None})
    nt["tmpls"] = [
        {**nt["tmpls"][0], **THREE_CARDS[0]},
        {**THREE_CARDS[1], "ord": None},
        {**THREE_CARDS[2], "ord": None},
    ]
    update_notetype(col, nt)
    return int(nt["id"])


def template_of_cards(db: Any, mid: int, tmpls: list[dict[str, Any]]) -> dict[int, tuple[int, str]]:
    """Card id -> (ord, the front template its ord names now)."""
    fronts = {int(t["ord"]): str(t["qfmt"]) for t in tmpls}
    rows = db.execute(
        "select c.id, c.ord from cards c join notes n on n.id = c.nid where n.mid = ?", mid
    )
    return {int(cid): (int(o), fronts[int(o)]) for cid, o in rows}


def ours(col: Collection, mid: int) -> dict[int, tuple[int, str]]:
    rows = col.db.execute(
        "select c.id, c.ord from cards c join notes n on n.id = c.nid where n.mid = ?", (mid,)
    ).fetchall()
    fronts = {int(t["ord"]): str(t["qfmt"]) for t in get_notetype(col, mid)["tmpls"]}
    return {int(cid): (int(o), fronts[int(o)]) for cid, o in rows}


def anki_repositioned(col: Collection, work: Path, mid: int, moves: list[tuple[int, int]]) -> Any:
    """Real Anki's ``reposition_template`` (template at ``from`` to index ``to``, one after the
    other) on a copy of ``col``; returns card id -> (ord, front)."""
    from anki.collection import Collection as AnkiCollection

    work.mkdir(parents=True, exist_ok=True)
    path = work / "anki-reposition.anki2"
    col.backup_to(path)
    acol = AnkiCollection(str(path))
    try:
        for source, target in moves:
            nt = acol.models.get(mid)  # type: ignore[arg-type]
            assert nt is not None
            acol.models.reposition_template(nt, nt["tmpls"][source], target)
            acol.models.update_dict(nt)
        final = acol.models.get(mid)  # type: ignore[arg-type]
        assert final is not None
        return template_of_cards(acol.db, mid, final["tmpls"])
    finally:
        acol.close()


@pytest.mark.parametrize(
    "moves",
    [[(0, 1)], [(2, 0)], [(0, 2), (0, 1)]],
    ids=["first-down", "last-to-front", "rotate"],
)
def test_repositioned_card_types_keep_their_cards_as_in_anki(
    col: Collection, clock: FixedClock, tmp_path: Path, moves: list[tuple[int, int]]
) -> None:
    mid = three_card_type(col)
    add_note(col, mid, ["front", "back", "extra"], 1)
    add_note(col, mid, ["only front", "back", ""], 1)
    before = ours(col, mid)
    expected = anki_repositioned(col, tmp_path / "anki", mid, moves)
    scm = col.scm
    clock.advance(5)
    for source, target in moves:
        nt = copy.deepcopy(get_notetype(col, mid))
        tmpls = nt["tmpls"]
        tmpls.insert(target, tmpls.pop(source))
        saved = update_notetype(col, nt)
        assert saved.schema_changed and saved.cards_added == 0 and saved.cards_removed == 0
    after = ours(col, mid)
    assert after == expected
    assert {o for o, _ in after.values()} == {0, 1, 2}
    assert any(after[cid][0] != before[cid][0] for cid in before), "no card moved"
    assert {cid: front for cid, (_, front) in after.items()} == {
        cid: front for cid, (_, front) in before.items()
    }, "a card changed template"
    assert [int(t["ord"]) for t in get_notetype(col, mid)["tmpls"]] == [0, 1, 2]
    assert col.scm > scm
    anki_verdict(col, tmp_path / "referee")
