"""Real Anki as referee of note type changes: a copy of the collection opened by the ``anki``
package must pass ``check_database`` untouched (same notes, same cards: Anki's check adds the
cards a note should have and lacks), and every note type must be one Anki saves as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from javumbo.collection import Collection

CLEAN = "Database rebuilt and optimized."


def card_set(db: Any) -> set[tuple[int, int]]:
    return {(int(nid), int(o)) for nid, o in db.execute("select nid, ord from cards")}


def note_fields(db: Any) -> dict[int, tuple[int, str]]:
    return {int(i): (int(m), str(f)) for i, m, f in db.execute("select id, mid, flds from notes")}


def anki_verdict(col: Collection, work: Path) -> dict[str, Any]:
    """Check ``col`` with real Anki; returns what Anki saw (note type names, card count...)."""
    from anki.collection import Collection as AnkiCollection

    work.mkdir(parents=True, exist_ok=True)
    copy = work / f"referee-{len(list(work.iterdir()))}.anki2"
    col.backup_to(copy)
    ours_cards = card_set(col.db)
    ours_notes = note_fields(col.db)
    acol = AnkiCollection(str(copy))
    try:
        message, ok = acol.fix_integrity()
        assert ok and message == CLEAN, message
        assert card_set(acol.db) == ours_cards, "Anki's check changed the cards"
        assert note_fields(acol.db) == ours_notes, "Anki's check changed the notes"
        for entry in acol.models.all_names_and_ids():
            nt = acol.models.get(entry.id)
            assert nt is not None
            acol.models.update_dict(nt)  # Anki's own template checks, on our templates
        assert card_set(acol.db) == ours_cards, "saving the note types in Anki changed cards"
        return {
            "notetypes": sorted(e.name for e in acol.models.all_names_and_ids()),
            "cards": acol.card_count(),
            "notes": acol.note_count(),
        }
    finally:
        acol.close()
