"""Search nodes to a parameterized SQL where-clause over ``cards c join notes n``.

The meaning of each term follows Anki's ``sqlwriter.rs``, so that a query finds the same cards
here as in Anki. The SQL only ever contains fixed fragments written in this module; every value
from the query (text, ids, numbers) travels as a ``?`` parameter. Names of decks, note types,
templates and fields are resolved in Python against the collection's JSON and passed as id lists.

Deck terms are written so that SQLite can find their cards through ``ix_cards_sched`` (did,
queue, due) instead of reading the whole table: a card of a filtered deck is found by its home
deck (``odid``) only among the cards of the filtered decks (where Anki keeps every card whose
``odid`` is set), not by ``c.odid`` over every card.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.search.nodes import (
    AddedSearch,
    And,
    DeckSearch,
    EaseSearch,
    EditedSearch,
    FieldSearch,
    FlagSearch,
    IdSearch,
    MatchAll,
    Node,
    Not,
    NotetypeIdSearch,
    NotetypeSearch,
    Operator,
    Or,
    PropSearch,
    RatedSearch,
    StateSearch,
    TagSearch,
    TemplateSearch,
    TextSearch,
)
from javumbo.collection.search.text_matching import (
    deck_matcher,
    name_matcher,
    nfc,
    tag_pattern,
    tags_match,
    to_sql_like,
)

TAG_MATCH_FUNCTION = "javumbo_tag_match"
LEARN_AHEAD_DEFAULT_SECS = 1200
STATE_SQL = {
    "new": "c.type = 0",
    "review": "c.type in (2, 3)",
    "learn": "c.type in (1, 3)",
    "buried": "c.queue in (-2, -3)",
    "buried-manually": "c.queue = -3",
    "buried-sibling": "c.queue = -2",
    "suspended": "c.queue = -1",
}
COLUMNS = {"ivl": "c.ivl", "reps": "c.reps", "lapses": "c.lapses"}
ORIGINAL_DUE = "(case when c.odue != 0 then c.odue else c.due end)"


@dataclass
class _Sql:
    """A where-clause being built: fixed fragments plus the values for their ``?``."""

    parts: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, fragment: str, *params: Any) -> None:
        self.parts.append(fragment)
        self.params.extend(params)

    def text(self) -> str:
        return "".join(self.parts)


def write_sql(col: Collection, node: Node) -> tuple[str, list[Any]]:
    """The where-clause (over ``cards c join notes n``) and its parameters for ``node``."""
    col.db.create_function(TAG_MATCH_FUNCTION, 2, tags_match, deterministic=True)
    sql = _Sql()
    _Writer(col, sql).write(node)
    return sql.text(), sql.params


def ids_json(ids: list[int] | tuple[int, ...] | set[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _f32(value: float) -> float:
    packed: float = struct.unpack("f", struct.pack("f", value))[0]
    return packed


class _Writer:
    def __init__(self, col: Collection, sql: _Sql) -> None:
        self.col = col
        self.sql = sql
        self._timing: tuple[int, int] | None = None

    def timing(self) -> tuple[int, int]:
        if self._timing is None:
            t = self.col.sched_timing()
            self._timing = (t.days_elapsed, t.next_day_at)
        return self._timing

    def write(self, node: Node) -> None:
        match node:
            case MatchAll():
                self.sql.add("1")
            case And(children) | Or(children):
                joiner = " and " if isinstance(node, And) else " or "
                self.sql.add("(")
                for k, child in enumerate(children):
                    if k:
                        self.sql.add(joiner)
                    self.write(child)
                self.sql.add(")")
            case Not(child):
                # Every term's SQL is a comparison, a call or parenthesized, so NOT applies to
                # the whole of it without more parentheses (SQLite's parser has a small stack).
                self.sql.add("not ")
                self.write(child)
            case TextSearch(text):
                pattern = f"%{to_sql_like(nfc(text))}%"
                self.sql.add(
                    "(n.sfld like ? escape '\\' or n.flds like ? escape '\\')", pattern, pattern
                )
            case FieldSearch(name, value):
                self.field(name, value)
            case DeckSearch(name):
                self.deck(nfc(name))
            case NotetypeSearch(name):
                matches = name_matcher(nfc(name))
                mids = [int(m["id"]) for m in self.col.models.values() if matches(str(m["name"]))]
                self.sql.add("n.mid in (select value from json_each(?))", ids_json(mids))
            case TemplateSearch(number, name):
                self.template(number, name)
            case TagSearch(tag):
                self.tag(nfc(tag))
            case FlagSearch(flag):
                self.sql.add("(c.flags & 7) = ?", flag)
            case StateSearch(state):
                self.state(state)
            case PropSearch(prop, op, value):
                self.prop(prop, op, value)
            case EaseSearch(op, ease):
                self.sql.add(f"c.factor {op} ?", int(_f32(_f32(ease) * 1000.0)))
            case RatedSearch(op, days, ease):
                self.rated(op, days, ease)
            case AddedSearch(days):
                self.sql.add("c.id > ?", (self.timing()[1] - 86400 * days) * 1000)
            case EditedSearch(days):
                self.sql.add("n.mod > ?", self.timing()[1] - 86400 * days)
            case IdSearch("did", ids):
                self.deck_cards(list(ids))
            case IdSearch(kind, ids):
                column = "n.id" if kind == "nid" else "c.id"
                self.sql.add(f"{column} in (select value from json_each(?))", ids_json(ids))
            case NotetypeIdSearch(notetype_id):
                self.sql.add("n.mid = ?", notetype_id)

    def field(self, field_name: str, raw_value: str) -> None:
        value = to_sql_like(nfc(raw_value))
        matches = name_matcher(nfc(field_name))
        clauses: list[str] = []
        params: list[Any] = []
        for nt in sorted(self.col.models.values(), key=lambda m: int(m["id"])):
            fields = [str(f["name"]) for f in nt.get("flds", [])]
            for ord_, name in enumerate(fields):
                if matches(name):
                    like = "\x1f".join(value if k == ord_ else "%" for k in range(len(fields)))
                    clauses.append("(n.mid = ? and n.flds like ? escape '\\')")
                    params += [int(nt["id"]), like]
        if not clauses:
            self.sql.add("0")
            return
        self.sql.add("(" + " or ".join(clauses) + ")", *params)

    def deck(self, name: str) -> None:
        if name == "*":
            self.sql.add("1")
            return
        if name == "filtered":
            self.sql.add("c.odid != 0")
            return
        matches = deck_matcher(name)
        self.deck_cards([int(d["id"]) for d in self.col.decks.values() if matches(str(d["name"]))])

    def deck_cards(self, dids: list[int]) -> None:
        """Cards in one of ``dids``, or moved from one of them into a filtered deck."""
        if not dids:
            self.sql.add("0")
            return
        filtered = {int(d["id"]) for d in self.col.decks.values() if d.get("dyn")}
        wanted = ids_json(dids)
        if not filtered:
            self.sql.add("c.did in (select value from json_each(?))", wanted)
            return
        self.sql.add(
            "(c.did in (select value from json_each(?))"
            " and (c.did in (select value from json_each(?))"
            " or c.odid in (select value from json_each(?))))",
            ids_json(filtered | set(dids)),
            wanted,
            wanted,
        )

    def template(self, number: int | None, name: str | None) -> None:
        if number is not None:
            self.sql.add("c.ord = ?", max(number, 1) - 1)
            return
        matches = name_matcher(nfc(name or ""))
        pairs = [
            [int(m["id"]), int(t["ord"])]
            for m in self.col.models.values()
            for t in m.get("tmpls", [])
            if matches(str(t["name"]))
        ]
        self.sql.add(
            "exists (select 1 from json_each(?) t where json_extract(t.value, '$[0]') = n.mid"
            " and json_extract(t.value, '$[1]') = c.ord)",
            json.dumps(pairs),
        )

    def tag(self, tag: str) -> None:
        if tag == "none":
            self.sql.add("trim(n.tags) = ''")
        elif tag == "*":
            self.sql.add("1")
        elif " " in tag:
            self.sql.add("0")
        else:
            self.sql.add(f"{TAG_MATCH_FUNCTION}(?, n.tags)", tag_pattern(tag))

    def state(self, state: str) -> None:
        if state != "due":
            self.sql.add(STATE_SQL[state])
            return
        today, _ = self.timing()
        learn_ahead = self.col.conf_int("collapseTime", LEARN_AHEAD_DEFAULT_SECS)
        # The leading ``c.queue in`` repeats what the two branches say, so that SQLite can
        # seek ``ix_cards_sched`` on (did, queue) and skip the new cards (through an ``or``
        # it could only seek on did).
        self.sql.add(
            "(c.queue in (1, 2, 3, 4) and ((c.queue in (2, 3) and c.due <= ?)"
            " or (c.queue in (1, 4) and c.due <= ?)))",
            today,
            self.col.now_secs() + learn_ahead,
        )

    def prop(self, prop: str, op: Operator, value: int) -> None:
        today, cutoff = self.timing()
        if prop in COLUMNS:
            self.sql.add(f"{COLUMNS[prop]} {op} ?", value)
        elif prop == "pos":
            self.sql.add(f"(c.type = 0 and {ORIGINAL_DUE} {op} ?)", value)
        else:
            self.sql.add(
                f"((c.queue in (2, 3) and {ORIGINAL_DUE} {op} ?) or (c.queue in (1, 4) and"
                f" (({ORIGINAL_DUE} - ?) / 86400) {op} ?))",
                today + value,
                cutoff,
                value,
            )

    def rated(self, op: Operator, days: int, ease: int | None) -> None:
        _, cutoff = self.timing()
        target_ms = (cutoff + 86400 * days) * 1000
        day_before_ms = (cutoff + 86400 * (days - 1)) * 1000
        conditions: dict[Operator, tuple[str, list[int]]] = {
            ">": ("r.id >= ?", [target_ms]),
            ">=": ("r.id >= ?", [day_before_ms]),
            "<": ("r.id < ?", [day_before_ms]),
            "<=": ("r.id < ?", [target_ms]),
            "=": ("r.id between ? and ?", [day_before_ms, target_ms - 1]),
            "!=": ("r.id not between ? and ?", [day_before_ms, target_ms - 1]),
        }
        condition, params = conditions[op]
        ease_sql = "r.ease > 0" if ease is None else "r.ease = ?"
        ease_params = [] if ease is None else [ease]
        self.sql.add(
            f"c.id in (select r.cid from revlog r where {condition} and {ease_sql})",
            *params,
            *ease_params,
        )
