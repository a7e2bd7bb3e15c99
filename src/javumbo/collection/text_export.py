"""Notes as text, as Anki's "Notes in Plain Text" export writes them (``export_note_csv`` in
``rslib/src/import_export/text/csv/export.rs``): header lines (``#separator:tab``,
``#html:true``, then the guid, note type, deck and tags columns), one tab-separated row per note
(guid, note type name, deck name, the fields padded to the widest note type, tags), fields
quoted only when they must be. Style blocks and ``[[type:…]]`` are left out, as in Anki."""

from __future__ import annotations

import re
from pathlib import Path

from javumbo.collection import decks as deck_ops
from javumbo.collection.collection import Collection

_REDUNDANT = re.compile(r"<style>.*?</style>|\[\[type:[^]]+\]\]", re.IGNORECASE | re.DOTALL)


def _cell(value: str) -> str:
    if any(ch in value for ch in '\t"\r\n#'):
        return '"' + value.replace('"', '""') + '"'
    return value


def export_notes_text(col: Collection, out: Path, *, deck_id: int | None = None) -> int:
    """Write the notes (of ``deck_id`` and its subdecks, else all) to ``out``; how many."""
    models = {int(k): v for k, v in col.models.items()}
    deck_names = {int(k): str(v["name"]) for k, v in col.decks.items()}
    if deck_id is None:
        rows = col.db.execute("select id, guid, mid, flds, tags from notes order by id").fetchall()
    else:
        dids = deck_ops.child_deck_ids(col, deck_id)
        marks = ",".join("?" * len(dids))
        rows = col.db.execute(
            "select id, guid, mid, flds, tags from notes where id in (select nid from cards"
            f" where did in ({marks}) or odid in ({marks})) order by id",
            (*dids, *dids),
        ).fetchall()
    note_deck = dict(
        col.db.execute("select nid, did from cards group by nid having ord = min(ord)").fetchall()
    )
    width = max((len(models[int(r[2])]["flds"]) for r in rows if int(r[2]) in models), default=0)
    tags_column = 3 + width + 1
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write("#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n")
        handle.write(f"#deck column:3\n#tags column:{tags_column}\n")
        for nid, guid, mid, flds, tags in rows:
            model = models.get(int(mid))
            fields = [_REDUNDANT.sub("", f) for f in str(flds).split("\x1f")]
            fields += [""] * (width - len(fields))
            cells = [
                str(guid),
                str(model["name"]) if model else "",
                deck_names.get(int(note_deck.get(nid, 0)), ""),
                *fields,
                " ".join(str(tags).split()),
            ]
            handle.write("\t".join(_cell(c) for c in cells) + "\n")
    return len(rows)
