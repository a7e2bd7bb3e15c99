"""Anki's search syntax, compiled to a parameterized SQL where-clause over ``cards c join notes n``.

The grammar and the meaning of each term follow Anki's own search (its Rust ``parser.rs`` and
``sqlwriter.rs``) so that a query finds the same cards here as in Anki. The compiled SQL only ever
contains fixed fragments written in this module; every value coming from the query (text, ids,
numbers) travels as a ``?`` parameter. Names of decks, note types, templates and fields are
resolved in Python against the collection's JSON and passed as id lists.

Supported: free text (``*`` and ``_`` wildcards, ``\\`` escapes), ``"quoted phrases"``,
``field:value``, ``deck:`` (children included, wildcards, ``*``, ``filtered``), ``tag:``
(hierarchical, wildcards, ``none``), ``is:new|due|review|learn|suspended|buried|buried-manually|
buried-sibling``, ``note:``, ``card:`` (name or number), ``rated:N[:ease]``, ``prop:`` (ivl, due,
reps, lapses, ease, pos, rated), ``flag:N``, ``nid:``/``cid:``/``did:``/``mid:``, ``added:N``,
``edited:N``, ``-`` negation, ``and``/``or`` (``and`` binds tighter), parentheses.
Anything else raises ``SearchError``.
"""

from __future__ import annotations

import functools
import json
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.decks import child_deck_ids
from javumbo.collection.errors import ValidationError

WHITESPACE = " \u3000\t\r\n"
# Characters that end an unquoted term (besides whitespace).
TERM_STOPS = '"()'
ESCAPABLE = set('\\":*_()-')
PARSER_ESCAPES = {'\\"': '"', "\\:": ":", "\\(": "(", "\\)": ")", "\\-": "-"}
TAG_MATCH_FUNCTION = "javumbo_tag_match"
LEARN_AHEAD_DEFAULT_SECS = 1200
NON_SPACE = r"\S"
UNSUPPORTED_KEYS = {"re", "nc", "sc", "w", "dupe", "has-cd", "preset", "resched", "introduced"}

QUEUE_SUSPENDED, QUEUE_SCHED_BURIED, QUEUE_USER_BURIED = -1, -2, -3
PROP_OPERATORS = ("<=", ">=", "!=", "=", "<", ">")
# Far beyond any hand-written search, well within Python's recursion limit and SQLite's
# expression depth (1000), either of which a bigger query would hit as an internal error.
MAX_SEARCH_TERMS = 300
MAX_GROUP_DEPTH = 50
ORDERS = {
    "due": "c.type, (case when c.odid != 0 then c.odue else c.due end), c.id",
    "added": "n.id, c.ord",
    "sort field": "n.sfld collate nocase, c.ord",
}


class SearchError(ValidationError):
    """The query is not valid search syntax, or uses a part of it we do not support."""


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


# --------------------------------------------------------------------------- public functions


def compile_search(col: Collection, query: str) -> tuple[str, list[Any]]:
    """The where-clause (over ``cards c join notes n``) and its parameters for ``query``."""
    _register_sql_functions(col)
    sql = _Sql()
    _Parser(col, query, sql).parse()
    return sql.text(), sql.params


def find_cards(
    col: Collection, query: str, *, deck_id: int | None = None, order: str = "due"
) -> list[int]:
    """Ids of the cards matching ``query`` (within ``deck_id`` and its children if given)."""
    where, params = _restricted_where(col, query, deck_id)
    order_by = _order_clause(order)
    rows = col.db.execute(
        f"select c.id from cards c join notes n on c.nid = n.id where {where} order by {order_by}",
        params,
    )
    return [r[0] for r in rows]


def find_notes(col: Collection, query: str, *, deck_id: int | None = None) -> list[int]:
    """Ids of the notes with at least one card matching ``query``, oldest first."""
    where, params = _restricted_where(col, query, deck_id)
    rows = col.db.execute(
        "select distinct n.id from cards c join notes n on c.nid = n.id"
        f" where {where} order by n.id",
        params,
    )
    return [r[0] for r in rows]


