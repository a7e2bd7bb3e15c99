"""Note types as a whole: add one of a stock kind or a copy of another, delete (with
its notes and cards), and how many notes each one has.

Adding and deleting a note type change the collection's schema (``scm``), as in Anki: its own
client can then only sync with a one-way full sync.
"""

from __future__ import annotations

import copy

from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.notes import delete_notes
from javumbo.collection.notetype_stock import stock_notetype
from javumbo.collection.notetype_templates import requirements
from javumbo.collection.notetype_update import clean_notetype_name
from javumbo.collection.notetypes import NotetypeDict, get_notetype


def note_counts(col: Collection) -> dict[int, int]:
    """Notes per note type id (types without notes are absent)."""
    rows = col.db.execute("select mid, count() from notes group by mid").fetchall()
    return {int(mid): int(n) for mid, n in rows}


def card_counts_by_template(col: Collection, mid: int) -> dict[int, int]:
    rows = col.db.execute(
        "select c.ord, count() from cards c join notes n on n.id = c.nid where n.mid = ? "
        "group by c.ord",
        (mid,),
    ).fetchall()
    return {int(o): int(n) for o, n in rows}


def _insert(col: Collection, nt: NotetypeDict) -> int:
    mid = col.now_ms()
    while str(mid) in col.models:
        mid += 1
    nt["id"] = mid
    nt["mod"] = col.now_secs()
    nt["usn"] = -1
    for index, element in enumerate(nt["flds"]):
        element["ord"] = index
    for index, element in enumerate(nt["tmpls"]):
        element["ord"] = index
    nt["req"] = requirements(nt)
    with col.transaction():
        models = dict(col.models)
        models[str(mid)] = nt
        col.save_json("models", models, schema_change=True)
    return mid


def add_stock_notetype(col: Collection, kind: str, name: str | None = None) -> int:
    """Add a new note type of a stock kind (``notetype_stock.STOCK_KINDS``); returns its id."""
    nt = stock_notetype(kind)
    nt["name"] = clean_notetype_name(col, name if name is not None else nt["name"])
    return _insert(col, nt)


def clone_notetype(col: Collection, mid: int, name: str | None = None) -> int:
    """A copy of a note type (fields, templates, styling; not its notes), as Anki's
    "Add: Clone" makes it: same field and template ids, named ``"<name> copy"`` by default."""
    source = get_notetype(col, mid)
    nt = copy.deepcopy(source)
    nt["name"] = clean_notetype_name(col, name if name is not None else f"{source['name']} copy")
    nt["originalId"] = None
    return _insert(col, nt)


def delete_notetype(col: Collection, mid: int) -> int:
    """Delete a note type with all its notes and their cards; returns how many notes went.
    The last note type cannot go (Anki asks for another one first)."""
    get_notetype(col, mid)
    if len(col.models) < 2:
        raise ValidationError("the last note type cannot be deleted: add another one first")
    nids = [r[0] for r in col.db.execute("select id from notes where mid = ?", (mid,))]
    with col.transaction():
        if nids:
            delete_notes(col, nids)
        models = {k: v for k, v in col.models.items() if k != str(mid)}
        col.save_json("models", models, schema_change=True)
        conf = {k: v for k, v in col.conf.items() if not k.startswith(f"_nt_{mid}_")}
        if conf.get("curModel") == mid or str(conf.get("curModel")) == str(mid):
            first = min(models.values(), key=lambda nt: str(nt.get("name", "")).lower())
            conf["curModel"] = int(first["id"])
        col.save_json("conf", conf)
    return len(nids)
