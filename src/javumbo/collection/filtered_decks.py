"""Filtered decks as Anki makes them (``rslib/src/scheduler/filtered/``, ``decks/filtered.rs``).

A filtered deck borrows the cards its searches find: each card keeps its home deck in ``odid``
and its due in ``odue``; a card that had a positive due gets the deck's running position
(-100000, -99999, ...) so the deck is studied in the order it was built. Without rescheduling
every card goes to the review queue and is shown as a preview. Emptying (or rebuilding, or
deleting) the deck puts each card back home with its original due and the queue its type says.

Stored as schema-11 deck JSON, as Anki writes it: ``dyn: 1``, ``terms`` (``[search, limit,
order]``), ``resched``, ``previewAgainSecs``/``previewHardSecs``/``previewGoodSecs``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from javumbo.collection import decks
from javumbo.collection.cards import chunks, placeholders
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.search import compile_search
from javumbo.collection.undo import UndoStep

FIRST_POSITION = -100_000
MAX_TERMS = 2
MAX_LIMIT = 99_999
MAX_PREVIEW_SECS = 86_400 * 365
QUEUE_LEARN = 1
QUEUE_REVIEW = 2
QUEUE_DAY_LEARN = 3
_EPOCH_SECONDS_FLOOR = 1_000_000_000
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1

# Anki's FilteredSearchTerm.Order (proto/anki/decks.proto).
ORDER_OLDEST_REVIEWED_FIRST = 0
ORDER_RANDOM = 1
ORDER_INTERVALS_ASCENDING = 2
ORDER_INTERVALS_DESCENDING = 3
ORDER_LAPSES = 4
ORDER_ADDED = 5
ORDER_DUE = 6
ORDER_REVERSE_ADDED = 7
ORDER_RETRIEVABILITY_ASCENDING = 8
ORDER_RETRIEVABILITY_DESCENDING = 9
ORDER_RELATIVE_OVERDUENESS = 10
ORDER_NAMES = {
    "oldest_seen_first": ORDER_OLDEST_REVIEWED_FIRST,
    "random": ORDER_RANDOM,
    "increasing_intervals": ORDER_INTERVALS_ASCENDING,
    "decreasing_intervals": ORDER_INTERVALS_DESCENDING,
    "most_lapses": ORDER_LAPSES,
    "order_added": ORDER_ADDED,
    "order_due": ORDER_DUE,
    "latest_added_first": ORDER_REVERSE_ADDED,
    "retrievability_ascending": ORDER_RETRIEVABILITY_ASCENDING,
    "retrievability_descending": ORDER_RETRIEVABILITY_DESCENDING,
    "relative_overdueness": ORDER_RELATIVE_OVERDUENESS,
}


@dataclass(frozen=True)
class SearchTerm:
    search: str
    limit: int
    order: int

    def as_json(self) -> list[Any]:
        return [self.search, self.limit, self.order]


@dataclass(frozen=True)
class FilteredDeckConfig:
    """What the filtered deck dialog edits. Preview delays apply only without rescheduling;
    a delay of 0 returns the card home on that button (Easy always does)."""

    terms: tuple[SearchTerm, ...]
    reschedule: bool = True
    preview_again_secs: int = 60
    preview_hard_secs: int = 600
    preview_good_secs: int = 0


def parse_order(value: Any) -> int:
    """An order as Anki's number (0-10) or its name in ``ORDER_NAMES``."""
    if isinstance(value, str) and value in ORDER_NAMES:
        return ORDER_NAMES[value]
    if isinstance(value, bool) or not isinstance(value, int) or value not in ORDER_NAMES.values():
        names = ", ".join(ORDER_NAMES)
        raise ValidationError(f"order must be one of {names} (or Anki's number 0-10)")
    return value


def checked_term(search: Any, limit: Any, order: Any) -> SearchTerm:
    if not isinstance(search, str):
        raise ValidationError("a filtered deck search must be text")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ValidationError(f"a filtered deck limit must be a whole number 0-{MAX_LIMIT}")
    return SearchTerm(search.strip(), limit, parse_order(order))


# ----------------------------------------------------------------- reading


def get_filtered_deck(col: Collection, did: int) -> dict[str, Any]:
    deck = decks.get_deck(col, did)
    if not deck.get("dyn"):
        raise ValidationError(f"{deck['name']!r} is not a filtered deck")
    return deck


def config_of(deck: dict[str, Any]) -> FilteredDeckConfig:
    terms = []
    for raw in deck.get("terms") or []:
        if isinstance(raw, list) and len(raw) >= 3:
            terms.append(SearchTerm(str(raw[0]), int(raw[1]), int(raw[2])))
    return FilteredDeckConfig(
        terms=tuple(terms),
        reschedule=bool(deck.get("resched", True)),
        preview_again_secs=int(deck.get("previewAgainSecs", 60) or 0),
        preview_hard_secs=int(deck.get("previewHardSecs", 600) or 0),
        preview_good_secs=int(deck.get("previewGoodSecs", 0) or 0),
    )


