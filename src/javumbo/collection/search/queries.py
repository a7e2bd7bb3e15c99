"""The searches callers run: card and note ids, and one page of the browse table.

Each runs its statements under the search time budget (:mod:`.time_budget`).
"""

from __future__ import annotations

import re
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.decks import child_deck_ids
from javumbo.collection.search.nodes import MatchAll, Node
from javumbo.collection.search.parser import SearchError, parse
from javumbo.collection.search.sql_writer import ids_json, write_sql
from javumbo.collection.search.time_budget import time_budget

ORDERS = {
    "due": "c.type, (case when c.odid != 0 then c.odue else c.due end), c.id",
    "added": "n.id, c.ord",
    "sort field": "n.sfld collate nocase, c.ord",
}
MAX_PAGE_SIZE = 1000
FROM_CARDS = "from cards c join notes n on c.nid = n.id"
NOTE_COLUMN = re.compile(r"\bn\.")


def _source(*clauses: str) -> str:
    """``cards c`` alone when no clause reads the note, as Anki's SQL writer does: the join
    costs one lookup of a (large) note row per matching card, most of a deck search's time."""
    return FROM_CARDS if any(NOTE_COLUMN.search(clause) for clause in clauses) else "from cards c"


def compile_search(col: Collection, query: str) -> tuple[str, list[Any]]:
    """The where-clause (over ``cards c join notes n``) and its parameters for ``query``."""
    return write_sql(col, parse(query))


def find_cards(
    col: Collection, query: str, *, deck_id: int | None = None, order: str = "due"
) -> list[int]:
    """Ids of the cards matching ``query`` (within ``deck_id`` and its children if given)."""
    where, params = _restricted_where(col, parse(query), deck_id)
    order_by = _order_clause(order)
    with time_budget(col.db):
        rows = col.db.execute(
            f"select c.id {_source(where, order_by)} where {where} order by {order_by}", params
        ).fetchall()
    return [r[0] for r in rows]


def find_notes(col: Collection, query: str, *, deck_id: int | None = None) -> list[int]:
    """Ids of the notes with at least one card matching ``query``, oldest first."""
    where, params = _restricted_where(col, parse(query), deck_id)
    with time_budget(col.db):
        rows = col.db.execute(
            f"select distinct c.nid {_source(where)} where {where} order by c.nid", params
        ).fetchall()
    return [r[0] for r in rows]


def search_cards_page(
    col: Collection,
    query: str,
    *,
    deck_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
    order: str = "due",
) -> dict[str, Any]:
    """One page of the browse table: ``{"total", "page", "page_size", "rows": [...]}``.

    Each row: ``card_id``, ``note_id``, ``deck_id``, ``deck_name``, ``notetype`` (its name),
    ``sort_field`` (text), ``ord``, ``type``, ``queue``, ``due``, ``ivl``, ``factor``, ``reps``,
    ``lapses``, ``flags``, ``tags`` (list).

    A search that reads notes (text, fields, tags, note types) gets the page's card ids and the
    total from one statement: the matches are read once, the total counted over them as they
    are sorted (a window count), as Anki reads them all to sort them. A search on cards alone
    (decks, states, flags, properties) has a cheap count instead: its rows are small and a
    deck or state search counts through ``ix_cards_sched`` without reading the table, while
    the page's statement sorts only what the page keeps (SQLite's top-N sort) instead of every
    match (3x faster at 50k notes for ``deck:Languages is:due``). The last page needs no count.
    The page's rows are then read by id.
    """
    if page < 1:
        raise SearchError("page must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise SearchError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    node = parse(query)
    where, params = _restricted_where(col, node, deck_id)
    order_by = _order_clause(order)
    source = _source(where, order_by)
    counted_once = source == FROM_CARDS and not (isinstance(node, MatchAll) and deck_id is None)
    window = "count() over ()" if counted_once else "null"
    with time_budget(col.db):
        ids_and_total = col.db.execute(
            f"select c.id, {window} {source} where {where} order by {order_by} limit ? offset ?",
            [*params, page_size, (page - 1) * page_size],
        ).fetchall()
        if ids_and_total and counted_once:
            total = int(ids_and_total[0][1])
        elif len(ids_and_total) < page_size and (ids_and_total or page == 1):
            total = (page - 1) * page_size + len(ids_and_total)  # the last page
        else:
            count_sql = f"select count() {source} where {where}"
            total = int(col.db.execute(count_sql, params).fetchone()[0])
        position = {cid: k for k, (cid, _) in enumerate(ids_and_total)}
        rows = sorted(
            col.db.execute(
                "select c.id, n.id, c.did, n.mid, n.sfld, c.ord, c.type, c.queue, c.due, c.ivl,"
                f" c.factor, c.reps, c.lapses, c.flags, n.tags {FROM_CARDS}"
                " where c.id in (select value from json_each(?))",
                [ids_json(list(position))],
            ).fetchall(),
            key=lambda row: position[row[0]],
        )
    decks, models = col.decks, col.models
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "rows": [
            {
                "card_id": cid,
                "note_id": nid,
                "deck_id": did,
                "deck_name": decks.get(str(did), {}).get("name", ""),
                "notetype": models.get(str(mid), {}).get("name", ""),
                "sort_field": str(sfld),
                "ord": ord_,
                "type": ctype,
                "queue": queue,
                "due": due,
                "ivl": ivl,
                "factor": factor,
                "reps": reps,
                "lapses": lapses,
                "flags": flags & 7,
                "tags": tags.split(),
            }
            for (
                cid,
                nid,
                did,
                mid,
                sfld,
                ord_,
                ctype,
                queue,
                due,
                ivl,
                factor,
                reps,
                lapses,
                flags,
                tags,
            ) in rows
        ],
    }


def _restricted_where(col: Collection, node: Node, deck_id: int | None) -> tuple[str, list[Any]]:
    where, params = write_sql(col, node)
    if deck_id is not None:
        where = f"({where}) and c.did in (select value from json_each(?))"
        params = [*params, ids_json(child_deck_ids(col, deck_id))]
    return where, params


def _order_clause(order: str) -> str:
    try:
        return ORDERS[order]
    except KeyError:
        raise SearchError(
            f"unknown order {order!r}; use one of {', '.join(sorted(ORDERS))}"
        ) from None
