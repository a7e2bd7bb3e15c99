"""Anki's search syntax: the same query finds the same cards here as in Anki.

* :mod:`.parser`: text to :mod:`.nodes` (no collection needed);
* :mod:`.sql_writer`: nodes to a parameterized where-clause over ``cards c join notes n``;
* :mod:`.text_matching`: wildcards, NFC and case folding, matched in linear time;
* :mod:`.time_budget`: SQLite stops a search that runs too long;
* :mod:`.queries`: what callers run (``find_cards``, ``find_notes``, ``search_cards_page``).

Supported: free text (``*`` and ``_`` wildcards, ``\\`` escapes), ``"quoted phrases"``,
``field:value``, ``deck:`` (children included, wildcards, ``*``, ``filtered``), ``tag:``
(hierarchical, wildcards, ``none``), ``is:new|due|review|learn|suspended|buried|buried-manually|
buried-sibling``, ``note:``, ``card:`` (name or number), ``rated:N[:ease]``, ``prop:`` (ivl, due,
reps, lapses, ease, pos, rated), ``flag:N``, ``nid:``/``cid:``/``did:``/``mid:``, ``added:N``,
``edited:N``, ``-`` negation, ``and``/``or`` (``and`` binds tighter), parentheses.
Anything else raises ``SearchError``.
"""

from javumbo.collection.search.parser import SearchError, parse
from javumbo.collection.search.queries import (
    ORDERS,
    compile_search,
    find_cards,
    find_notes,
    search_cards_page,
)
from javumbo.collection.search.time_budget import SearchTooExpensiveError

__all__ = [
    "ORDERS",
    "SearchError",
    "SearchTooExpensiveError",
    "compile_search",
    "find_cards",
    "find_notes",
    "parse",
    "search_cards_page",
]