def filtered_deck_view(col: Collection, did: int) -> dict[str, Any]:
    deck = get_filtered_deck(col, did)
    config = config_of(deck)
    count = col.db.execute("select count() from cards where did = ?", (did,)).fetchone()[0]
    return {
        "id": did,
        "name": str(deck["name"]),
        "terms": [{"search": t.search, "limit": t.limit, "order": t.order} for t in config.terms],
        "reschedule": config.reschedule,
        "preview_again_secs": config.preview_again_secs,
        "preview_hard_secs": config.preview_hard_secs,
        "preview_good_secs": config.preview_good_secs,
        "cards": int(count),
    }


# ----------------------------------------------------------------- create / update


def save_filtered_deck(
    col: Collection,
    name: str,
    config: FilteredDeckConfig,
    *,
    deck_id: int | None = None,
    allow_empty: bool = False,
    step: UndoStep | None = None,
) -> tuple[int, int]:
    """Add (``deck_id`` None) or update a filtered deck, then rebuild it; ``(id, cards)``.

    As in Anki, a search that matches nothing undoes the whole change (``ValidationError``)
    unless ``allow_empty``; the deck becomes the current deck. With ``step``, the decks and
    cards it changes are recorded for undo (Anki's "Build Deck")."""
    if not config.terms or len(config.terms) > MAX_TERMS:
        raise ValidationError("a filtered deck needs one search, or two with a second filter")
    for term in config.terms:
        compile_search(col, term.search)  # a bad search fails before anything is written
    clean = decks.normalize_deck_name(name)
    clash = decks.deck_by_name(col, clean)
    if clash is not None and int(clash["id"]) != deck_id:
        raise ValidationError(f"a deck named {clean!r} already exists")
    with col.transaction():
        decks_before = set(col.decks)
        if step is not None and deck_id is not None:
            step.decks_changing([deck_id])
        if deck_id is not None and str(get_filtered_deck(col, deck_id)["name"]) != clean:
            decks.rename_deck(col, deck_id, clean)  # Anki's dialog renames too
        all_decks = {k: dict(v) for k, v in col.decks.items()}
        if deck_id is None:
            decks._create_missing(col, all_decks, decks._parent_names(clean))
            deck = _new_filtered_deck(col, all_decks, clean)
        else:
            deck = dict(get_filtered_deck(col, deck_id))
        deck.update(_config_json(config))
        deck["mod"] = col.now_secs()
        deck["usn"] = -1
        all_decks[str(deck["id"])] = deck
        col.save_json("decks", all_decks)
        did = int(deck["id"])
        if step is not None:
            step.decks_added(int(k) for k in set(col.decks) - decks_before)
        count = rebuild(col, did, step)
        if count == 0 and not allow_empty:
            raise ValidationError("the search matched no cards to study")
        conf = dict(col.conf)
        conf["curDeck"] = did
        col.save_json("conf", conf)
    return did, count


def _config_json(config: FilteredDeckConfig) -> dict[str, Any]:
    return {
        "dyn": 1,
        "resched": config.reschedule,
        "terms": [t.as_json() for t in config.terms],
        "separate": True,
        "delays": None,
        "previewAgainSecs": config.preview_again_secs,
        "previewHardSecs": config.preview_hard_secs,
        "previewGoodSecs": config.preview_good_secs,
    }


def _new_filtered_deck(col: Collection, all_decks: dict[str, Any], name: str) -> dict[str, Any]:
    did = col.now_ms()
    while str(did) in all_decks:
        did += 1
    return {
        "id": did,
        "mod": col.now_secs(),
        "name": name,
        "usn": -1,
        "lrnToday": [0, 0],
        "revToday": [0, 0],
        "newToday": [0, 0],
        "timeToday": [0, 0],
        "collapsed": True,
        "browserCollapsed": True,
        "desc": "",
        "dyn": 1,
        "previewDelay": 0,
    }


# ----------------------------------------------------------------- build / empty


def rebuild(col: Collection, did: int, step: UndoStep | None = None) -> int:
    """Return the deck's cards home, then pull in what its searches find now; the count."""
    deck = get_filtered_deck(col, did)
    config = config_of(deck)
    with col.transaction() as db:
        _install_fnvhash(db)
        empty(col, did, step)
        position = FIRST_POSITION
        for term in config.terms[:MAX_TERMS]:
            position = _move_matching(col, did, term, config.reschedule, position, step)
    return position - FIRST_POSITION


