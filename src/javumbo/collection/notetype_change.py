"""Change Note Type: move notes of one note type to another, mapping fields and templates, as
Anki's browser does (``rslib/src/notetype/notetypechange.rs``).

``fields`` has one entry per field of the new type: the index of the old field whose value it
takes (the same old field may feed several), or ``None`` to start empty. ``templates`` has one
entry per template of the new type: the old template whose cards become its cards, or ``None``.
Cards of old templates nobody takes are deleted; afterwards the notes get any cards the new
type's templates ask for. Cloze types cannot map templates: from a Cloze type to a standard one,
cards past the new type's templates go; otherwise cards keep their number. Always a schema
change, as in Anki.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from javumbo.collection.cards import chunks, placeholders, remove_card_rows
from javumbo.collection.collection import Collection
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.notes import FIELD_SEPARATOR, field_checksum, sort_field_value
from javumbo.collection.notetype_update import generate_cards_of_notetype, remap_note_fields
from javumbo.collection.notetypes import NotetypeDict, get_notetype, is_cloze


@dataclass(frozen=True)
class NotetypeChanged:
    notes: int
    cards_removed: int
    cards_added: int


def default_field_map(old: NotetypeDict, new: NotetypeDict) -> list[int | None]:
    """Anki's default: fields matched by name, the rest filled in order with unused ones."""
    return _default_map(
        [f["name"] for f in _ordered(old["flds"])], [f["name"] for f in _ordered(new["flds"])]
    )


def default_template_map(old: NotetypeDict, new: NotetypeDict) -> list[int | None] | None:
    if is_cloze(old) or is_cloze(new):
        return None
    return _default_map(
        [t["name"] for t in _ordered(old["tmpls"])], [t["name"] for t in _ordered(new["tmpls"])]
    )


def _ordered(items: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(items, key=lambda item: int(str(item["ord"])))


def _default_map(old_names: list[object], new_names: list[object]) -> list[int | None]:
    index = {name: i for i, name in enumerate(old_names)}
    mapped: list[int | None] = [index.get(name) for name in new_names]
    unused = iter(sorted(set(range(len(old_names))) - {m for m in mapped if m is not None}))
    return [m if m is not None else next(unused, None) for m in mapped]


def _check_map(values: Sequence[int | None], length: int, old_count: int, what: str) -> None:
    if len(values) != length:
        raise ValidationError(f"give one {what} entry per {what} of the new note type ({length})")
    for value in values:
        if value is not None and (isinstance(value, bool) or not 0 <= value < old_count):
            raise ValidationError(f"{what} {value} is not one of the old note type's {what}s")


def change_notetype(
    col: Collection,
    note_ids: Sequence[int],
    new_mid: int,
    fields: Sequence[int | None] | None = None,
    templates: Sequence[int | None] | None = None,
) -> NotetypeChanged:
    """Give ``note_ids`` (all of one note type) the note type ``new_mid`` (see the module
    docstring); ``fields``/``templates`` default to Anki's name-based maps."""
    nids = list(dict.fromkeys(int(n) for n in note_ids))
    if not nids:
        raise ValidationError("no notes to change")
    mids: set[int] = set()
    found = 0
    for batch in chunks(nids):
        for mid, n in col.db.execute(
            f"select mid, count() from notes where id in ({placeholders(batch)}) group by mid",
            batch,
        ):
            mids.add(int(mid))
            found += int(n)
    if found != len(nids):
        raise NotFoundError("some of these notes do not exist")
    if len(mids) != 1:
        raise ValidationError("Please select notes from only one note type.")
    old = get_notetype(col, mids.pop())
    new = get_notetype(col, new_mid)
    field_map = list(fields) if fields is not None else default_field_map(old, new)
    _check_map(field_map, len(new["flds"]), len(old["flds"]), "field")
    template_map = default_template_map(old, new)
    if template_map is not None and templates is not None:
        template_map = list(templates)
        _check_map(template_map, len(new["tmpls"]), len(old["tmpls"]), "template")
        known = [t for t in template_map if t is not None]
        if len(set(known)) != len(known):
            raise ValidationError("an old template can go to one new template only")
    with col.transaction() as db:
        removed = _move_cards(col, nids, new, template_map)
        now = col.now_secs()
        updates = []
        for batch in chunks(nids):
            for nid, flds in db.execute(
                f"select id, flds from notes where id in ({placeholders(batch)})", batch
            ):
                values = remap_note_fields(str(flds).split(FIELD_SEPARATOR), field_map)
                updates.append(
                    (
                        int(new["id"]),
                        FIELD_SEPARATOR.join(values),
                        sort_field_value(new, values),
                        field_checksum(values[0]),
                        now,
                        nid,
                    )
                )
        db.executemany(
            "update notes set mid = ?, flds = ?, sfld = ?, csum = ?, mod = ?, usn = -1 "
            "where id = ?",
            updates,
        )
        col.save_json("models", dict(col.models), schema_change=True)
        added = generate_cards_of_notetype(col, new, nids)
        col.touch()
    return NotetypeChanged(notes=len(nids), cards_removed=removed, cards_added=added)


def _move_cards(
    col: Collection,
    nids: list[int],
    new: NotetypeDict,
    template_map: list[int | None] | None,
) -> int:
    db = col.db
    gone: list[int] = []
    moves: list[tuple[int, int]] = []
    if template_map is None:
        limit = None if is_cloze(new) else len(new["tmpls"])
        for batch in chunks(nids):
            for cid, ord_ in db.execute(
                f"select id, ord from cards where nid in ({placeholders(batch)})", batch
            ):
                if limit is not None and ord_ >= limit:
                    gone.append(int(cid))
    else:
        target = {o: n for n, o in enumerate(template_map) if o is not None}
        for batch in chunks(nids):
            for cid, ord_ in db.execute(
                f"select id, ord from cards where nid in ({placeholders(batch)})", batch
            ):
                if ord_ not in target:
                    gone.append(int(cid))
                elif target[ord_] != ord_:
                    moves.append((target[ord_], int(cid)))
    for batch in chunks(gone):
        remove_card_rows(db, batch)
    now = col.now_secs()
    db.executemany(
        "update cards set ord = ?, mod = ?, usn = -1 where id = ?",
        [(new_ord, now, cid) for new_ord, cid in moves],
    )
    return len(gone)
