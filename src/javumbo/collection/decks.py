"""Decks (a tree spelled with ``::`` in names) and deck option presets ("dconf").

Anki keeps no parent pointers: the tree lives only in the names, so creating "A::B::C" must
create "A" and "A::B", and renaming a deck renames every name below it. Names compare without
regard to case, as in Anki.
"""

from __future__ import annotations

import copy
import math
import sqlite3
from typing import Any

from javumbo.collection import schema
from javumbo.collection.cards import (
    GRAVE_DECK,
    chunks,
    delete_cards,
    move_cards,
    placeholders,
)
from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.errors import NotFoundError, ValidationError

DeckDict = dict[str, Any]
SEPARATOR = "::"
DEFAULT_DECK_ID = 1
DEFAULT_CONFIG_ID = 1
MAX_OPTION_NUMBER = 2**31 - 1


# ----------------------------------------------------------------- names


def normalize_deck_name(name: str) -> str:
    """Components trimmed; raises ``ValidationError`` for empty names or components."""
    if not isinstance(name, str):
        raise ValidationError("a deck name must be text")
    parts = [part.strip() for part in name.split(SEPARATOR)]
    if not any(parts):
        raise ValidationError("a deck name cannot be empty")
    if not all(parts):
        raise ValidationError(
            f"deck name {name!r} has an empty part; write nested decks as 'Parent::Child'"
        )
    for part in parts:
        if any(ord(ch) < 32 for ch in part):
            raise ValidationError(f"deck name {name!r} contains a control character")
    return SEPARATOR.join(parts)


def _parent_names(name: str) -> list[str]:
    parts = name.split(SEPARATOR)
    return [SEPARATOR.join(parts[:i]) for i in range(1, len(parts))]


def _is_same_or_below(name: str, ancestor: str) -> bool:
    lowered, top = name.lower(), ancestor.lower()
    return lowered == top or lowered.startswith(top + SEPARATOR)


# ----------------------------------------------------------------- reading


def all_decks(col: Collection) -> list[DeckDict]:
    return sorted(col.decks.values(), key=lambda d: str(d["name"]).lower())


def get_deck(col: Collection, did: int) -> DeckDict:
    deck = col.decks.get(str(did))
    if deck is None:
        raise NotFoundError(f"no deck with id {did}")
    value: DeckDict = deck
    return value


def deck_by_name(col: Collection, name: str) -> DeckDict | None:
    try:
        wanted = normalize_deck_name(name).lower()
    except ValidationError:
        return None
    for deck in col.decks.values():
        if str(deck["name"]).lower() == wanted:
            found: DeckDict = deck
            return found
    return None


def child_deck_ids(col: Collection, did: int) -> list[int]:
    """``did`` followed by the ids of all decks below it."""
    name = str(get_deck(col, did)["name"])
    below = [
        int(d["id"])
        for d in all_decks(col)
        if int(d["id"]) != did and _is_same_or_below(str(d["name"]), name)
    ]
    return [did, *below]


def deck_tree(col: Collection) -> list[dict[str, Any]]:
    """Top-level decks, each ``{id, name, basename, dyn, collapsed, conf, children}``."""
    roots: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    for deck in all_decks(col):
        name = str(deck["name"])
        node: dict[str, Any] = {
            "id": int(deck["id"]),
            "name": name,
            "basename": name.rsplit(SEPARATOR, 1)[-1],
            "dyn": bool(deck.get("dyn")),
            "collapsed": bool(deck.get("collapsed")),
            "conf": deck.get("conf"),
            "children": [],
        }
        by_name[name.lower()] = node
        parent_name = name.rsplit(SEPARATOR, 1)[0].lower() if SEPARATOR in name else None
        parent = by_name.get(parent_name) if parent_name else None
        (parent["children"] if parent else roots).append(node)
    return roots


# ----------------------------------------------------------------- writing


