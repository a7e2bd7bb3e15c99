"""Cards: one row per template (or per cloze number) of a note, with its scheduling state.

Which cards a note gets follows Anki's rule: a template yields a card when its front shows a
non-empty field; a Cloze note gets one card per cloze number. Regeneration only ever adds
cards, so editing a note never throws away review history.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING, Any

from javumbo.collection import notetypes
from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.html_text import field_is_empty
from javumbo.collection.templates import cloze_fields_of, cloze_numbers, renders_nonempty

if TYPE_CHECKING:
    from javumbo.collection.notes import Note

CARD_TYPE_NEW, CARD_TYPE_LEARN, CARD_TYPE_REVIEW, CARD_TYPE_RELEARN = 0, 1, 2, 3
QUEUE_NEW, QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN = 0, 1, 2, 3
QUEUE_SUSPENDED = -1
GRAVE_CARD, GRAVE_NOTE, GRAVE_DECK = 0, 1, 2
MAX_FLAG = 7
# Learning cards due "today" store epoch seconds, interday ones a day number.
_EPOCH_SECONDS_FLOOR = 1_000_000_000
_CHUNK = 500
NEW_CARDS_RANDOM = 0  # schema-11 new.order: 0 random, 1 in order added


@dataclass
class Card:
    id: int
    nid: int
    did: int
    ord: int
    mod: int
    usn: int
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    odue: int
    odid: int
    flags: int
    data: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Card:
        return cls(*row)

    def as_row(self) -> tuple[Any, ...]:
        return astuple(self)


CARD_COLUMNS = tuple(f.name for f in fields(Card))
_SELECT = f"select {', '.join(CARD_COLUMNS)} from cards"


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Ids in groups small enough for one ``in (?, ?, ...)`` list."""
    batch: list[int] = []
    for value in ids:
        batch.append(int(value))
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def placeholders(batch: Sized) -> str:
    return ",".join("?" * len(batch))


def get_card(col: Collection, cid: int) -> Card:
    row = col.db.execute(f"{_SELECT} where id = ?", (cid,)).fetchone()
    if row is None:
        raise NotFoundError(f"no card with id {cid}")
    return Card.from_row(row)


def cards_of_note(col: Collection, nid: int) -> list[Card]:
    rows = col.db.execute(f"{_SELECT} where nid = ? order by ord", (nid,)).fetchall()
    return [Card.from_row(r) for r in rows]


def save_card(col: Collection, card: Card) -> None:
    """Write every column of ``card`` back, stamping ``mod`` now and ``usn`` -1 (unsynced)."""
    card.mod = col.now_secs()
    card.usn = -1
    assignments = ", ".join(f"{name} = ?" for name in CARD_COLUMNS[1:])
    with col.transaction() as db:
        cursor = db.execute(
            f"update cards set {assignments} where id = ?", (*card.as_row()[1:], card.id)
        )
        if cursor.rowcount == 0:
            raise NotFoundError(f"no card with id {card.id}")


# ----------------------------------------------------------------- generation


def wanted_ords(nt: notetypes.NotetypeDict, field_values: Sequence[str]) -> set[int]:
    """The card ords a note with these fields should have."""
    names = notetypes.field_names(nt)
    if notetypes.is_cloze(nt):
        tmpls = notetypes.templates_of(nt)
        cloze_fields = cloze_fields_of(tmpls[0]["qfmt"]) if tmpls else set()
        numbers: set[int] = set()
        for name, value in zip(names, field_values, strict=False):
            if not cloze_fields or name in cloze_fields:
                numbers |= cloze_numbers(value)
        return {n - 1 for n in numbers}
    nonempty = {
        name for name, value in zip(names, field_values, strict=False) if not field_is_empty(value)
    }
    return {
        int(t["ord"])
        for t in notetypes.templates_of(nt)
        if renders_nonempty(str(t["qfmt"]), nonempty)
    }


def generate_cards(col: Collection, note: Note, deck_id: int) -> list[Card]:
    """Add the cards the note should have and does not (never removes any); returns the new
    ones. They go to the template's deck override when it exists, else ``deck_id``."""
    nt = notetypes.get_notetype(col, note.mid)
    existing = cards_of_note(col, note.id)
    have = {c.ord for c in existing}
    missing = sorted(wanted_ords(nt, note.fields) - have)
    if not missing:
        return []
    with col.transaction() as db:
        due = _new_position(col, existing, deck_id)
        overrides = _template_decks(col, nt)
        now = col.now_secs()
        created: list[Card] = []
        for ord_ in missing:
            card = Card(
                id=col.new_id("cards"),
                nid=note.id,
                did=overrides.get(ord_, deck_id),
                ord=ord_,
                mod=now,
                usn=-1,
                type=CARD_TYPE_NEW,
                queue=QUEUE_NEW,
                due=due,
                ivl=0,
                factor=0,
                reps=0,
                lapses=0,
                left=0,
                odue=0,
                odid=0,
                flags=0,
                data="{}",
            )
            db.execute(f"insert into cards values ({placeholders(CARD_COLUMNS)})", card.as_row())
            created.append(card)
    return created