def search_cards_page(
    col: Collection,
    query: str,
    *,
    deck_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
    order: str = "due",
) -> dict[str, Any]:
    """One page of the browse table: ``{"total", "page", "per_page", "rows": [...]}``.

    Each row: ``card_id``, ``note_id``, ``deck_id``, ``deck`` (name), ``note_type`` (name),
    ``sort_field`` (text), ``ord``, ``type``, ``queue``, ``due``, ``ivl``, ``factor``, ``reps``,
    ``lapses``, ``flags``, ``tags`` (list).
    """
    if page < 1:
        raise SearchError("page must be 1 or more")
    if not 1 <= per_page <= 1000:
        raise SearchError("per_page must be between 1 and 1000")
    where, params = _restricted_where(col, query, deck_id)
    order_by = _order_clause(order)
    total = col.db.execute(
        f"select count() from cards c join notes n on c.nid = n.id where {where}", params
    ).fetchone()[0]
    rows = col.db.execute(
        "select c.id, n.id, c.did, n.mid, n.sfld, c.ord, c.type, c.queue, c.due, c.ivl,"
        " c.factor, c.reps, c.lapses, c.flags, n.tags"
        f" from cards c join notes n on c.nid = n.id where {where} order by {order_by}"
        " limit ? offset ?",
        [*params, per_page, (page - 1) * per_page],
    ).fetchall()
    decks, models = col.decks, col.models
    return {
        "total": total,
        "page": page,
        "per_page": per_page,
        "rows": [
            {
                "card_id": cid,
                "note_id": nid,
                "deck_id": did,
                "deck": decks.get(str(did), {}).get("name", ""),
                "note_type": models.get(str(mid), {}).get("name", ""),
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


# --------------------------------------------------------------------------- helpers


def _restricted_where(col: Collection, query: str, deck_id: int | None) -> tuple[str, list[Any]]:
    where, params = compile_search(col, query)
    if deck_id is not None:
        where = f"({where}) and c.did in (select value from json_each(?))"
        params = [*params, json.dumps(child_deck_ids(col, deck_id))]
    return where, params


def _order_clause(order: str) -> str:
    try:
        return ORDERS[order]
    except KeyError:
        raise SearchError(
            f"unknown order {order!r}; use one of {', '.join(sorted(ORDERS))}"
        ) from None


def _register_sql_functions(col: Collection) -> None:
    col.db.create_function(TAG_MATCH_FUNCTION, 2, _tag_match, deterministic=True)


def _tag_match(pattern: str, tags: str | None) -> bool:
    return _compiled(pattern).match(f" {tags or ''} ") is not None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def _ids_json(ids: list[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ---- Anki's text conventions: `*` and `_` are wildcards, `\` escapes them.


def _to_sql_like(text: str) -> str:
    r"""Anki wildcards to a LIKE pattern (used with ``escape '\'``)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "\\*":
            out.append("\\\\" if text[i + 1] == "\\" else "*")
            i += 2
            continue
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "_":
            out.append("\\_")
            i += 2
            continue
        out.append({"*": "%", "%": "\\%"}.get(ch, ch))
        i += 1
    return "".join(out)


def _to_regex(text: str, wildcard: str = ".") -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(re.escape(nxt))
            i += 2
            continue
        if ch == "*":
            out.append(wildcard + "*")
        elif ch == "_":
            out.append(wildcard)
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _is_glob(text: str) -> bool:
    return re.search(r"(^|[^\\])(\\\\)*[*_]", text) is not None


def _to_text(text: str) -> str:
    return re.sub(r"\\([\\*_])", r"\1", text)


def _name_matcher(pattern: str) -> Any:
    """A predicate on names: case-insensitive equality, or a full match when ``pattern`` globs."""
    if _is_glob(pattern):
        compiled = re.compile(_to_regex(pattern), re.IGNORECASE | re.DOTALL)
        return lambda name: compiled.fullmatch(name) is not None
    wanted = _to_text(pattern).casefold()
    return lambda name: name.casefold() == wanted


def _f32(value: float) -> float:
    packed: float = struct.unpack("f", struct.pack("f", value))[0]
    return packed


# --------------------------------------------------------------------------- the parser


class _Parser:
    """Recursive descent over the query text, writing SQL as it recognises each node."""

    def __init__(self, col: Collection, query: str, sql: _Sql) -> None:
        self.col = col
        self.s = query
        self.i = 0
        self.sql = sql
        self._timing: tuple[int, int] | None = None
        self.terms = 0
        self.depth = 0

    def fail(self, message: str) -> SearchError:
        return SearchError(f"invalid search {self.s!r}: {message}")

    # ---- structure

    def parse(self) -> None:
        if not self.s.strip():
            self.sql.add("1")
            return
        self.sql.add("(")
        self.group_inner()
        self.sql.add(")")
        self.skip_ws()
        if self.i < len(self.s):
            raise self.fail("a ')' closes a group that was never opened")

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in WHITESPACE:
            self.i += 1

    def group_inner(self) -> int:
        """Nodes up to a ``)`` or the end; returns how many search nodes were written."""
        expect_operand = True
        count = 0
        while True:
            self.skip_ws()
            if self.i >= len(self.s) or self.s[self.i] == ")":
                break
            keyword = self.peek_keyword()
            if keyword is not None:
                if expect_operand:
                    raise self.fail(f"'{keyword}' must stand between two search terms")
                self.i += len(keyword)
                self.sql.add(f" {keyword.lower()} ")
                expect_operand = True
                continue
            if not expect_operand:
                self.sql.add(" and ")
            self.node()
            count += 1
            expect_operand = False
        if count and expect_operand:
            raise self.fail("'and'/'or' must stand between two search terms")
        return count

    def peek_keyword(self) -> str | None:
        for word in ("and", "or"):
            end = self.i + len(word)
            if self.s[self.i : end].lower() == word and (
                end == len(self.s) or self.s[end] in WHITESPACE + TERM_STOPS
            ):
                return self.s[self.i : end]
        return None

    def node(self) -> None:
        self.terms += 1
        if self.terms > MAX_SEARCH_TERMS:
            raise self.fail(f"too many search terms (at most {MAX_SEARCH_TERMS})")
        ch = self.s[self.i]
        if ch == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] not in WHITESPACE + ")":
            self.i += 1
            self.sql.add("not ")
            if self.s[self.i] == "(":
                self.group()
            else:
                self.text()
        elif ch == "(":
            self.group()
        else:
            self.text()

    def group(self) -> None:
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise self.fail(f"parentheses nested too deeply (at most {MAX_GROUP_DEPTH})")
        self.i += 1
        self.sql.add("(")
        count = self.group_inner()
        self.depth -= 1
        if self.i >= len(self.s):
            raise self.fail("a '(' is never closed")
        if count == 0:
            raise self.fail("empty parentheses")
        self.i += 1
        self.sql.add(")")

    # ---- terms

    def text(self) -> None:
        if self.s[self.i] == '"':
            self.term(self.quoted())
            return
        partial = self.partially_quoted()
        if partial is not None:
            self.keyed_term(*partial)
            return
        self.term(self.unquoted())

    def quoted(self) -> str:
        start = self.i
        self.i += 1
        while self.i < len(self.s) and self.s[self.i] != '"':
            self.i += 2 if self.s[self.i] == "\\" else 1
        if self.i >= len(self.s):
            raise self.fail("a '\"' is never closed")
        inner = self.s[start + 1 : self.i]
        self.i += 1
        if not inner:
            raise self.fail('empty quotes ""')
        return inner

    def partially_quoted(self) -> tuple[str, str] | None:
        """``key:"quoted value"``, as in ``deck:"My Deck"``."""
        j = self.i
        while j < len(self.s) and self.s[j] not in '"(): \u3000\\\t\r\n':
            j += 1
        if j == self.i or j + 1 >= len(self.s) or self.s[j] != ":" or self.s[j + 1] != '"':
            return None
        key = self.s[self.i : j]
        self.i = j + 1
        return key, self.quoted()

    def unquoted(self) -> str:
        start = self.i
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch == "\\":
                if self.i + 1 >= len(self.s) or self.s[self.i + 1] in WHITESPACE:
                    raise self.fail("a '\\' escapes nothing")
                self.i += 2
                continue
            if ch in WHITESPACE or ch in TERM_STOPS:
                break
            self.i += 1
        return self.s[start : self.i]

    def term(self, text: str) -> None:
        colon = _unescaped_colon(text)
        if colon is None:
            self.write_unqualified(self.unescape(text))
            return
        if colon == 0:
            raise self.fail(f"{text!r} has ':' but nothing before it")
        self.keyed_term(text[:colon], text[colon + 1 :])

    def unescape(self, text: str) -> str:
        bad = re.search(r'(?:^|[^\\])(?:\\\\)*(\\(?:[^\\":*_()\-]|$))', text)
        if bad:
            raise self.fail(f"unknown escape {bad.group(1)!r}")
        return re.sub(r'\\[\\":()\-]', lambda m: PARSER_ESCAPES.get(m.group(0), m.group(0)), text)

    def keyed_term(self, key: str, value: str) -> None:
        handlers = {
            "deck": self.write_deck,
            "note": self.write_notetype,
            "tag": self.write_tag,
            "card": self.write_template,
            "flag": self.write_flag,
            "prop": self.write_prop,
            "added": self.write_added,
            "edited": self.write_edited,
            "rated": self.write_rated,
            "is": self.write_state,
            "nid": self.write_nids,
            "cid": self.write_cids,
            "did": self.write_dids,
            "mid": self.write_mid,
        }
        lowered = key.lower()
        handler = handlers.get(lowered)
        if handler is not None:
            handler(value)
        elif lowered in {
            "re",
            "nc",
            "sc",
            "w",
            "dupe",
            "has-cd",
            "preset",
            "resched",
            "introduced",
        }:
            raise self.fail(f"'{lowered}:' searches are not supported")
        else:
            self.write_field(self.unescape(key), value)

    # ---- SQL for each kind of term

    def timing(self) -> tuple[int, int]:
        if self._timing is None:
            t = self.col.sched_timing()
            self._timing = (t.days_elapsed, t.next_day_at)
        return self._timing

    def write_unqualified(self, text: str) -> None:
        pattern = f"%{_to_sql_like(_nfc(text))}%"
        self.sql.add("(n.sfld like ? escape '\\' or n.flds like ? escape '\\')", pattern, pattern)

    def write_field(self, field_name: str, raw_value: str) -> None:
        if raw_value.startswith(("re:", "nc:")):
            raise self.fail(f"'{raw_value[:3]}' field searches are not supported")
        value = _to_sql_like(_nfc(self.unescape(raw_value)))
        matches = _name_matcher(_nfc(field_name))
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

    def write_deck(self, raw: str) -> None:
        name = _nfc(self.unescape(raw))
        if name == "*":
            self.sql.add("1")
            return
        if name == "filtered":
            self.sql.add("c.odid != 0")
            return
        if name == "current":
            raise self.fail("'deck:current' is not supported; name the deck")
        native = _to_regex(name).replace("::", "\x1f")
        pattern = re.compile(f"^{native}($|\x1f)", re.IGNORECASE | re.DOTALL)
        dids = [
            int(d["id"])
            for d in self.col.decks.values()
            if pattern.match(str(d["name"]).replace("::", "\x1f"))
        ]
        ids = _ids_json(dids)
        self.sql.add(
            "(c.did in (select value from json_each(?))"
            " or (c.odid != 0 and c.odid in (select value from json_each(?))))",
            ids,
            ids,
        )

    def write_notetype(self, raw: str) -> None:
        matches = _name_matcher(_nfc(self.unescape(raw)))
        mids = [int(m["id"]) for m in self.col.models.values() if matches(str(m["name"]))]
        self.sql.add("n.mid in (select value from json_each(?))", _ids_json(mids))

    def write_template(self, raw: str) -> None:
        if raw.isascii() and raw.isdigit() and int(raw) < 2**16:
            self.sql.add("c.ord = ?", max(int(raw), 1) - 1)
            return
        matches = _name_matcher(_nfc(self.unescape(raw)))
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

    def write_tag(self, raw: str) -> None:
        if raw.startswith("re:"):
            raise self.fail("'tag:re:' searches are not supported")
        tag = _nfc(self.unescape(raw))
        if tag == "none":
            self.sql.add("trim(n.tags) = ''")
        elif tag == "*":
            self.sql.add("1")
        elif " " in tag:
            self.sql.add("0")
        else:
            tag_regex = _to_regex(tag, wildcard=NON_SPACE)
            pattern = f".* {tag_regex}(::| ).*"
            self.sql.add(f"{TAG_MATCH_FUNCTION}(?, n.tags)", pattern)

    def write_flag(self, raw: str) -> None:
        if not (raw.isascii() and raw.isdigit()) or int(raw) > 7:
            raise self.fail(f"flag must be a number from 0 to 7, not {raw!r}")
        self.sql.add("(c.flags & 7) = ?", int(raw))

    def write_state(self, raw: str) -> None:
        today, _ = self.timing()
        if raw == "new":
            self.sql.add("c.type = 0")
        elif raw == "review":
            self.sql.add("c.type in (2, 3)")
        elif raw == "learn":
            self.sql.add("c.type in (1, 3)")
        elif raw == "buried":
            self.sql.add("c.queue in (-2, -3)")
        elif raw == "buried-manually":
            self.sql.add("c.queue = -3")
        elif raw == "buried-sibling":
            self.sql.add("c.queue = -2")
        elif raw == "suspended":
            self.sql.add("c.queue = -1")
        elif raw == "due":
            learn_ahead = int(self.col.conf.get("collapseTime", LEARN_AHEAD_DEFAULT_SECS))
            self.sql.add(
                "((c.queue in (2, 3) and c.due <= ?) or (c.queue in (1, 4) and c.due <= ?))",
                today,
                self.col.now_secs() + learn_ahead,
            )
        else:
            raise self.fail(
                f"unknown state 'is:{raw}'; use new, due, review, learn, suspended or buried"
            )

    def number(self, raw: str, what: str, *, signed: bool = False) -> int:
        if re.fullmatch(r"-?\d+" if signed else r"\d+", raw) is None:
            raise self.fail(f"{what} needs a whole number, not {raw!r}")
        value = int(raw)
        if not -(2**31) <= value < 2**32:
            raise self.fail(f"{what} {raw} is out of range")
        return value

    def write_added(self, raw: str) -> None:
        days = max(self.number(raw, "added:"), 1)
        _, cutoff = self.timing()
        self.sql.add("c.id > ?", (cutoff - 86400 * days) * 1000)

    def write_edited(self, raw: str) -> None:
        days = max(self.number(raw, "edited:"), 1)
        _, cutoff = self.timing()
        self.sql.add("n.mod > ?", cutoff - 86400 * days)

    def write_rated(self, raw: str) -> None:
        days_text, _, ease_text = raw.partition(":")
        days = max(self.number(days_text, "rated:"), 1)
        ease = self.answer_button(ease_text, raw) if ease_text else None
        self.write_rated_sql(">", -days, ease)

    def answer_button(self, text: str, context: str) -> int:
        if text not in {"1", "2", "3", "4"}:
            raise self.fail(f"the answer button in {context!r} must be 1 to 4")
        return int(text)

    def write_rated_sql(self, op: str, days: int, ease: int | None) -> None:
        _, cutoff = self.timing()
        target_ms = (cutoff + 86400 * days) * 1000
        day_before_ms = (cutoff + 86400 * (days - 1)) * 1000
        conditions = {
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

    def write_prop(self, raw: str) -> None:
        m = re.fullmatch(r"(ivl|due|reps|lapses|ease|pos|rated)(<=|>=|!=|=|<|>)(.*)", raw)
        if m is None:
            known = re.match(r"(s|d|r|resched|cdn:|cds:)", raw)
            if known:
                raise self.fail(f"'prop:{known.group(1)}' is not supported")
            raise self.fail(
                f"'prop:{raw}' needs one of ivl, due, reps, lapses, ease, pos, rated, then an"
                " operator (= != < > <= >=) and a number"
            )
        prop, op, num = m.groups()
        assert op in PROP_OPERATORS
        today, cutoff = self.timing()
        if prop in ("ivl", "reps", "lapses"):
            column = {"ivl": "c.ivl", "reps": "c.reps", "lapses": "c.lapses"}[prop]
            self.sql.add(f"{column} {op} ?", self.number(num, f"prop:{prop}"))
        elif prop == "ease":
            if re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", num) is None or float(num) > 1e6:
                raise self.fail(f"prop:ease needs a number like 2.5, not {num!r}")
            ease = float(num)
            self.sql.add(f"c.factor {op} ?", int(_f32(_f32(ease) * 1000.0)))
        elif prop == "pos":
            self.sql.add(
                f"(c.type = 0 and (case when c.odue != 0 then c.odue else c.due end) {op} ?)",
                self.number(num, "prop:pos"),
            )
        elif prop == "due":
            days = self.number(num, "prop:due", signed=True)
            self.sql.add(
                "((c.queue in (2, 3) and (case when c.odue != 0 then c.odue else c.due end)"
                f" {op} ?) or (c.queue in (1, 4) and"
                f" (((case when c.odue != 0 then c.odue else c.due end) - ?) / 86400) {op} ?))",
                today + days,
                cutoff,
                days,
            )
        else:
            days_text, _, ease_text = num.partition(":")
            days = self.number(days_text, "prop:rated", signed=True)
            if days > 0:
                raise self.fail("prop:rated needs 0 or a negative number of days")
            button = self.answer_button(ease_text, raw) if ease_text else None
            self.write_rated_sql(op, days, button)

    def id_list(self, raw: str, key: str) -> str:
        if re.fullmatch(r"(\d+,)*\d+", raw) is None:
            raise self.fail(f"expected only digits and commas in {key}:")
        return _ids_json([int(x) for x in raw.split(",")])

    def write_nids(self, raw: str) -> None:
        self.sql.add("n.id in (select value from json_each(?))", self.id_list(raw, "nid"))

    def write_cids(self, raw: str) -> None:
        self.sql.add("c.id in (select value from json_each(?))", self.id_list(raw, "cid"))

    def write_dids(self, raw: str) -> None:
        ids = self.id_list(raw, "did")
        self.sql.add(
            "(c.did in (select value from json_each(?))"
            " or (c.odid != 0 and c.odid in (select value from json_each(?))))",
            ids,
            ids,
        )

    def write_mid(self, raw: str) -> None:
        self.sql.add("n.mid = ?", self.number(raw, "mid:", signed=True))


def _unescaped_colon(text: str) -> int | None:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ":":
            return i
        i += 1
    return None