def add_deck(col: Collection, name: str) -> int:
    """Create a deck (and any missing parents); returns its id."""
    clean = normalize_deck_name(name)
    if deck_by_name(col, clean) is not None:
        raise ValidationError(f"a deck named {clean!r} already exists")
    with col.transaction():
        decks = dict(col.decks)
        did = _create_missing(col, decks, [*_parent_names(clean), clean])[clean.lower()]
        col.save_json("decks", decks)
    return did


def rename_deck(col: Collection, did: int, name: str) -> None:
    """Rename a deck; decks below it move along, missing new parents are created."""
    deck = get_deck(col, did)
    old = str(deck["name"])
    new = normalize_deck_name(name)
    if new == old:
        return
    clash = deck_by_name(col, new)
    if clash is not None and int(clash["id"]) != did:
        raise ValidationError(f"a deck named {new!r} already exists")
    if _is_same_or_below(new, old) and new.lower() != old.lower():
        raise ValidationError(f"deck {old!r} cannot be moved inside itself")
    with col.transaction():
        decks = {k: dict(v) for k, v in col.decks.items()}
        now = col.now_secs()
        for entry in decks.values():
            current = str(entry["name"])
            if _is_same_or_below(current, old):
                entry["name"] = new + current[len(old) :]
                entry["mod"] = now
                entry["usn"] = -1
        _check_parents_not_filtered(decks, new)
        _create_missing(col, decks, _parent_names(new))
        col.save_json("decks", decks)


def delete_deck(col: Collection, did: int, *, move_cards_to: int | None = None) -> None:
    """Delete a deck and the decks below it. Their cards are deleted (with their notes when no
    card is left) unless ``move_cards_to`` names a deck to receive them. Cards borrowed by a
    filtered deck go back to their home deck."""
    if did == DEFAULT_DECK_ID:
        raise ValidationError(
            "the Default deck (id 1) cannot be deleted; Anki needs it. Rename it instead"
        )
    doomed = child_deck_ids(col, did)
    if DEFAULT_DECK_ID in doomed:
        raise ValidationError(
            f"deck {get_deck(col, did)['name']!r} contains the Default deck (id 1), which "
            "cannot be deleted; move it out first"
        )
    if move_cards_to is not None:
        target = get_deck(col, move_cards_to)
        if move_cards_to in doomed:
            raise ValidationError("cards cannot be moved into a deck that is being deleted")
        if target.get("dyn"):
            raise ValidationError("cards cannot be moved into a filtered deck")
    with col.transaction() as db:
        for deck_id in doomed:
            if col.decks[str(deck_id)].get("dyn"):
                _empty_filtered_deck(col, deck_id)
        cids = _cards_in_decks(db, doomed)
        if cids and move_cards_to is not None:
            _return_borrowed_cards(col, cids)
            move_cards(col, cids, move_cards_to)
        elif cids:
            delete_cards(col, cids)
        db.executemany("insert into graves values (-1, ?, ?)", [(d, GRAVE_DECK) for d in doomed])
        decks = {k: v for k, v in col.decks.items() if int(k) not in doomed}
        col.save_json("decks", decks)
        _repoint_current_deck(col, doomed)


def _create_missing(col: Collection, decks: dict[str, Any], names: list[str]) -> dict[str, int]:
    """Create each name in ``decks`` (in place) unless present; ids by lowercased name."""
    ids: dict[str, int] = {}
    existing = {str(d["name"]).lower(): d for d in decks.values()}
    for name in names:
        found = existing.get(name.lower())
        if found is not None:
            if found.get("dyn"):
                raise ValidationError(f"filtered deck {found['name']!r} cannot contain decks")
            ids[name.lower()] = int(found["id"])
            continue
        deck = _new_deck_dict(col, decks, name)
        decks[str(deck["id"])] = deck
        existing[name.lower()] = deck
        ids[name.lower()] = int(deck["id"])
    return ids


