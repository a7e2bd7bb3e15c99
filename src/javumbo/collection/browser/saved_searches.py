"""Saved searches: Anki's collection config ``savedFilters`` (name -> search text), the same
key Anki's browser sidebar reads, so they travel with the collection through sync and export."""

from __future__ import annotations

from javumbo.collection.collection import Collection
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.search.parser import parse

SAVED_SEARCHES_KEY = "savedFilters"
MAX_SAVED_SEARCHES = 500


def saved_searches(col: Collection) -> dict[str, str]:
    """Name -> search, sorted by name as the sidebar lists them."""
    stored = col.conf.get(SAVED_SEARCHES_KEY)
    if not isinstance(stored, dict):
        return {}
    pairs = ((str(k), str(v)) for k, v in stored.items() if isinstance(v, str))
    return dict(sorted(pairs, key=lambda kv: kv[0].casefold()))


def save_search(col: Collection, name: str, search: str) -> None:
    """Add (or replace) a saved search; the search must parse."""
    name = name.strip()
    if not name:
        raise ValidationError("a saved search needs a name")
    parse(search)
    current = saved_searches(col)
    if name not in current and len(current) >= MAX_SAVED_SEARCHES:
        raise ValidationError(f"at most {MAX_SAVED_SEARCHES} saved searches")
    conf = dict(col.conf)
    conf[SAVED_SEARCHES_KEY] = {**current, name: search}
    col.save_json("conf", conf)


def delete_saved_search(col: Collection, name: str) -> None:
    current = saved_searches(col)
    if name not in current:
        raise NotFoundError(f"no saved search named {name!r}")
    del current[name]
    conf = dict(col.conf)
    conf[SAVED_SEARCHES_KEY] = current
    col.save_json("conf", conf)
