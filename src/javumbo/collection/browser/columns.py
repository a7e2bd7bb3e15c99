"""The browser's columns and how each one sorts, as Anki sorts them.

Anki (``rslib/src/search/mod.rs``) sorts cards by an SQL ``order by`` per column, and notes by
a position computed over their cards (average ease, summed reviews...). Where Anki fills a
temporary ``sort_order`` table first, the same positions come here from a common table
expression, so a browse page stays a read: nothing is written to the collection, not even a
temporary table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.search.text_matching import NATIVE_DECK_SEPARATOR

CARD_TYPE_NEW = 0
# Anki reads a ``due`` above this as a timestamp (learning cards), below it as a day number.
DUE_IS_TIMESTAMP = 1_000_000_000


class Mode(StrEnum):
    """One row per card, or one row per note."""

    CARDS = "cards"
    NOTES = "notes"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    notes_label: str
    sortable_cards: bool = True
    sortable_notes: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("sort_field", "Sort Field", "Sort Field"),
    Column("question", "Question", "Question", sortable_cards=False, sortable_notes=False),
    Column("answer", "Answer", "Answer", sortable_cards=False, sortable_notes=False),
    Column("deck", "Deck", "Deck"),
    Column("due", "Due", "Due"),
    Column("interval", "Interval", "Avg. Interval"),
    Column("ease", "Ease", "Avg. Ease"),
    Column("difficulty", "Difficulty", "Difficulty", sortable_notes=False),
    Column("reviews", "Reviews", "Reviews"),
    Column("lapses", "Lapses", "Lapses"),
    Column("created", "Created", "Created"),
    Column("modified", "Modified", "Modified"),
    Column("card_modified", "Card Modified", "Card Modified"),
    Column("notetype", "Note Type", "Note Type"),
    Column("card_type", "Card Type", "Cards"),
    Column("tags", "Tags", "Tags"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = ("sort_field", "card_type", "due", "deck")
DEFAULT_SORT = "sort_field"


class ColumnError(ValidationError):
    """An unknown column, or a column this mode cannot sort by."""


@dataclass(frozen=True)
class SortOrder:
    """``with`` clause (possibly empty) + ``order by`` clause + their parameters."""

    with_clause: str
    order_by: str
    params: list[Any]
    # ``order_by`` without the id that breaks ties (rows equal on it are tied for Anki too).
    by_column: str


def check_columns(keys: list[str]) -> list[str]:
    unknown = [key for key in keys if key not in COLUMNS_BY_KEY]
    if unknown:
        raise ColumnError(f"unknown column {unknown[0]!r}; use one of {', '.join(COLUMNS_BY_KEY)}")
    return list(dict.fromkeys(keys))


def sort_order(col: Collection, key: str, mode: Mode, *, reverse: bool = False) -> SortOrder:
    """How Anki orders a search by column ``key``; ties fall back on the id, oldest first."""
    column = COLUMNS_BY_KEY.get(key)
    if column is None:
        check_columns([key])
        raise AssertionError  # pragma: no cover - check_columns raised
    sortable = column.sortable_cards if mode is Mode.CARDS else column.sortable_notes
    if not sortable:
        raise ColumnError(f"the browser cannot sort {mode.value} by {key!r}")
    if mode is Mode.CARDS:
        with_clause, order, params = _card_order(col, key)
        tie = "c.id asc"
    else:
        with_clause, order, params = _note_order(col, key)
        tie = "n.id asc"
    if reverse:
        # As Anki reverses a sort: every ascending part descends (the tie breaker too).
        order = order.lower().replace(" desc", "").replace(" asc", " desc")
        tie = tie.replace(" asc", " desc")
    return SortOrder(with_clause, f"{order}, {tie}", params, order)


def _due_seconds(col: Collection, prefix: str) -> str:
    """Anki's due column on one time scale: learning timestamps and new positions as they are,
    day numbers turned into seconds from now."""
    timing = col.sched_timing()
    return (
        f"(case when {prefix}due > {DUE_IS_TIMESTAMP} or {prefix}type = {CARD_TYPE_NEW}"
        f" then {prefix}due else ({prefix}due - {int(timing.days_elapsed)}) * 86400"
        f" + {int(col.now_secs())} end)"
    )


def _card_order(col: Collection, key: str) -> tuple[str, str, list[Any]]:
    plain = {
        "card_modified": "c.mod asc",
        "due": f"{_due_seconds(col, 'c.')} asc",
        "ease": f"c.type = {CARD_TYPE_NEW} asc, c.factor asc",
        "interval": "c.ivl asc",
        "lapses": "c.lapses asc",
        "created": "n.id asc, c.ord asc",
        "modified": "n.mod asc, c.ord asc",
        "reviews": "c.reps asc",
        "sort_field": "n.sfld collate nocase asc, c.ord asc",
        "tags": "n.tags asc",
        "difficulty": "(case when json_valid(c.data) then json_extract(c.data, '$.d') end) asc",
    }
    if key in plain:
        return "", plain[key], []
    if key == "deck":
        return (
            _positions("deck_order(did, pos)"),
            "(select pos from deck_order where did = c.did) asc",
            [_position_json(_deck_positions(col))],
        )
    if key == "notetype":
        return (
            _positions("notetype_order(ntid, pos)"),
            "(select pos from notetype_order where ntid = n.mid) asc",
            [_position_json(_notetype_positions(col))],
        )
    # card_type: templates by name; cloze cards fall back on the note type's one template.
    return (
        "template_order(ntid, ord, pos) as (select json_extract(value, '$[0]'),"
        " json_extract(value, '$[1]'), key + 1 from json_each(?))",
        "coalesce((select pos from template_order where ntid = n.mid and ord = c.ord),"
        " (select pos from template_order where ntid = n.mid and ord = 0)) asc, c.ord asc",
        [_template_positions_json(col)],
    )


# What a note sorts by, for the columns that describe its cards (Anki's note_*_order.sql).
_NOTE_AGGREGATES = {
    "card_type": ("count(*)", ""),
    "card_modified": ("max(mod)", ""),
    "ease": ("avg(factor)", f"where type != {CARD_TYPE_NEW}"),
    "interval": ("avg(ivl)", "where type in (2, 3)"),
    "lapses": ("sum(lapses)", ""),
    "reviews": ("sum(reps)", ""),
}


def _note_order(col: Collection, key: str) -> tuple[str, str, list[Any]]:
    plain = {
        "created": "n.id asc",
        "modified": "n.mod asc",
        "sort_field": "n.sfld collate nocase asc",
        "tags": "n.tags asc",
    }
    if key in plain:
        return "", plain[key], []
    if key == "notetype":
        return (
            _positions("notetype_order(ntid, pos)"),
            "(select pos from notetype_order where ntid = n.mid) asc",
            [_position_json(_notetype_positions(col))],
        )
    by_note = "(select pos from note_order where nid = n.id) asc"
    if key == "due":
        aggregate = f"min({_due_seconds(col, '')})"
        where = f"where odid = 0 and type != {CARD_TYPE_NEW} and queue > 0"
    elif key == "deck":
        with_clause = (
            f"{_positions('deck_order(did, pos)')},"
            " note_order(nid, pos) as (select cards.nid, row_number() over"
            " (order by count(distinct cards.did), min(deck_order.pos), cards.nid)"
            " from cards join deck_order on cards.did = deck_order.did group by cards.nid)"
        )
        return with_clause, by_note, [_position_json(_deck_positions(col))]
    else:
        aggregate, where = _NOTE_AGGREGATES[key]
    with_clause = (
        "note_order(nid, pos) as (select nid, row_number() over"
        f" (order by {aggregate}, nid) from cards {where} group by nid)"
    )
    return with_clause, by_note, []


def _positions(name: str) -> str:
    """A table of positions from a JSON object ``{"id": position}`` (one parameter)."""
    return f"{name} as (select cast(key as integer), value from json_each(?))"


def _position_json(positions: dict[int, int]) -> str:
    return json.dumps({str(k): v for k, v in positions.items()})


def _unicase(name: str) -> str:
    """Anki's ``unicase`` collation (its decks, note types and templates tables)."""
    return name.casefold()


def _deck_positions(col: Collection) -> dict[int, int]:
    """Decks by name as Anki's decks table orders them (levels apart by ``\\x1f``)."""
    decks = sorted(
        col.decks.values(),
        key=lambda d: _unicase(str(d["name"]).replace("::", NATIVE_DECK_SEPARATOR)),
    )
    return {int(d["id"]): pos for pos, d in enumerate(decks, start=1)}


def _notetype_positions(col: Collection) -> dict[int, int]:
    notetypes = sorted(col.models.values(), key=lambda m: _unicase(str(m["name"])))
    return {int(m["id"]): pos for pos, m in enumerate(notetypes, start=1)}


def _template_positions_json(col: Collection) -> str:
    templates = sorted(
        (
            (_unicase(str(t["name"])), int(m["id"]), int(t["ord"]))
            for m in col.models.values()
            for t in m.get("tmpls", [])
        ),
    )
    return json.dumps([[ntid, ord_] for _, ntid, ord_ in templates])
