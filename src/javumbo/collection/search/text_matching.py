r"""Anki's text conventions in a search, matched in time linear in the text.

In a search, ``*`` stands for any run of characters and ``_`` for one character; ``\`` escapes
them (``\*``, ``\_``, ``\\``). Text is compared in Unicode NFC, case-insensitively.

A pattern with several ``*`` must never be matched by plain backtracking: ``a*a*a*a*b`` against
``aaaa...a`` tries every way to share the ``a`` among the stars, exponential in their number,
and a regex does this holding the interpreter lock. Two matchers here cannot do that:

* SQL ``LIKE`` patterns (:func:`to_sql_like`): SQLite gives up on a ``%`` as soon as the rest of
  the pattern has failed at every later position, so it never retries earlier stars;
* :func:`glob_regex`, for names matched in Python (decks, note types, templates, fields) and for
  tags: the literal runs between stars are placed one after the other at their leftmost possible
  position, each inside an atomic group that is never re-entered. For glob patterns the leftmost
  placement is always a right one, so the answer is the same as the backtracking regex's.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

ANY_CHARACTER = "."
NON_SPACE = r"\S"
END = r"\Z"
DECK_SEPARATOR = "::"
NATIVE_DECK_SEPARATOR = "\x1f"
TAG_SEPARATOR = "::"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def to_sql_like(text: str) -> str:
    r"""Anki wildcards to a SQL LIKE pattern (used with ``escape '\'``)."""
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


def is_glob(text: str) -> bool:
    """Whether ``text`` has an unescaped ``*`` or ``_``."""
    return re.search(r"(^|[^\\])(\\\\)*[*_]", text) is not None


def to_text(text: str) -> str:
    """``text`` with Anki's wildcard escapes removed: what a non-glob pattern means literally."""
    return re.sub(r"\\([\\*_])", r"\1", text)


@dataclass(frozen=True)
class _Star:
    """``*``: any run of characters."""


@dataclass(frozen=True)
class _One:
    """``_``: one character."""


_Token = str | _Star | _One


def _tokens(pattern: str, *, native_separator: str | None) -> list[_Token]:
    """The pattern's characters, stars and single-character wildcards; ``\\x`` is a literal x.

    With ``native_separator``, each literal ``::`` becomes that character (deck names are
    matched in their native form, whose levels are split by ``\\x1f``).
    """
    out: list[_Token] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        token: _Token
        if ch == "\\" and i + 1 < len(pattern):
            token = pattern[i + 1]
            i += 1
        elif ch == "*":
            token = _Star()
        elif ch == "_":
            token = _One()
        else:
            token = ch
        i += 1
        if isinstance(token, _Star) and out and isinstance(out[-1], _Star):
            continue
        if native_separator is not None and token == ":" and out and out[-1] == ":":
            out[-1] = native_separator
        else:
            out.append(token)
    return out


@functools.lru_cache(maxsize=256)
def glob_regex(
    pattern: str, *, wildcard: str = ANY_CHARACTER, end: str = END, native_decks: bool = False
) -> re.Pattern[str]:
    """A regex for ``re.match`` that says whether ``pattern`` matches the start of a text up to
    ``end`` (a regex: ``\\Z`` for the whole text), case-insensitively, in linear time.

    ``wildcard`` is what ``*`` repeats and ``_`` stands for (``.`` or ``\\S``). The first literal
    run is anchored at the start; each run after a star sits in ``(?>w*?run)``: the leftmost
    place it fits, fixed once found; the last run is tried at each place left, ``end`` after it.
    """
    tokens = _tokens(pattern, native_separator=NATIVE_DECK_SEPARATOR if native_decks else None)
    runs: list[list[str | _One]] = [[]]
    for token in tokens:
        if isinstance(token, _Star):
            runs.append([])
        else:
            runs[-1].append(token)

    def run_regex(run: list[str | _One]) -> str:
        return "".join(wildcard if isinstance(t, _One) else re.escape(t) for t in run)

    if len(runs) == 1:
        source = f"{run_regex(runs[0])}(?:{end})"
    else:
        middle = "".join(f"(?>{wildcard}*?{run_regex(run)})" for run in runs[1:-1])
        source = f"{run_regex(runs[0])}{middle}{wildcard}*{run_regex(runs[-1])}(?:{end})"
    return re.compile(source, re.IGNORECASE | re.DOTALL)


def name_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on names (of note types, templates, fields): case-insensitive equality, or a
    match of the whole name when ``pattern`` has wildcards."""
    if is_glob(pattern):
        compiled = glob_regex(pattern)
        return lambda name: compiled.match(name) is not None
    wanted = to_text(pattern).casefold()
    return lambda name: name.casefold() == wanted


def deck_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on deck names: the pattern matches the deck or one of its parents."""
    compiled = glob_regex(pattern, end=rf"{END}|{NATIVE_DECK_SEPARATOR}", native_decks=True)
    return lambda name: (
        compiled.match(name.replace(DECK_SEPARATOR, NATIVE_DECK_SEPARATOR)) is not None
    )


def tag_pattern(tag: str) -> str:
    """The regex (a SQL parameter) that :func:`tags_match` applies to each of a note's tags:
    the tag itself or one of its parents (``geo`` matches ``geo::capitals``)."""
    return glob_regex(tag, wildcard=NON_SPACE, end=rf"{TAG_SEPARATOR}|{END}").pattern


def tags_match(pattern: str, tags: str | None) -> bool:
    """Whether ``pattern`` (from :func:`tag_pattern`) matches one of the space-separated tags."""
    compiled = _compiled_tag_pattern(pattern)
    return any(compiled.match(tag) for tag in f" {tags or ''} ".split(" ")[1:-1])


@functools.lru_cache(maxsize=256)
def _compiled_tag_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)
