"""Saving a changed note type, and what follows for its notes and cards, as Anki does it.

A changed type is given the way Anki's own ``update_dict`` takes it: the whole type, where
each field and template still carries the ``ord`` it had before (``None`` for a new one). From
that the save works out what moved, what was renamed and what went:

* fields added, removed or moved rewrite every note's values (a field added at the end leaves
  every existing value where it was); renamed or removed fields are followed in the templates
  (``{{Old}}`` -> ``{{New}}``, sections and filters too);
* templates removed take their cards with them, moved templates carry their cards' ``ord``;
* after a template change, notes get the cards the new templates ask for (cards that became
  empty stay until Anki's Empty Cards, as in Anki);
* adding, removing or moving fields or templates, or a new sort field, is a schema change
  (``col.scm``): Anki's client then needs a one-way full sync.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from javumbo.collection.cards import chunks, generate_cards, placeholders, remove_card_rows
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.notes import FIELD_SEPARATOR, Note, field_checksum, sort_field_value
from javumbo.collection.notetype_stock import new_field, new_template
from javumbo.collection.notetype_templates import (
    check_templates,
    rename_fields_in_template,
    requirements,
)
from javumbo.collection.notetypes import CLOZE, NotetypeDict, get_notetype

MAX_NAME_CHARS = 500


@dataclass(frozen=True)
class NotetypeSaved:
    """What a save did. ``schema_changed``: Anki's client needs a full sync now."""

    schema_changed: bool
    cards_added: int
    cards_removed: int


def clean_notetype_name(col: Collection, name: object, *, keep_id: int | None = None) -> str:
    """Anki drops ``"`` from note type names; a name must be non-empty and unused (names
    compare case-insensitively, as Anki's ``unicase`` column does)."""
    if not isinstance(name, str):
        raise ValidationError("a note type name must be text")
    cleaned = name.replace('"', "").strip()
    if not cleaned:
        raise ValidationError("a note type needs a non-empty name")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValidationError(f"a note type name has at most {MAX_NAME_CHARS} characters")
    for other in col.models.values():
        if str(other.get("name", "")).lower() == cleaned.lower() and other.get("id") != keep_id:
            raise ValidationError(f"a note type named {cleaned!r} already exists")
    return cleaned


def clean_field_name(name: object) -> str:
    """Anki's ``NoteField::fix_name``: no leading ``#``, ``/``, ``^``; no ``:``, ``{``, ``}``
    or ``"``; no surrounding blanks."""
    if not isinstance(name, str):
        raise ValidationError("a field name must be text")
    cleaned = name.strip().lstrip("#/^")
    for ch in ':{}"':
        cleaned = cleaned.replace(ch, "")
    cleaned = cleaned.strip()
    if not cleaned:
        raise ValidationError("Empty field name")
    return cleaned


def clean_template_name(name: object) -> str:
    if not isinstance(name, str):
        raise ValidationError("a card template name must be text")
    cleaned = name.replace('"', "").strip()
    if not cleaned:
        raise ValidationError("Empty template name")
    return cleaned


def _previous_ords(
    items: Sequence[dict[str, Any]], previous_count: int, what: str
) -> list[int | None]:
    ords: list[int | None] = []
    for item in items:
        ord_ = item.get("ord")
        if ord_ is not None and (
            not isinstance(ord_, int) or isinstance(ord_, bool) or not 0 <= ord_ < previous_count
        ):
            raise ValidationError(f"{what} ord {ord_!r} is not one of the note type's {what}s")
        ords.append(ord_)
    known = [o for o in ords if o is not None]
    if len(set(known)) != len(known):
        raise ValidationError(f"two {what}s claim the same ord")
    return ords


def _ords_changed(ords: Sequence[int | None], previous_count: int) -> bool:
    return len(ords) != previous_count or any(o != i for i, o in enumerate(ords))


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise ValidationError(f"two {what}s are named {name!r}")
        seen.add(name.lower())


