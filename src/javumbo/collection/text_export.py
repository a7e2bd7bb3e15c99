"""Notes as text, as Anki's "Notes in Plain Text" export writes them (``export_note_csv`` in
``rslib/src/import_export/text/csv/export.rs``): header lines (``#separator:tab``,
``#html:true``, then the guid, note type, deck and tags columns), one tab-separated row per note
(guid, note type name, deck name, the fields padded to the widest note type, tags), fields
quoted only when they must be. Style blocks and ``[[type:…]]`` are left out, as in Anki.
Anki's export options leave out the HTML (each field made one line of text without media) and
any of the guid, note type, deck and tags columns."""

from __future__ import annotations

import re
from pathlib import Path

from javumbo.collection import decks as deck_ops
from javumbo.collection.collection import Collection
from javumbo.collection.html_text import strip_html

_REDUNDANT = re.compile(r"<style>.*?</style>|\[\[type:[^]]+\]\]", re.IGNORECASE | re.DOTALL)
_LINE_BREAKS = re.compile(r"<br\s*/?>|<div>|\n", re.IGNORECASE)
_TYPE_TAG = re.compile(r"\[\[type:[^]]+\]\]")
_SOUND_TAG = re.compile(r"\[sound:([^]]+)\]")


def _text_line(field: str) -> str:
    """Anki's ``html_to_text_line``: line breaks become spaces, ``[[type:…]]``, sounds and
    tags go, entities are decoded; the result is trimmed only when any of that changed the
    field (Anki trims its new copy and hands a field it did not need to copy back as it was)."""
    text = strip_html(_SOUND_TAG.sub("", _TYPE_TAG.sub("", _LINE_BREAKS.sub(" ", field))))
    return text.strip() if text != field else text


def _cell(value: str) -> str:
    if any(ch in value for ch in '\t"\r\n#'):
        return '"' + value.replace('"', '""') + '"'
    return value


def export_notes_text(
    col: Collection,
    out: Path,
    *,
    deck_id: int | None = None,
    with_html: bool = True,
    with_tags: bool = True,
    with_deck: bool = True,
    with_notetype: bool = True,
    with_guid: bool = True,
) -> int:
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
    header = ["#separator:tab", f"#html:{'true' if with_html else 'false'}"]
    leading = 0
    for wanted, name in ((with_guid, "guid"), (with_notetype, "notetype"), (with_deck, "deck")):
        if wanted:
            leading += 1
            header.append(f"#{name} column:{leading}")
    if with_tags:
        header.append(f"#tags column:{leading + width + 1}")
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write("".join(f"{line}\n" for line in header))
        for nid, guid, mid, flds, tags in rows:
            model = models.get(int(mid))
            fields = [
                _REDUNDANT.sub("", f) if with_html else _text_line(f)
                for f in str(flds).split("\x1f")
            ]
            fields += [""] * (width - len(fields))
            cells = [str(guid)] if with_guid else []
            if with_notetype:
                cells.append(str(model["name"]) if model else "")
            if with_deck:
                cells.append(deck_names.get(int(note_deck.get(nid, 0)), ""))
            cells += fields
            if with_tags:
                cells.append(" ".join(str(tags).split()))
            handle.write("\t".join(_cell(c) for c in cells) + "\n")
    return len(rows)
