"""Anki's search syntax, from text to :mod:`~javumbo.collection.search.nodes`; no collection needed.

The grammar follows Anki's own (its Rust ``parser.rs``): terms separated by whitespace are
joined by ``and``; ``and``/``or`` between terms (``and`` binds tighter); ``-`` negates a term
or a group; parentheses group; ``"..."`` quotes a term or, after ``key:``, its value; ``\\``
escapes. Every syntax error, and every search we do not support, is a ``SearchError`` raised
here, before anything is matched.
"""

from __future__ import annotations

import re

from javumbo.collection.errors import ValidationError
from javumbo.collection.search.nodes import (
    CARD_STATES,
    OPERATORS,
    AddedSearch,
    And,
    DeckSearch,
    EaseSearch,
    EditedSearch,
    FieldSearch,
    FlagSearch,
    IdKind,
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

WHITESPACE = " \u3000\t\r\n"
# Characters that end an unquoted term (besides whitespace).
TERM_STOPS = '"()'
PARSER_ESCAPES = {'\\"': '"', "\\:": ":", "\\(": "(", "\\)": ")", "\\-": "-"}
UNSUPPORTED_KEYS = {"re", "nc", "sc", "w", "dupe", "has-cd", "preset", "resched", "introduced"}
# Far beyond any hand-written search, well within Python's recursion limit and SQLite's
# expression depth (1000), either of which a bigger query would hit as an internal error.
MAX_SEARCH_TERMS = 300
MAX_GROUP_DEPTH = 50


class SearchError(ValidationError):
    """The query is not valid search syntax, or uses a part of it we do not support."""


def parse(query: str) -> Node:
    """The search ``query`` says, as a tree of nodes; ``SearchError`` if it is not valid."""
    return _Parser(query).parse()


class _Parser:
    """Recursive descent over the query text."""

    def __init__(self, query: str) -> None:
        self.s = query
        self.i = 0
        self.terms = 0
        self.depth = 0

    def fail(self, message: str) -> SearchError:
        return SearchError(f"invalid search {self.s!r}: {message}")

    # ---- structure

    def parse(self) -> Node:
        if not self.s.strip():
            return MatchAll()
        node, _ = self.group_inner()
        self.skip_ws()
        if self.i < len(self.s):
            raise self.fail("a ')' closes a group that was never opened")
        return node

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in WHITESPACE:
            self.i += 1

    def group_inner(self) -> tuple[Node, int]:
        """Nodes up to a ``)`` or the end, and how many there were (``and`` before ``or``)."""
        alternatives: list[list[Node]] = [[]]
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
                if keyword.lower() == "or":
                    alternatives.append([])
                expect_operand = True
                continue
            alternatives[-1].append(self.node())
            count += 1
            expect_operand = False
        if count and expect_operand:
            raise self.fail("'and'/'or' must stand between two search terms")
        ands: list[Node] = [
            terms[0] if len(terms) == 1 else And(tuple(terms)) for terms in alternatives
        ]
        return (ands[0] if len(ands) == 1 else Or(tuple(ands))), count

    def peek_keyword(self) -> str | None:
        for word in ("and", "or"):
            end = self.i + len(word)
            if self.s[self.i : end].lower() == word and (
                end == len(self.s) or self.s[end] in WHITESPACE + TERM_STOPS
            ):
                return self.s[self.i : end]
        return None

    def node(self) -> Node:
        self.terms += 1
        if self.terms > MAX_SEARCH_TERMS:
            raise self.fail(f"too many search terms (at most {MAX_SEARCH_TERMS})")
        ch = self.s[self.i]
        if ch == "-" and self.i + 1 < len(self.s) and self.s[self.i + 1] not in WHITESPACE + ")":
            self.i += 1
            return Not(self.group() if self.s[self.i] == "(" else self.text())
        if ch == "(":
            return self.group()
        return self.text()

    def group(self) -> Node:
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise self.fail(f"parentheses nested too deeply (at most {MAX_GROUP_DEPTH})")
        self.i += 1
        node, count = self.group_inner()
        self.depth -= 1
        if self.i >= len(self.s):
            raise self.fail("a '(' is never closed")
        if count == 0:
            raise self.fail("empty parentheses")
        self.i += 1
        return node

    # ---- terms

    def text(self) -> Node:
        if self.s[self.i] == '"':
            return self.term(self.quoted())
        partial = self.partially_quoted()
        if partial is not None:
            return self.keyed_term(*partial)
        return self.term(self.unquoted())

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

    def term(self, text: str) -> Node:
        colon = _unescaped_colon(text)
        if colon is None:
            return TextSearch(self.unescape(text))
        if colon == 0:
            raise self.fail(f"{text!r} has ':' but nothing before it")
        return self.keyed_term(text[:colon], text[colon + 1 :])

    def unescape(self, text: str) -> str:
        """The query syntax's escapes removed; the wildcard escapes (``\\*``, ``\\_``, ``\\\\``)
        kept for the matching."""
        bad = re.search(r'(?:^|[^\\])(?:\\\\)*(\\(?:[^\\":*_()\-]|$))', text)
        if bad:
            raise self.fail(f"unknown escape {bad.group(1)!r}")
        return re.sub(r'\\[\\":()\-]', lambda m: PARSER_ESCAPES.get(m.group(0), m.group(0)), text)

    def keyed_term(self, key: str, value: str) -> Node:
        lowered = key.lower()
        if lowered == "deck":
            return self.deck(value)
        if lowered == "note":
            return NotetypeSearch(self.unescape(value))
        if lowered == "tag":
            return self.tag(value)
        if lowered == "card":
            return self.template(value)
        if lowered == "flag":
            return self.flag(value)
        if lowered == "prop":
            return self.prop(value)
        if lowered == "added":
            return AddedSearch(max(self.number(value, "added:"), 1))
        if lowered == "edited":
            return EditedSearch(max(self.number(value, "edited:"), 1))
        if lowered == "rated":
            return self.rated(value)
        if lowered == "is":
            return self.state(value)
        if lowered in ("nid", "cid", "did"):
            kind: IdKind = "nid" if lowered == "nid" else "cid" if lowered == "cid" else "did"
            return IdSearch(kind, self.id_list(value, lowered))
        if lowered == "mid":
            return NotetypeIdSearch(self.number(value, "mid:", signed=True))
        if lowered in UNSUPPORTED_KEYS:
            raise self.fail(f"'{lowered}:' searches are not supported")
        return self.field(self.unescape(key), value)

    # ---- each kind of term

    def field(self, name: str, raw_value: str) -> Node:
        if raw_value.startswith(("re:", "nc:")):
            raise self.fail(f"'{raw_value[:3]}' field searches are not supported")
        return FieldSearch(name, self.unescape(raw_value))

    def deck(self, raw: str) -> Node:
        name = self.unescape(raw)
        if name == "current":
            raise self.fail("'deck:current' is not supported; name the deck")
        return DeckSearch(name)

    def tag(self, raw: str) -> Node:
        if raw.startswith("re:"):
            raise self.fail("'tag:re:' searches are not supported")
        return TagSearch(self.unescape(raw))

    def template(self, raw: str) -> Node:
        if raw.isascii() and raw.isdigit() and int(raw) < 2**16:
            return TemplateSearch(number=int(raw))
        return TemplateSearch(name=self.unescape(raw))

    def flag(self, raw: str) -> Node:
        if not (raw.isascii() and raw.isdigit()) or int(raw) > 7:
            raise self.fail(f"flag must be a number from 0 to 7, not {raw!r}")
        return FlagSearch(int(raw))

    def state(self, raw: str) -> Node:
        for state in CARD_STATES:
            if raw == state:
                return StateSearch(state)
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

    def rated(self, raw: str) -> Node:
        days_text, _, ease_text = raw.partition(":")
        days = max(self.number(days_text, "rated:"), 1)
        ease = self.answer_button(ease_text, raw) if ease_text else None
        return RatedSearch(">", -days, ease)

    def answer_button(self, text: str, context: str) -> int:
        if text not in {"1", "2", "3", "4"}:
            raise self.fail(f"the answer button in {context!r} must be 1 to 4")
        return int(text)

    def prop(self, raw: str) -> Node:
        m = re.fullmatch(r"(ivl|due|reps|lapses|ease|pos|rated)(<=|>=|!=|=|<|>)(.*)", raw)
        if m is None:
            known = re.match(r"(s|d|r|resched|cdn:|cds:)", raw)
            if known:
                raise self.fail(f"'prop:{known.group(1)}' is not supported")
            raise self.fail(
                f"'prop:{raw}' needs one of ivl, due, reps, lapses, ease, pos, rated, then an"
                " operator (= != < > <= >=) and a number"
            )
        prop, op_text, num = m.groups()
        op = _operator(op_text)
        if prop == "ease":
            if re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", num) is None or float(num) > 1e6:
                raise self.fail(f"prop:ease needs a number like 2.5, not {num!r}")
            return EaseSearch(op, float(num))
        if prop == "rated":
            days_text, _, ease_text = num.partition(":")
            days = self.number(days_text, "prop:rated", signed=True)
            if days > 0:
                raise self.fail("prop:rated needs 0 or a negative number of days")
            button = self.answer_button(ease_text, raw) if ease_text else None
            return RatedSearch(op, days, button)
        if prop == "due":
            return PropSearch("due", op, self.number(num, "prop:due", signed=True))
        if prop == "ivl":
            return PropSearch("ivl", op, self.number(num, "prop:ivl"))
        if prop == "reps":
            return PropSearch("reps", op, self.number(num, "prop:reps"))
        if prop == "lapses":
            return PropSearch("lapses", op, self.number(num, "prop:lapses"))
        return PropSearch("pos", op, self.number(num, "prop:pos"))

    def id_list(self, raw: str, key: str) -> tuple[int, ...]:
        if re.fullmatch(r"(\d+,)*\d+", raw) is None:
            raise self.fail(f"expected only digits and commas in {key}:")
        return tuple(sorted({int(x) for x in raw.split(",")}))


def _operator(text: str) -> Operator:
    for op in OPERATORS:
        if text == op:
            return op
    raise AssertionError(f"not an operator: {text}")  # pragma: no cover - the regex allows none


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