def update_notetype(col: Collection, changed: NotetypeDict) -> NotetypeSaved:
    """Save ``changed`` (the whole type, elements keeping their previous ``ord``) over the note
    type with its id, and bring its notes and cards along (see the module docstring)."""
    old = get_notetype(col, int(changed["id"]))
    nt = copy.deepcopy(changed)
    flds: list[dict[str, Any]] = list(nt.get("flds") or [])
    tmpls: list[dict[str, Any]] = list(nt.get("tmpls") or [])
    if not flds:
        raise ValidationError("a note type needs at least one field")
    if not tmpls:
        raise ValidationError("a note type needs at least one card template")
    nt["type"] = int(old.get("type", 0))
    if nt["type"] == CLOZE and len(tmpls) != 1:
        raise ValidationError("a Cloze note type has exactly one card template")
    nt["name"] = clean_notetype_name(col, nt.get("name"), keep_id=int(old["id"]))
    field_ords = _previous_ords(flds, len(old["flds"]), "field")
    template_ords = _previous_ords(tmpls, len(old["tmpls"]), "template")
    old_fields = sorted(old["flds"], key=lambda f: int(f["ord"]))
    old_templates = sorted(old["tmpls"], key=lambda t: int(t["ord"]))
    # Keys a caller leaves out keep their stored value (or Anki's default for a new element).
    flds = [
        {**(old_fields[o] if o is not None else new_field("")), **f}
        for f, o in zip(flds, field_ords, strict=True)
    ]
    tmpls = [
        {**(old_templates[o] if o is not None else new_template("")), **t}
        for t, o in zip(tmpls, template_ords, strict=True)
    ]
    for field in flds:
        field["name"] = clean_field_name(field.get("name"))
    for tmpl in tmpls:
        tmpl["name"] = clean_template_name(tmpl.get("name"))
        for side in ("qfmt", "afmt"):
            if not isinstance(tmpl.get(side, ""), str):
                raise ValidationError("a card template's sides must be text")
    _unique([f["name"] for f in flds], "field")
    _unique([t["name"] for t in tmpls], "card template")

    renames: dict[str, str | None] = {}
    for field, ord_ in zip(flds, field_ords, strict=True):
        if ord_ is not None and old_fields[ord_]["name"] != field["name"]:
            renames[str(old_fields[ord_]["name"])] = field["name"]
    for index, field in enumerate(old_fields):
        if index not in field_ords:
            renames[str(field["name"])] = None
    if renames:
        for tmpl in tmpls:
            tmpl["qfmt"] = rename_fields_in_template(str(tmpl.get("qfmt", "")), renames)
            tmpl["afmt"] = rename_fields_in_template(str(tmpl.get("afmt", "")), renames)

    sortf = nt.get("sortf", 0)
    if not isinstance(sortf, int) or isinstance(sortf, bool) or not 0 <= sortf < len(flds):
        raise ValidationError(f"the sort field must be a field index from 0 to {len(flds) - 1}")
    nt["flds"], nt["tmpls"] = flds, tmpls
    check_templates(nt)
    for index, element in enumerate(flds):
        element["ord"] = index
    for index, element in enumerate(tmpls):
        element["ord"] = index
    nt["req"] = requirements(nt)
    nt["mod"] = col.now_secs()
    nt["usn"] = -1

    fields_moved = _ords_changed(field_ords, len(old["flds"]))
    templates_moved = _ords_changed(template_ords, len(old["tmpls"]))
    sort_moved = sortf != int(old.get("sortf", 0))
    fronts_changed = [t["qfmt"] for t in tmpls] != [t["qfmt"] for t in old_templates]
    schema_change = fields_moved or templates_moved or sort_moved
    with col.transaction():
        removed = 0
        if templates_moved:
            removed = _remap_cards(col, int(old["id"]), template_ords, len(old["tmpls"]))
        models = dict(col.models)
        models[str(nt["id"])] = nt
        col.save_json("models", models, schema_change=schema_change)
        if fields_moved or sort_moved:
            _rewrite_notes(col, nt, field_ords if fields_moved else None)
        added = 0
        if templates_moved or fronts_changed or fields_moved:
            added = generate_cards_of_notetype(col, nt)
        col.touch()
    return NotetypeSaved(schema_change, added, removed)


