"""Note types ("models" in schema 11): the stock ones made by ``Collection.create`` and any
custom ones that arrive with imported decks, which are kept exactly as they came."""

from __future__ import annotations

import copy
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.errors import NotFoundError, ValidationError

NotetypeDict = dict[str, Any]

NORMAL = 0
CLOZE = 1


def all_notetypes(col: Collection) -> list[NotetypeDict]:
    return sorted(col.models.values(), key=lambda nt: str(nt.get("name", "")).lower())


def get_notetype(col: Collection, mid: int) -> NotetypeDict:
    nt = col.models.get(str(mid))
    if nt is None:
        raise NotFoundError(f"no note type with id {mid}")
    value: NotetypeDict = nt
    return value


def notetype_by_name(col: Collection, name: str) -> NotetypeDict | None:
    for nt in col.models.values():
        if nt.get("name") == name:
            found: NotetypeDict = nt
            return found
    return None


def field_names(nt: NotetypeDict) -> list[str]:
    return [str(f["name"]) for f in sorted(nt["flds"], key=lambda f: int(f["ord"]))]


def templates_of(nt: NotetypeDict) -> list[dict[str, Any]]:
    return sorted(nt["tmpls"], key=lambda t: int(t["ord"]))


def is_cloze(nt: NotetypeDict) -> bool:
    return int(nt.get("type", NORMAL)) == CLOZE


def sort_field_index(nt: NotetypeDict) -> int:
    """The field shown in the browser's sort column; clamped because imported files may
    carry an out-of-range ``sortf``."""
    index = int(nt.get("sortf", 0))
    return index if 0 <= index < len(nt["flds"]) else 0


def add_notetype(col: Collection, nt: NotetypeDict) -> int:
    """Add a note type (e.g. a custom one from an imported deck) and return its id.

    The dict is kept as given apart from ``id``/``mod``/``usn``: its id is kept when free, so
    notes that reference it keep working; otherwise a new ms id is assigned.
    """
    _check_notetype_shape(nt)
    name = str(nt["name"]).strip()
    if notetype_by_name(col, name) is not None:
        raise ValidationError(f"a note type named {name!r} already exists")
    with col.transaction():
        new = copy.deepcopy(nt)
        requested = new.get("id")
        if isinstance(requested, int) and requested > 0 and str(requested) not in col.models:
            mid = requested
        else:
            mid = _free_notetype_id(col)
        new["id"] = mid
        new["name"] = name
        new["mod"] = col.now_secs()
        new["usn"] = -1
        models = dict(col.models)
        models[str(mid)] = new
        col.save_json("models", models)
    return mid


def _free_notetype_id(col: Collection) -> int:
    mid = col.now_ms()
    while str(mid) in col.models:
        mid += 1
    return mid


def _check_notetype_shape(nt: NotetypeDict) -> None:
    if not isinstance(nt.get("name"), str) or not nt["name"].strip():
        raise ValidationError("a note type needs a non-empty name")
    flds = nt.get("flds")
    tmpls = nt.get("tmpls")
    if not isinstance(flds, list) or not flds:
        raise ValidationError(f"note type {nt['name']!r} has no fields")
    if not isinstance(tmpls, list) or not tmpls:
        raise ValidationError(f"note type {nt['name']!r} has no card templates")
    names = [f.get("name") if isinstance(f, dict) else None for f in flds]
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise ValidationError(f"note type {nt['name']!r} has a field without a name")
    if len(set(names)) != len(names):
        raise ValidationError(f"note type {nt['name']!r} has two fields with the same name")
    for tmpl in tmpls:
        if not isinstance(tmpl, dict) or not isinstance(tmpl.get("qfmt"), str):
            raise ValidationError(f"note type {nt['name']!r} has a template without a front")
    for ords in ([f.get("ord") for f in flds], [t.get("ord") for t in tmpls]):
        if sorted(o for o in ords if isinstance(o, int)) != list(range(len(ords))):
            raise ValidationError(f"note type {nt['name']!r} has fields or templates out of order")
