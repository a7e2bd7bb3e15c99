"""What the Add screen needs before a note exists: where it goes by default, and whether its
first field repeats another note's.

Defaults follow Anki: the deck is the collection's current deck (``curDeck`` in the config,
which studying a deck or adding to one sets), unless that deck is gone or filtered, then
Default; the note type is the last one added with (``curModel``). Duplicates follow Anki's
``note_fields_check``: same note type, first field compared with HTML stripped (media file
names kept), found through the first-field checksum.
"""

from __future__ import annotations

from dataclasses import dataclass

from javumbo.collection import notetypes
from javumbo.collection.collection import Collection
from javumbo.collection.html_text import strip_html_media
from javumbo.collection.notes import FIELD_SEPARATOR, field_checksum

DEFAULT_DECK_ID = 1


@dataclass(frozen=True)
class AddingDefaults:
    deck_id: int
    notetype_id: int | None


def _usable_deck(col: Collection, did: object) -> int | None:
    try:
        deck = col.decks.get(str(int(str(did))))
    except ValueError:
        return None
    if deck is None or deck.get("dyn"):
        return None
    return int(deck["id"])


def adding_defaults(col: Collection) -> AddingDefaults:
    """The deck and note type the Add screen starts on."""
    conf = col.conf
    deck_id = _usable_deck(col, conf.get("curDeck")) or DEFAULT_DECK_ID
    types = notetypes.all_notetypes(col)
    current = conf.get("curModel")
    chosen = next((nt for nt in types if str(nt["id"]) == str(current)), None)
    if chosen is None and types:
        chosen = min(types, key=lambda nt: str(nt["name"]).lower())
    return AddingDefaults(deck_id, int(chosen["id"]) if chosen else None)


def set_current_deck(col: Collection, deck_id: int, *, notetype_id: int | None = None) -> None:
    """Make ``deck_id`` the collection's current deck (Anki does when a deck is studied or
    a note added to it; adding also sets the current note type); no write when they are."""
    conf = col.conf
    wanted = {"curDeck": int(deck_id)}
    if notetype_id is not None:
        wanted["curModel"] = int(notetype_id)
    if all(conf.get(key) == value for key, value in wanted.items()):
        return
    col.save_json("conf", {**conf, **wanted})


def duplicate_note_ids(
    col: Collection, notetype_id: int, first_field: str, *, excluding: int | None = None
) -> list[int]:
    """Notes of ``notetype_id`` whose first field, without HTML, is this one's (none for an
    empty first field)."""
    stripped = strip_html_media(first_field)
    if not stripped.strip():
        return []
    notetypes.get_notetype(col, notetype_id)
    rows = col.db.execute(
        "select id, flds from notes where mid = ? and csum = ? order by id",
        (notetype_id, field_checksum(first_field)),
    ).fetchall()
    found: list[int] = []
    for nid, flds in rows:
        if excluding is not None and int(nid) == excluding:
            continue
        existing = str(flds).split(FIELD_SEPARATOR, 1)[0]
        if strip_html_media(existing) == stripped:
            found.append(int(nid))
    return found
