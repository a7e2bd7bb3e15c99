"""The stock note types Anki offers in "Add note type", made as Anki 26.9 makes them.

The shapes come from ``defaults/notetypes.json`` (dumped from a collection anki 26.9.3 created);
each new copy gets fresh random field and template ids and ``originalStockKind`` (Anki's
``StockNotetype.Kind`` + 1), as Anki's ``get_stock_notetype`` gives them.
"""

from __future__ import annotations

import secrets
from typing import Any

from javumbo.collection import schema
from javumbo.collection.errors import ValidationError

# Anki's StockNotetype.Kind names (KIND_BASIC...), lower-cased and without the prefix.
STOCK_KINDS = (
    "basic",
    "basic_and_reversed",
    "basic_optional_reversed",
    "basic_typing",
    "cloze",
)


def random_element_id() -> int:
    """A field or template id: a random signed 64-bit number, as Anki makes them."""
    return secrets.randbits(64) - 2**63


def stock_notetype(kind: str) -> dict[str, Any]:
    """A new note type of a stock kind, without ``id`` (0) or ``mod``."""
    if kind not in STOCK_KINDS:
        raise ValidationError(f"unknown stock note type {kind!r} (one of {', '.join(STOCK_KINDS)})")
    wanted = STOCK_KINDS.index(kind) + 1
    for nt in schema.stock_notetypes():
        if int(nt.get("originalStockKind", 0)) == wanted:
            for element in (*nt["flds"], *nt["tmpls"]):
                element["id"] = random_element_id()
            return nt
    raise ValidationError(f"stock note type {kind!r} is missing from the defaults")


def new_field(name: str) -> dict[str, Any]:
    """A field as Anki's ``new_field`` makes it (Arial 20, not sticky, rich text editor)."""
    return {
        "name": name,
        "ord": None,
        "sticky": False,
        "rtl": False,
        "font": "Arial",
        "size": 20,
        "description": "",
        "plainText": False,
        "collapsed": False,
        "excludeFromSearch": False,
        "id": random_element_id(),
        "tag": None,
        "preventDeletion": False,
    }


def new_template(name: str) -> dict[str, Any]:
    """A card template as Anki's ``new_template`` makes it (empty sides, no deck override)."""
    return {
        "name": name,
        "ord": None,
        "qfmt": "",
        "afmt": "",
        "bqfmt": "",
        "bafmt": "",
        "did": None,
        "bfont": "",
        "bsize": 0,
        "id": random_element_id(),
    }