def _remap_cards(
    col: Collection, mid: int, template_ords: Sequence[int | None], previous_count: int
) -> int:
    """Delete the cards of removed templates and renumber those of moved ones."""
    moved = {old: new for new, old in enumerate(template_ords) if old is not None and old != new}
    gone = [o for o in range(previous_count) if o not in template_ords]
    db = col.db
    removed = 0
    if gone:
        cids = [
            r[0]
            for r in db.execute(
                f"select c.id from cards c join notes n on n.id = c.nid "
                f"where n.mid = ? and c.ord in ({placeholders(gone)})",
                (mid, *gone),
            )
        ]
        for batch in chunks(cids):
            remove_card_rows(db, batch)
        removed = len(cids)
    if moved:
        now = col.now_secs()
        rows = db.execute(
            f"select c.id, c.ord from cards c join notes n on n.id = c.nid "
            f"where n.mid = ? and c.ord in ({placeholders(moved)})",
            (mid, *moved),
        ).fetchall()
        db.executemany(
            "update cards set ord = ?, mod = ?, usn = -1 where id = ?",
            [(moved[int(o)], now, cid) for cid, o in rows],
        )
    return removed


def remap_note_fields(values: Sequence[str], ords: Sequence[int | None]) -> list[str]:
    """A note's values in a new field layout: each new field takes the value at its previous
    index (the same one may be taken twice), a new field starts empty."""
    return [values[o] if o is not None and o < len(values) else "" for o in ords]


def _rewrite_notes(
    col: Collection, nt: NotetypeDict, field_ords: Sequence[int | None] | None
) -> None:
    """New field values (when ``field_ords`` is given) and sort field of every note."""
    now = col.now_secs()
    rows = col.db.execute("select id, flds from notes where mid = ?", (int(nt["id"]),)).fetchall()
    updates = []
    for nid, flds in rows:
        values = str(flds).split(FIELD_SEPARATOR)
        if field_ords is not None:
            values = remap_note_fields(values, field_ords)
        updates.append(
            (
                FIELD_SEPARATOR.join(values),
                sort_field_value(nt, values),
                field_checksum(values[0]),
                now,
                nid,
            )
        )
    col.db.executemany(
        "update notes set flds = ?, sfld = ?, csum = ?, mod = ?, usn = -1 where id = ?", updates
    )


def generate_cards_of_notetype(
    col: Collection, nt: NotetypeDict, nids: Sequence[int] | None = None
) -> int:
    """Give the notes of ``nt`` (or just ``nids``) the cards their templates now ask for, in
    the deck of their existing cards (else the type's last deck, else Default)."""
    select = "select id, guid, mid, mod, usn, tags, flds, flags, data from notes"
    if nids is None:
        rows = col.db.execute(f"{select} where mid = ?", (int(nt["id"]),)).fetchall()
    else:
        rows = []
        for batch in chunks(nids):
            rows += col.db.execute(
                f"{select} where id in ({placeholders(batch)})", batch
            ).fetchall()
    fallback = nt.get("did")
    if not isinstance(fallback, int) or str(fallback) not in col.decks:
        fallback = 1
    added = 0
    for row in rows:
        note = Note.from_row(row)
        home = col.db.execute(
            "select case when odid != 0 then odid else did end from cards where nid = ? "
            "order by ord limit 1",
            (note.id,),
        ).fetchone()
        added += len(generate_cards(col, note, int(home[0]) if home else fallback))
    return added
