"""Notes: the fields a user writes, from which cards are generated.

Each note row carries values Anki derives from the fields (``sfld`` for sorting, ``csum`` for
duplicate detection); they are computed here exactly as Anki computes them, because Anki trusts
them for searching and importing.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from javumbo.collection import notetypes
from javumbo.collection.cards import (
    chunks,
    generate_cards,
    placeholders,
    remove_card_rows,
    remove_note_rows,
    wanted_ords,
)
from javumbo.collection.collection import Collection
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.html_text import field_is_empty, strip_html_media
from javumbo.collection.tags import TagRegistry, removal_matcher, with_tags_added

__all__ = [
    "Note",
    "add_note",
    "add_tags",
    "delete_notes",
    "field_checksum",
    "get_note",
    "join_tags",
    "new_guid",
    "remove_tags",
    "sort_field_value",
    "split_tags",
    "strip_html_media",
    "update_note",
]

FIELD_SEPARATOR = "\x1f"
_BASE91 = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_`{|}~"

FieldsInput = Sequence[str] | Mapping[str, str]


@dataclass
class Note:
    id: int
    guid: str
    mid: int
    mod: int
    usn: int
    tags: list[str]
    fields: list[str]
    flags: int
    data: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Note:
        nid, guid, mid, mod, usn, tags, flds, flags, data = row
        return cls(
            int(nid),
            str(guid),
            int(mid),
            int(mod),
            int(usn),
            split_tags(str(tags)),
            str(flds).split(FIELD_SEPARATOR),
            int(flags),
            str(data),
        )


_SELECT = "select id, guid, mid, mod, usn, tags, flds, flags, data from notes"


# ----------------------------------------------------------------- derived values


def new_guid() -> str:
    """Anki's note guid: 64 random bits written in base 91 (about 10 characters)."""
    number = secrets.randbits(64)
    digits = []
    while number:
        number, rest = divmod(number, len(_BASE91))
        digits.append(_BASE91[rest])
    return "".join(reversed(digits)) or _BASE91[0]


def field_checksum(first_field: str) -> int:
    """``csum``: the first 32 bits of the SHA-1 of the first field without HTML."""
    digest = hashlib.sha1(strip_html_media(first_field).encode("utf-8")).hexdigest()
    return int(digest[:8], 16)


def sort_field_value(nt: notetypes.NotetypeDict, fields: Sequence[str]) -> str:
    """``sfld``: the note type's sort field without HTML (media file names kept)."""
    index = notetypes.sort_field_index(nt)
    return strip_html_media(fields[index] if index < len(fields) else "")


def split_tags(text: str) -> list[str]:
    return text.split()


def join_tags(tags: Sequence[str]) -> str:
    """Tags as Anki stores them: space-separated with a space at each end, or ``""``."""
    return f" {' '.join(tags)} " if tags else ""


# ----------------------------------------------------------------- reading


def get_note(col: Collection, nid: int) -> Note:
    row = col.db.execute(f"{_SELECT} where id = ?", (nid,)).fetchone()
    if row is None:
        raise NotFoundError(f"no note with id {nid}")
    return Note.from_row(row)


# ----------------------------------------------------------------- writing


def add_note(
    col: Collection,
    mid: int,
    fields: FieldsInput,
    deck_id: int,
    tags: Iterable[str] = (),
) -> Note:
    """Add a note and generate its cards in ``deck_id``."""
    nt = notetypes.get_notetype(col, mid)
    _check_target_deck(col, deck_id)
    values = _field_values(nt, fields, base=None)
    _check_first_field(nt, values)
    if not wanted_ords(nt, values):
        if notetypes.is_cloze(nt):
            raise ValidationError("a Cloze note needs at least one deletion, like {{c1::text}}")
        raise ValidationError(f"these fields give no card with note type {nt['name']!r}")
    with col.transaction() as db:
        canonical_tags = _registered_tags(col, tags)
        note = Note(
            id=col.new_id("notes"),
            guid=new_guid(),
            mid=int(nt["id"]),
            mod=col.now_secs(),
            usn=-1,
            tags=canonical_tags,
            fields=values,
            flags=0,
            data="",
        )
        db.execute(
            "insert into notes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                note.id,
                note.guid,
                note.mid,
                note.mod,
                note.usn,
                join_tags(note.tags),
                FIELD_SEPARATOR.join(note.fields),
                sort_field_value(nt, note.fields),
                field_checksum(note.fields[0]),
                note.flags,
                note.data,
            ),
        )
        generate_cards(col, note, deck_id)
        col.touch()
    return note


def update_note(
    col: Collection,
    nid: int,
    fields: FieldsInput | None = None,
    tags: Iterable[str] | None = None,
) -> Note:
    """Change a note's fields (a list replaces all, a mapping only the fields it names) and/or
    tags. New cloze numbers or newly non-empty templates get cards; none are removed."""
    note = get_note(col, nid)
    nt = notetypes.get_notetype(col, note.mid)
    with col.transaction() as db:
        if fields is not None:
            note.fields = _field_values(nt, fields, base=note.fields)
            _check_first_field(nt, note.fields)
        if tags is not None:
            note.tags = _registered_tags(col, tags)
        note.mod = col.now_secs()
        note.usn = -1
        db.execute(
            "update notes set mod = ?, usn = -1, tags = ?, flds = ?, sfld = ?, csum = ? "
            "where id = ?",
            (
                note.mod,
                join_tags(note.tags),
                FIELD_SEPARATOR.join(note.fields),
                sort_field_value(nt, note.fields),
                field_checksum(note.fields[0]),
                note.id,
            ),
        )
        if fields is not None:
            generate_cards(col, note, _deck_of_existing_cards(col, note.id))
        col.touch()
    return note