def _new_deck_dict(col: Collection, decks: dict[str, Any], name: str) -> DeckDict:
    did = col.now_ms()
    while str(did) in decks:
        did += 1
    deck = schema.default_deck()
    deck.update(
        {
            "id": did,
            "name": name,
            "mod": col.now_secs(),
            "usn": -1,
            "collapsed": False,
            "browserCollapsed": False,
            "conf": DEFAULT_CONFIG_ID,
        }
    )
    return deck


def _check_parents_not_filtered(decks: dict[str, Any], name: str) -> None:
    by_name = {str(d["name"]).lower(): d for d in decks.values()}
    for parent in _parent_names(name):
        found = by_name.get(parent.lower())
        if found is not None and found.get("dyn"):
            raise ValidationError(f"filtered deck {found['name']!r} cannot contain decks")


def _cards_in_decks(db: sqlite3.Connection, dids: list[int]) -> list[int]:
    cids: list[int] = []
    for batch in chunks(dids):
        marks = placeholders(batch)
        cids.extend(
            r[0]
            for r in db.execute(
                f"select id from cards where did in ({marks}) or odid in ({marks})",
                (*batch, *batch),
            )
        )
    return cids


def _empty_filtered_deck(col: Collection, did: int) -> None:
    from javumbo.collection.filtered_decks import empty

    empty(col, did)


def _return_borrowed_cards(col: Collection, cids: list[int]) -> None:
    from javumbo.collection.filtered_decks import return_cards_home

    return_cards_home(col, cids)


def _repoint_current_deck(col: Collection, removed: list[int]) -> None:
    conf = dict(col.conf)
    changed = False
    if conf.get("curDeck") in removed:
        conf["curDeck"] = DEFAULT_DECK_ID
        changed = True
    active = conf.get("activeDecks")
    if isinstance(active, list) and any(d in removed for d in active):
        conf["activeDecks"] = [d for d in active if d not in removed] or [DEFAULT_DECK_ID]
        changed = True
    if changed:
        col.save_json("conf", conf)


# ----------------------------------------------------------------- option presets


def get_deck_config(col: Collection, conf_id: int) -> dict[str, Any]:
    found = col.dconf.get(str(conf_id))
    if found is None:
        raise NotFoundError(f"no deck options preset with id {conf_id}")
    value: dict[str, Any] = found
    return value


def config_for_deck(col: Collection, did: int) -> dict[str, Any]:
    """The preset a deck uses; preset 1 when its own is missing (Anki falls back the same way)."""
    deck = get_deck(col, did)
    if deck.get("dyn"):
        raise ValidationError(f"{deck['name']!r} is a filtered deck and has no options preset")
    value: dict[str, Any] = col.dconf[str(deck_preset_id(col, deck))]
    return value


def add_deck_config(col: Collection, name: str) -> int:
    """A new preset with Anki's default options."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("a deck options preset needs a name")
    with col.transaction():
        dconf = dict(col.dconf)
        conf_id = col.now_ms()
        while str(conf_id) in dconf:
            conf_id += 1
        preset = schema.default_deck_config()
        preset.update({"id": conf_id, "name": name.strip(), "mod": col.now_secs(), "usn": -1})
        dconf[str(conf_id)] = preset
        col.save_json("dconf", dconf)
    return conf_id


def update_deck_config(col: Collection, conf_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into a preset (``new``/``rev``/``lapse`` merged key by key). Keys must
    already exist in the preset and keep their JSON type, so a typo cannot slip through."""
    current = get_deck_config(col, conf_id)
    if not isinstance(changes, dict):
        raise ValidationError("deck option changes must be an object")
    updated = copy.deepcopy(current)
    _merge_options(updated, changes, path="")
    _check_option_ranges(updated)
    updated["id"] = current["id"]
    updated["mod"] = col.now_secs()
    updated["usn"] = -1
    with col.transaction():
        dconf = dict(col.dconf)
        dconf[str(conf_id)] = updated
        col.save_json("dconf", dconf)
    return updated


