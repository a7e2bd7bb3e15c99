"""One page of the browser's table: the rows of a search, in cards or notes mode, sorted by a
column as Anki sorts it.

The page's ids and the total come from one statement over the matches (a window count), as
the search package reads a page; the rows are then read by id. The search of every card (or
note) of the collection is the exception: a plain count is cheap there, and the window would
hold the whole table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection.browser.cells import CardFacts, NoteFacts, cells_of_card, cells_of_note
from javumbo.collection.browser.columns import (
    DEFAULT_SORT,
    Mode,
    check_columns,
    sort_order,
)
from javumbo.collection.cards import CARD_COLUMNS, Card
from javumbo.collection.collection import Collection
from javumbo.collection.search.nodes import MatchAll
from javumbo.collection.search.parser import SearchError, parse
from javumbo.collection.search.sql_writer import ids_json, write_sql
from javumbo.collection.search.time_budget import time_budget

MAX_PAGE_SIZE = 500
FROM_CARDS = "from cards c join notes n on c.nid = n.id"
MARKED_TAG = "marked"
FLAG_COLOURS = ("", "red", "orange", "green", "blue", "pink", "turquoise", "purple")


@dataclass(frozen=True)
class BrowserRow:
    """A row of the table. ``id`` is the card's id in cards mode, the note's in notes mode."""

    id: int
    note_id: int
    card_ids: list[int]
    notetype_id: int
    deck_id: int
    ord: int
    flag: int
    queue: int
    type: int
    marked: bool
    colour: str
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BrowserPage:
    mode: Mode
    columns: list[str]
    sort: str
    reverse: bool
    total: int
    page: int
    page_size: int
    rows: list[BrowserRow]


def browse_page(
    col: Collection,
    search: str,
    *,
    mode: Mode = Mode.CARDS,
    columns: list[str] | None = None,
    sort: str = DEFAULT_SORT,
    reverse: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> BrowserPage:
    """Rows ``page`` (1-based) of the cards or notes matching ``search``, sorted by ``sort``."""
    if page < 1:
        raise SearchError("page must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SearchError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    shown = check_columns(columns if columns is not None else [])
    ids, total = page_ids(
        col, search, mode=mode, sort=sort, reverse=reverse, page=page, page_size=page_size
    )
    rows = _card_rows(col, ids, shown) if mode is Mode.CARDS else _note_rows(col, ids, shown)
    return BrowserPage(mode, shown, sort, reverse, total, page, page_size, rows)


def page_ids(
    col: Collection,
    search: str,
    *,
    mode: Mode = Mode.CARDS,
    sort: str = DEFAULT_SORT,
    reverse: bool = False,
    page: int = 1,
    page_size: int | None = 50,
) -> tuple[list[int], int]:
    """The ids of one page (every match when ``page_size`` is None) and the number of matches."""
    node = parse(search)
    where, where_params = write_sql(col, node)
    order = sort_order(col, sort, mode, reverse=reverse)
    everything = isinstance(node, MatchAll)
    window = "null" if everything else "count() over ()"
    with_sql = f"with {order.with_clause} " if order.with_clause else ""
    if mode is Mode.CARDS:
        select = f"select c.id, {window} {FROM_CARDS} where {where}"
        count_sql = f"select count() {FROM_CARDS} where {where}"
    elif everything:
        select = f"select n.id, {window} from notes n"
        count_sql = "select count() from notes"
        where_params = []
    else:
        select = (
            f"select n.id, {window} from notes n where n.id in"
            f" (select c.nid {FROM_CARDS} where {where})"
        )
        count_sql = f"select count(distinct c.nid) {FROM_CARDS} where {where}"
    limit = ""
    limit_params: list[Any] = []
    if page_size is not None:
        limit = " limit ? offset ?"
        limit_params = [page_size, (page - 1) * page_size]
    with time_budget(col.db):
        found = col.db.execute(
            f"{with_sql}{select} order by {order.order_by}{limit}",
            [*order.params, *where_params, *limit_params],
        ).fetchall()
        if found and not everything:
            total = int(found[0][1])
        elif page_size is None or (len(found) < page_size and (found or page == 1)):
            total = (page - 1) * (page_size or 0) + len(found)
        else:
            total = int(col.db.execute(count_sql, where_params).fetchone()[0])
    return [int(row[0]) for row in found], total


def _card_rows(col: Collection, card_ids: list[int], shown: list[str]) -> list[BrowserRow]:
    if not card_ids:
        return []
    position = {cid: k for k, cid in enumerate(card_ids)}
    columns = ", ".join(f"c.{name}" for name in CARD_COLUMNS)
    fetched = col.db.execute(
        f"select {columns}, n.mid, n.mod, n.sfld, n.tags, n.flds {FROM_CARDS}"
        " where c.id in (select value from json_each(?))",
        [ids_json(card_ids)],
    ).fetchall()
    fetched.sort(key=lambda row: position[int(row[0])])
    rows = []
    for row in fetched:
        card = Card.from_row(row[: len(CARD_COLUMNS)])
        mid, note_mod, sfld, tags, flds = row[len(CARD_COLUMNS) :]
        note = NoteFacts(card.nid, int(mid), int(note_mod), str(sfld), str(tags).split(), str(flds))
        marked = _is_marked(note.tags)
        rows.append(
            BrowserRow(
                id=card.id,
                note_id=card.nid,
                card_ids=[card.id],
                notetype_id=note.mid,
                deck_id=card.did,
                ord=card.ord,
                flag=card.flags & 7,
                queue=card.queue,
                type=card.type,
                marked=marked,
                colour=_card_colour(card, marked),
                cells=cells_of_card(col, CardFacts(card, note), shown),
            )
        )
    return rows


def _note_rows(col: Collection, note_ids: list[int], shown: list[str]) -> list[BrowserRow]:
    if not note_ids:
        return []
    ids = ids_json(note_ids)
    notes = {
        int(nid): NoteFacts(int(nid), int(mid), int(mod), str(sfld), str(tags).split(), str(flds))
        for nid, mid, mod, sfld, tags, flds in col.db.execute(
            "select id, mid, mod, sfld, tags, flds from notes"
            " where id in (select value from json_each(?))",
            [ids],
        )
    }
    cards: dict[int, list[Card]] = defaultdict(list)
    for row in col.db.execute(
        f"select {', '.join(CARD_COLUMNS)} from cards"
        " where nid in (select value from json_each(?)) order by nid, ord",
        [ids],
    ):
        card = Card.from_row(row)
        cards[card.nid].append(card)
    rows = []
    for nid in note_ids:
        note = notes.get(nid)
        if note is None or not cards[nid]:
            continue
        first = cards[nid][0]
        marked = _is_marked(note.tags)
        rows.append(
            BrowserRow(
                id=nid,
                note_id=nid,
                card_ids=[c.id for c in cards[nid]],
                notetype_id=note.mid,
                deck_id=first.did,
                ord=first.ord,
                flag=0,
                queue=first.queue,
                type=first.type,
                marked=marked,
                colour="marked" if marked else "",
                cells=cells_of_note(col, note, cards[nid], shown),
            )
        )
    return rows


def _is_marked(tags: list[str]) -> bool:
    return any(tag.casefold() == MARKED_TAG for tag in tags)


def _card_colour(card: Card, marked: bool) -> str:
    """Anki's row colour: the flag, else marked, else suspended or buried, else none."""
    flag = card.flags & 7
    if flag:
        return f"flag_{FLAG_COLOURS[flag]}"
    if marked:
        return "marked"
    if card.queue == -1:
        return "suspended"
    if card.queue in (-2, -3):
        return "buried"
    return ""