def _new_position(col: Collection, existing: list[Card], deck_id: int) -> int:
    """Siblings share one new-queue position (as in Anki); a note's first cards take
    ``conf.nextPos`` and advance it, or a random position below it when the deck's preset
    inserts new cards in random order."""
    for card in existing:
        if card.type == CARD_TYPE_NEW and card.odid == 0:
            return card.due
        if card.type == CARD_TYPE_NEW:
            return card.odue
    conf = dict(col.conf)
    position = col.conf_int("nextPos", 1)
    conf["nextPos"] = position + 1
    col.save_json("conf", conf)
    deck = col.decks.get(str(deck_id)) or {}
    preset = deck_preset(col, deck)
    if not deck.get("dyn") and (preset.get("new") or {}).get("order") == NEW_CARDS_RANDOM:
        # Anki's random_position: seeded by the position, from 1 up to at least 1000
        return random.Random(position).randrange(1, max(position, 1000))
    return position


def _template_decks(col: Collection, nt: notetypes.NotetypeDict) -> dict[int, int]:
    if notetypes.is_cloze(nt):
        return {}
    overrides: dict[int, int] = {}
    for tmpl in nt["tmpls"]:
        did = tmpl.get("did")
        deck = col.decks.get(str(did)) if did else None
        if deck is not None and not deck.get("dyn"):
            overrides[int(tmpl["ord"])] = int(did)
    return overrides


# ----------------------------------------------------------------- bulk changes


def _existing_ids(col: Collection, cids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(c) for c in cids))
    found: set[int] = set()
    for batch in chunks(wanted):
        found.update(
            r[0]
            for r in col.db.execute(
                f"select id from cards where id in ({placeholders(batch)})", batch
            )
        )
    missing = [c for c in wanted if c not in found]
    if missing:
        shown = ", ".join(str(c) for c in missing[:5])
        raise NotFoundError(
            f"no card with id {shown}" + (" (and more)" if len(missing) > 5 else "")
        )
    return wanted


def _update_cards(col: Collection, cids: Iterable[int], assignments: str, *params: Any) -> None:
    ids = _existing_ids(col, cids)
    with col.transaction() as db:
        now = col.now_secs()
        for batch in chunks(ids):
            db.execute(
                f"update cards set {assignments}, mod = ?, usn = -1 "
                f"where id in ({placeholders(batch)})",
                (*params, now, *batch),
            )
        col.touch()


def suspend_cards(col: Collection, cids: Iterable[int]) -> None:
    _update_cards(col, cids, "queue = ?", QUEUE_SUSPENDED)


def unsuspend_cards(col: Collection, cids: Iterable[int]) -> None:
    """Put suspended cards back in the queue their type implies (buried cards too)."""
    ids = _existing_ids(col, cids)
    with col.transaction() as db:
        now = col.now_secs()
        for batch in chunks(ids):
            db.execute(
                "update cards set mod = ?, usn = -1, queue = case type "
                f"when {CARD_TYPE_NEW} then {QUEUE_NEW} "
                f"when {CARD_TYPE_REVIEW} then {QUEUE_REVIEW} "
                f"else (case when due > {_EPOCH_SECONDS_FLOOR} then {QUEUE_LEARN} "
                f"else {QUEUE_DAY_LEARN} end) end "
                f"where queue < 0 and id in ({placeholders(batch)})",
                (now, *batch),
            )
        col.touch()


def move_cards(col: Collection, cids: Iterable[int], deck_id: int) -> None:
    deck = col.decks.get(str(deck_id))
    if deck is None:
        raise NotFoundError(f"no deck with id {deck_id}")
    if deck.get("dyn"):
        raise ValidationError(f"cards cannot be moved into the filtered deck {deck['name']!r}")
    _update_cards(col, cids, "did = ?", int(deck_id))


def set_flag(col: Collection, cids: Iterable[int], flag: int) -> None:
    """Set the user flag (0 none, 1 red … 7 purple), keeping the other flag bits."""
    if not isinstance(flag, int) or isinstance(flag, bool) or not 0 <= flag <= MAX_FLAG:
        raise ValidationError(f"flag must be an integer from 0 to {MAX_FLAG}, not {flag!r}")
    _update_cards(col, cids, "flags = (flags & ~7) | ?", flag)


def delete_cards(col: Collection, cids: Iterable[int]) -> None:
    """Delete cards (graves written for sync) and any note left without cards, as Anki does."""
    ids = _existing_ids(col, cids)
    with col.transaction() as db:
        nids: set[int] = set()
        for batch in chunks(ids):
            nids.update(
                r[0]
                for r in db.execute(
                    f"select distinct nid from cards where id in ({placeholders(batch)})", batch
                )
            )
            remove_card_rows(db, batch)
        orphans = [
            nid
            for nid in sorted(nids)
            if db.execute("select 1 from cards where nid = ? limit 1", (nid,)).fetchone() is None
        ]
        for batch in chunks(orphans):
            remove_note_rows(db, batch)
        col.touch()


def remove_card_rows(db: sqlite3.Connection, cids: Sequence[int]) -> None:
    """Delete card rows and record graves; the caller holds the transaction."""
    db.executemany("insert into graves values (-1, ?, ?)", [(c, GRAVE_CARD) for c in cids])
    db.execute(f"delete from cards where id in ({placeholders(cids)})", list(cids))


def remove_note_rows(db: sqlite3.Connection, nids: Sequence[int]) -> None:
    """Delete note rows (not their cards) and record graves; the caller holds the transaction."""
    db.executemany("insert into graves values (-1, ?, ?)", [(n, GRAVE_NOTE) for n in nids])
    db.execute(f"delete from notes where id in ({placeholders(nids)})", list(nids))
