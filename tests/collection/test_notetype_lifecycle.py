"""Note types as a whole: stock kinds exactly as Anki 26.9 makes them, copies, deletion with
notes and cards; real Anki checks the result clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock, ValidationError
from javumbo.collection.notes import add_note
from javumbo.collection.notetype_lifecycle import (
    add_stock_notetype,
    clone_notetype,
    delete_notetype,
    note_counts,
)
from javumbo.collection.notetype_stock import STOCK_KINDS
from javumbo.collection.notetypes import get_notetype, notetype_by_name
from tests.collection.notetype_referee import anki_verdict

VOLATILE = {"id", "mod", "usn", "ord"}


def shape(value: Any) -> Any:
    """A note type without ids, times and ords: what must equal Anki's own."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return value


@pytest.mark.parametrize("kind", STOCK_KINDS)
def test_stock_kinds_are_what_anki_makes(col: Collection, tmp_path: Path, kind: str) -> None:
    from anki.collection import Collection as AnkiCollection
    from anki.stdmodels import StockNotetypeKind, _get_stock_notetype

    acol = AnkiCollection(str(tmp_path / "anki.anki2"))
    try:
        theirs = _get_stock_notetype(acol, StockNotetypeKind.Value(f"KIND_{kind.upper()}"))
        mid = acol.models.add_dict(theirs).id
        anki_made = acol.models.get(mid)
    finally:
        acol.close()
    before = col.scm
    ours = get_notetype(col, add_stock_notetype(col, kind, name=str(anki_made["name"]) + "2"))
    assert col.scm >= before
    assert shape({**ours, "name": anki_made["name"]}) == shape(anki_made)
    stock_ids = {e["id"] for nt in col.models.values() for e in nt["flds"] if nt is not ours}
    assert not {f["id"] for f in ours["flds"]} & stock_ids  # fresh element ids
    anki_verdict(col, tmp_path / "referee")


def test_clone_then_delete_with_its_notes(
    col: Collection, clock: FixedClock, tmp_path: Path
) -> None:
    basic = notetype_by_name(col, "Basic (and reversed card)")
    assert basic is not None
    copy_id = clone_notetype(col, int(basic["id"]))
    copy = get_notetype(col, copy_id)
    assert copy["name"] == "Basic (and reversed card) copy"
    assert [t["qfmt"] for t in copy["tmpls"]] == [t["qfmt"] for t in basic["tmpls"]]
    for word in ("one", "two", "three"):
        add_note(col, copy_id, [word, "x"], 1)
    add_note(col, int(basic["id"]), ["kept", "x"], 1)
    assert note_counts(col)[copy_id] == 3
    anki_verdict(col, tmp_path / "a")
    before = col.scm
    clock.advance(5)
    assert delete_notetype(col, copy_id) == 3
    assert col.scm > before and str(copy_id) not in col.models
    assert col.db.execute("select count() from cards").fetchone()[0] == 2
    assert col.db.execute("select count() from graves where type = 1").fetchone()[0] == 3
    verdict = anki_verdict(col, tmp_path / "b")
    assert "Basic (and reversed card) copy" not in verdict["notetypes"]


def test_names_must_be_free_and_the_last_type_stays(col: Collection) -> None:
    with pytest.raises(ValidationError, match="already exists"):
        add_stock_notetype(col, "basic", name="cloze")
    with pytest.raises(ValidationError, match="unknown stock note type"):
        add_stock_notetype(col, "image_occlusion_plus")
    mids = [int(k) for k in col.models]
    for mid in mids[:-1]:
        delete_notetype(col, mid)
    with pytest.raises(ValidationError, match="last note type"):
        delete_notetype(col, mids[-1])