def _move_matching(
    col: Collection,
    did: int,
    term: SearchTerm,
    reschedule: bool,
    position: int,
    step: UndoStep | None,
) -> int:
    search = f"({term.search})" if term.search.strip() else ""
    where, params = compile_search(col, f"{search} -is:suspended -is:buried -deck:filtered")
    order = _order_sql(col, term.order)
    cids = [
        int(r[0])
        for r in col.db.execute(
            f"select c.id from cards c join notes n on c.nid = n.id where {where} "
            f"order by {order}fnvhash(c.id, c.mod) limit ?",
            [*params, term.limit],
        )
    ]
    if step is not None:
        step.cards_changing(cids)
    now = col.now_secs()
    queue = "queue" if reschedule else str(QUEUE_REVIEW)
    col.db.executemany(
        f"update cards set odid = did, did = ?, odue = due, queue = {queue}, "
        "due = (case when due > 0 then ? else due end), mod = ?, usn = -1 "
        "where id = ? and odue = 0",
        [(did, position + i, now, cid) for i, cid in enumerate(cids)],
    )
    return position + len(cids)


def _order_sql(col: Collection, order: int) -> str:
    """Anki's ``order_and_limit_for_search``, up to its ``fnvhash`` tie-break."""
    timing = col.sched_timing()
    today, now = timing.days_elapsed, col.now_secs()
    orders = {
        ORDER_OLDEST_REVIEWED_FIRST: "(select max(id) from revlog where cid = c.id)",
        ORDER_RANDOM: "random()",
        ORDER_INTERVALS_ASCENDING: "c.ivl",
        ORDER_INTERVALS_DESCENDING: "c.ivl desc",
        ORDER_LAPSES: "c.lapses desc",
        ORDER_ADDED: "n.id, c.ord",
        ORDER_REVERSE_ADDED: "n.id desc, c.ord asc",
        ORDER_DUE: (
            f"(case when c.due > {_EPOCH_SECONDS_FLOOR} then c.due "
            f"else (c.due - {int(today)}) * 86400 + {int(now)} end), c.ord"
        ),
        # Without FSRS Anki sorts these by the tie-break alone; with FSRS the nearest we
        # have is the most overdue first (relative to the interval).
        ORDER_RETRIEVABILITY_ASCENDING: _overdueness_sql(col, today, "desc"),
        ORDER_RETRIEVABILITY_DESCENDING: _overdueness_sql(col, today, "asc"),
        ORDER_RELATIVE_OVERDUENESS: _overdueness_sql(col, today, "desc", always=True),
    }
    sql = orders[order]
    return f"{sql}, " if sql else ""


def _overdueness_sql(col: Collection, today: int, direction: str, *, always: bool = False) -> str:
    if not always and not col.conf.get("fsrs", False):
        return ""
    due = "(case when c.odue != 0 then c.odue else c.due end)"
    return (
        f"(case when c.type = 2 then ({int(today)} - {due} + 0.0) / max(c.ivl, 1) "
        f"else -1e9 end) {direction}"
    )


def empty(col: Collection, did: int, step: UndoStep | None = None) -> None:
    """Every card of the deck back home: Anki's ``remove_from_filtered_deck_restoring_queue``."""
    get_filtered_deck(col, did)
    rows = col.db.execute("select id from cards where did = ? and odid != 0", (did,)).fetchall()
    cids = [int(r[0]) for r in rows]
    if step is not None:
        step.cards_changing(cids)
    return_cards_home(col, cids)


def return_cards_home(col: Collection, cids: list[int]) -> None:
    now = col.now_secs()
    restored_queue = (
        f"(case type when 0 then 0 when 2 then {QUEUE_REVIEW} else (case when "
        f"(case when odue != 0 then odue else due end) > {_EPOCH_SECONDS_FLOOR} "
        f"then {QUEUE_LEARN} else {QUEUE_DAY_LEARN} end) end)"
    )
    with col.transaction():
        for batch in chunks(cids):
            col.db.execute(
                "update cards set did = odid, odid = 0, "
                "due = (case when odue != 0 then odue else due end), "
                f"queue = (case when queue >= 0 then {restored_queue} else queue end), "
                f"odue = 0, mod = ?, usn = -1 where odid != 0 and id in ({placeholders(batch)})",
                [now, *batch],
            )


# ----------------------------------------------------------------- SQL function


def fnvhash(*values: int) -> int:
    """Anki's ``fnvhash`` SQL function: 64-bit FNV-1a over each argument's 8 little-endian
    bytes, as a signed integer (the tie-break of a filtered deck's order)."""
    value = _FNV_OFFSET
    for number in values:
        for byte in int(number).to_bytes(8, "little", signed=True):
            value = ((value ^ byte) * _FNV_PRIME) & _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def _install_fnvhash(db: sqlite3.Connection) -> None:
    db.create_function("fnvhash", -1, fnvhash, deterministic=True)