def delete_notes(col: Collection, nids: Iterable[int]) -> None:
    """Delete notes and all their cards, writing graves for each."""
    ids = list(dict.fromkeys(int(n) for n in nids))
    _check_notes_exist(col, ids)
    with col.transaction() as db:
        for batch in chunks(ids):
            cids = [
                r[0]
                for r in db.execute(
                    f"select id from cards where nid in ({placeholders(batch)})", batch
                )
            ]
            for card_batch in chunks(cids):
                remove_card_rows(db, card_batch)
            remove_note_rows(db, batch)
        col.touch()


def add_tags(col: Collection, nids: Iterable[int], tags: Iterable[str]) -> None:
    """Anki's bulk "Add Tags": the new tags registered in the collection's spelling, each note
    lacking one rewritten with its tags sorted; notes that have them all stay untouched."""
    wanted = _clean_tags(tags)
    with col.transaction():
        registry = TagRegistry(col)
        extra = registry.register_all(wanted)
        registry.save()
        _retag(col, nids, lambda current: with_tags_added(current, extra))


def remove_tags(col: Collection, nids: Iterable[int], tags: Iterable[str]) -> None:
    """Anki's bulk "Remove Tags": each tag in any case and its children leave the notes; the
    others keep their order, and the collection's tag list is left as it is."""
    matcher = removal_matcher(_clean_tags(tags))
    if matcher is None:
        return

    def without(current: list[str]) -> list[str] | None:
        kept = [tag for tag in current if not matcher.match(tag)]
        return kept if len(kept) < len(current) else None

    _retag(col, nids, without)


# ----------------------------------------------------------------- helpers


def _registered_tags(col: Collection, tags: Iterable[str]) -> list[str]:
    """A note's tags as Anki writes them on adding or saving it, new ones registered."""
    registry = TagRegistry(col)
    canonical = registry.canonify(_clean_tags(tags))
    registry.save()
    return canonical


def _retag(
    col: Collection, nids: Iterable[int], change: Callable[[list[str]], list[str] | None]
) -> None:
    """Apply ``change`` to each note's tags; a note whose tags it leaves alone (``None``)
    keeps its modification time."""
    ids = list(dict.fromkeys(int(n) for n in nids))
    _check_notes_exist(col, ids)
    with col.transaction() as db:
        now = col.now_secs()
        for batch in chunks(ids):
            rows = db.execute(
                f"select id, tags from notes where id in ({placeholders(batch)})", batch
            ).fetchall()
            for nid, text in rows:
                updated = change(split_tags(str(text)))
                if updated is not None:
                    db.execute(
                        "update notes set tags = ?, mod = ?, usn = -1 where id = ?",
                        (join_tags(updated), now, nid),
                    )
        col.touch()


def _clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags split on whitespace, without empties or case-insensitive repeats. Control
    characters are refused: Anki's tag list and search cannot show or match them."""
    if isinstance(tags, str):
        tags = [tags]
    result: list[str] = []
    seen: set[str] = set()
    for item in tags:
        if not isinstance(item, str):
            raise ValidationError(f"tags must be text, not {type(item).__name__}")
        if any((ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f" for ch in item):
            raise ValidationError(f"tag {item!r} contains a control character")
        for tag in item.split():
            tag = unicodedata.normalize("NFC", tag)
            if tag.lower() not in seen:
                seen.add(tag.lower())
                result.append(tag)
    return result


def _field_values(
    nt: notetypes.NotetypeDict, fields: FieldsInput, base: list[str] | None
) -> list[str]:
    names = notetypes.field_names(nt)
    if isinstance(fields, Mapping):
        unknown = [k for k in fields if k not in names]
        if unknown:
            raise ValidationError(
                f"note type {nt['name']!r} has no field {unknown[0]!r} (fields: {', '.join(names)})"
            )
        current = list(base) if base is not None else [""] * len(names)
        current += [""] * (len(names) - len(current))
        values = [fields.get(name, current[i]) for i, name in enumerate(names)]
    elif isinstance(fields, str) or not isinstance(fields, Sequence):
        raise ValidationError("fields must be a list of values or a mapping of field names")
    else:
        values = list(fields)
        if len(values) != len(names):
            raise ValidationError(
                f"note type {nt['name']!r} has {len(names)} fields "
                f"({', '.join(names)}), but {len(values)} values were given"
            )
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(f"field values must be text, not {type(value).__name__}")
        if FIELD_SEPARATOR in value:
            raise ValidationError("field values cannot contain the character U+001F")
    return [unicodedata.normalize("NFC", v) for v in values]


def _check_first_field(nt: notetypes.NotetypeDict, values: list[str]) -> None:
    if field_is_empty(values[0]):
        first = notetypes.field_names(nt)[0]
        raise ValidationError(f"the first field ({first}) is empty")


def _check_target_deck(col: Collection, deck_id: int) -> None:
    deck = col.decks.get(str(deck_id))
    if deck is None:
        raise NotFoundError(f"no deck with id {deck_id}")
    if deck.get("dyn"):
        raise ValidationError(f"notes cannot be added to the filtered deck {deck['name']!r}")


def _deck_of_existing_cards(col: Collection, nid: int) -> int:
    row = col.db.execute(
        "select case when odid != 0 then odid else did end from cards where nid = ? "
        "order by ord limit 1",
        (nid,),
    ).fetchone()
    return int(row[0]) if row else 1


def _check_notes_exist(col: Collection, ids: list[int]) -> None:
    found: set[int] = set()
    for batch in chunks(ids):
        found.update(
            r[0]
            for r in col.db.execute(
                f"select id from notes where id in ({placeholders(batch)})", batch
            )
        )
    missing = [n for n in ids if n not in found]
    if missing:
        raise NotFoundError(f"no note with id {missing[0]}")
