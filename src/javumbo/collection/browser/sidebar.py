"""The browser's sidebar: every item a learner clicks to search (saved searches, decks, note
types and their card types, tags, flags, card states), each with the search it runs."""

from __future__ import annotations

import re
from typing import Any

from javumbo.collection import notetypes
from javumbo.collection.browser.saved_searches import saved_searches
from javumbo.collection.collection import Collection

FLAG_NAMES = ("Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple")
CARD_STATES = (
    ("New", "is:new"),
    ("Learning", "is:learn"),
    ("Review", "is:review"),
    ("Due", "is:due"),
    ("Suspended", "is:suspended"),
    ("Buried", "is:buried"),
)
_WILDCARDS = re.compile(r'([\\"*_])')


def search_term(key: str, value: str) -> str:
    """``key:value`` as one quoted search term matching ``value`` literally."""
    escaped = _WILDCARDS.sub(r"\\\1", value)
    return f'"{key}:{escaped}"'


def sidebar(col: Collection) -> dict[str, Any]:
    decks = sorted(col.decks.values(), key=lambda d: str(d["name"]).casefold())
    models = sorted(col.models.values(), key=lambda m: str(m["name"]).casefold())
    tags = sorted(col.tags, key=str.casefold)
    return {
        "saved_searches": [
            {"name": name, "search": search} for name, search in saved_searches(col).items()
        ],
        "decks": [
            {
                "id": int(d["id"]),
                "name": str(d["name"]),
                "filtered": bool(d.get("dyn")),
                "search": search_term("deck", str(d["name"])),
            }
            for d in decks
        ],
        "notetypes": [
            {
                "id": int(m["id"]),
                "name": str(m["name"]),
                "search": search_term("note", str(m["name"])),
                "card_types": [
                    {
                        "ord": int(t["ord"]),
                        "name": str(t["name"]),
                        "search": f"{search_term('note', str(m['name']))} card:{int(t['ord']) + 1}",
                    }
                    for t in notetypes.templates_of(m)
                ],
            }
            for m in models
        ],
        "tags": [{"name": tag, "search": search_term("tag", tag)} for tag in tags],
        "flags": [
            {"flag": k, "name": name, "search": f"flag:{k}"}
            for k, name in enumerate(FLAG_NAMES, start=1)
        ],
        "card_states": [{"name": name, "search": search} for name, search in CARD_STATES],
    }