def set_deck_config(col: Collection, did: int, conf_id: int) -> None:
    deck = get_deck(col, did)
    if deck.get("dyn"):
        raise ValidationError(f"{deck['name']!r} is a filtered deck and has no options preset")
    get_deck_config(col, conf_id)
    with col.transaction():
        decks = dict(col.decks)
        decks[str(did)] = {**deck, "conf": conf_id, "mod": col.now_secs(), "usn": -1}
        col.save_json("decks", decks)


def _merge_options(target: dict[str, Any], changes: dict[str, Any], path: str) -> None:
    for key, value in changes.items():
        where = f"{path}{key}"
        if key in ("id", "mod", "usn"):
            raise ValidationError(f"deck option {where!r} cannot be changed")
        if key not in target:
            raise ValidationError(f"unknown deck option {where!r}")
        old = target[key]
        if isinstance(old, dict):
            if not isinstance(value, dict):
                raise ValidationError(f"deck option {where!r} must be an object")
            _merge_options(old, value, path=f"{where}.")
        elif not _same_json_type(old, value):
            raise ValidationError(
                f"deck option {where!r} must be {_json_type(old)}, not {_json_type(value)}"
            )
        elif isinstance(old, list):
            target[key] = _checked_list(old, value, where)
        else:
            target[key] = _checked_number(old, value, where) if _is_number(old) else value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "an object"


def _same_json_type(old: Any, new: Any) -> bool:
    return old is None or _json_type(old) == _json_type(new)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _checked_number(old: Any, value: Any, where: str) -> int | float:
    """Anki reads presets into 32-bit integers and floats: a fraction where it expects a whole
    number, NaN or a huge value would make the exported collection unreadable there."""
    if isinstance(value, float) and math.isnan(value):
        raise ValidationError(f"deck option {where!r} is not a number")
    if abs(value) > MAX_OPTION_NUMBER:
        raise ValidationError(f"deck option {where!r} is too large")
    if isinstance(old, int):
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(f"deck option {where!r} must be a whole number")
        return int(value)
    number: int | float = value
    return number


def _checked_list(old: list[Any], value: list[Any], where: str) -> list[Any]:
    if all(_is_number(item) for item in old):
        if not all(_is_number(item) for item in value):
            raise ValidationError(f"deck option {where!r} must be a list of numbers")
        prototype = old[0] if old else 0.0
        return [_checked_number(prototype, item, where) for item in value]
    return value


def _check_option_ranges(preset: dict[str, Any]) -> None:
    if not str(preset.get("name", "")).strip():
        raise ValidationError("a deck options preset needs a name")
    for section, key in (("new", "perDay"), ("rev", "perDay")):
        value = preset.get(section, {}).get(key)
        if isinstance(value, int | float) and value < 0:
            raise ValidationError(f"deck option '{section}.{key}' cannot be negative")
    for section in ("new", "lapse"):
        delays = preset.get(section, {}).get("delays", [])
        if not isinstance(delays, list) or any(
            isinstance(d, bool) or not isinstance(d, int | float) or d <= 0 for d in delays
        ):
            raise ValidationError(f"deck option '{section}.delays' must be positive minutes")
    ease = preset.get("new", {}).get("initialFactor")
    if isinstance(ease, int | float) and ease < 1300:
        raise ValidationError("deck option 'new.initialFactor' cannot be below 1300 (130%)")
    max_ivl = preset.get("rev", {}).get("maxIvl")
    if isinstance(max_ivl, int | float) and max_ivl < 1:
        raise ValidationError("deck option 'rev.maxIvl' must be at least 1 day")
    retention = preset.get("desiredRetention")
    if isinstance(retention, int | float) and not 0 < retention < 1:
        raise ValidationError("deck option 'desiredRetention' must be between 0 and 1")
