"""Wildcard matching: the same answers as Anki's regex translation, in linear time.

The reference below is how the names and tags were matched before (and how Anki's
``sqlwriter.rs`` matches them): ``*`` -> ``.*``, ``_`` -> ``.``, run by a backtracking regex.
On small inputs it is the oracle; on pathological ones it takes seconds (exponential in the
number of stars), where the linear matcher must answer at once.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from javumbo.collection.search.text_matching import (
    deck_matcher,
    glob_regex,
    name_matcher,
    tag_pattern,
    tags_match,
    to_sql_like,
)

NON_SPACE = r"\S"
# ~0.1 s alone; generous for a loaded 2-core machine, where a backtracking matcher on these
# patterns (hundreds of stars) would not finish at all.
FAST_SECONDS = 2.0


def _backtracking_regex(text: str, wildcard: str = ".") -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(wildcard + "*" if ch == "*" else wildcard if ch == "_" else re.escape(ch))
        i += 1
    return "".join(out)


def _reference_deck(pattern: str, name: str) -> bool:
    native = _backtracking_regex(pattern).replace("::", "\x1f")
    compiled = re.compile(f"^{native}($|\x1f)", re.IGNORECASE | re.DOTALL)
    return compiled.match(name.replace("::", "\x1f")) is not None


def _reference_name(pattern: str, name: str) -> bool:
    return re.fullmatch(_backtracking_regex(pattern), name, re.IGNORECASE | re.DOTALL) is not None


def _reference_tags(pattern: str, tags: str) -> bool:
    regex = ".* " + _backtracking_regex(pattern, NON_SPACE) + "(::| ).*"
    return re.match(regex, f" {tags} ", re.IGNORECASE | re.DOTALL) is not None


patterns = st.text(alphabet="aAbé:_*\\", min_size=1, max_size=8)
names = st.text(alphabet="aAbÉé: ", max_size=10)


@settings(max_examples=2000, deadline=None)
@given(patterns, names)
def test_deck_names_match_as_with_the_backtracking_regex(pattern: str, name: str) -> None:
    assert deck_matcher(pattern)(name) == _reference_deck(pattern, name)


@settings(max_examples=2000, deadline=None)
@given(patterns, names)
def test_whole_names_match_as_with_the_backtracking_regex(pattern: str, name: str) -> None:
    assert (glob_regex(pattern).match(name) is not None) == _reference_name(pattern, name)


@settings(max_examples=2000, deadline=None)
@given(patterns.filter(lambda p: " " not in p), names)
def test_tags_match_as_with_the_backtracking_regex(pattern: str, tags: str) -> None:
    assert tags_match(tag_pattern(pattern), tags) == _reference_tags(pattern, tags)


def test_case_folding_and_escapes() -> None:
    assert deck_matcher("geo")("Geo::Europe")
    assert not deck_matcher("geo")("Geography")
    assert deck_matcher("ÉCLAIR*")("éclairs")
    assert deck_matcher(r"a\*b")("a*b") and not deck_matcher(r"a\*b")("axb")
    assert deck_matcher(r"a\_b")("a_b") and not deck_matcher(r"a\_b")("axb")
    assert name_matcher("basic")("Basic") and not name_matcher("basic")("Basic-x")
    assert tags_match(tag_pattern("geo"), " geo::capitals europe ")
    assert not tags_match(tag_pattern("geo"), " geography ")
    assert tags_match(tag_pattern("l_ng"), " lang ")


PATHOLOGICAL = [
    ("a*" * 10 + "b", "a" * 40),
    ("a*" * 14 + "b", "a" * 40),
    ("a*" * 300 + "b", "a" * 2000),
    ("*a" * 300 + "*b", "a" * 2000),
    ("_*" * 300 + "b", "a" * 2000),
    ("*_" * 300 + "c", "ab" * 1000),
    ("a*a_*" * 200 + "b", "a" * 2000 + "::" + "a" * 2000),
]


@pytest.mark.parametrize(("pattern", "text"), PATHOLOGICAL)
def test_pathological_patterns_answer_at_once(pattern: str, text: str) -> None:
    start = time.monotonic()
    assert not deck_matcher(pattern)(text)
    assert not name_matcher(pattern)(text)
    assert not tags_match(tag_pattern(pattern), f"{text} {text}::{text}")
    assert time.monotonic() - start < FAST_SECONDS


@pytest.mark.parametrize(("pattern", "text"), PATHOLOGICAL)
def test_like_patterns_of_many_stars_answer_at_once(pattern: str, text: str) -> None:
    """Unqualified text and field searches go to SQLite's LIKE, which does not backtrack."""
    db = sqlite3.connect(":memory:")
    start = time.monotonic()
    like = f"%{to_sql_like(pattern)}%"
    assert db.execute("select ? like ? escape '\\'", (text, like)).fetchone() == (0,)
    assert time.monotonic() - start < FAST_SECONDS


def test_the_reference_is_the_slow_one() -> None:
    """Guards the timing tests above: the old translation takes long where ours does not
    (7 stars: ~0.2 s; each more star multiplies it by about four)."""
    pattern, name = "a*" * 7 + "b", "a" * 40
    start = time.monotonic()
    assert not _reference_deck(pattern, name)
    slow = time.monotonic() - start
    start = time.monotonic()
    assert not deck_matcher(pattern)(name)
    assert time.monotonic() - start < slow / 20
