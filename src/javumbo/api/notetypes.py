"""Note types: list, add (a stock kind or a copy), read, save whole, delete; Change Note Type.

``PUT /api/notetypes/<id>`` takes the type as ``GET`` gives it. Fields and templates carry the
``ord`` they had when read (``null`` for a new one): that is how a rename is told from a
delete-and-add, and why a field added at the end keeps every note's values. Answers say
``full_sync_required`` when the change is one Anki's own client can only take by a one-way full
sync (fields or templates added, removed or moved, a note type added or deleted, notes moved to
another type).
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import ID_PATH, id_field
from javumbo.collection import Collection, NotFoundError, ValidationError
from javumbo.collection import notetypes as notetype_ops
from javumbo.collection.cards import Card
from javumbo.collection.notetype_change import change_notetype
from javumbo.collection.notetype_lifecycle import (
    add_stock_notetype,
    card_counts_by_template,
    clone_notetype,
    delete_notetype,
    note_counts,
)
from javumbo.collection.notetype_stock import STOCK_KINDS
from javumbo.collection.notetype_update import update_notetype
from javumbo.collection.templates import render_note_card

MAX_ELEMENTS = 100
MAX_NAME = 500
MAX_TEMPLATE_CHARS = 100_000
MAX_NOTE_IDS = 50_000

bp = APIBlueprint("notetypes", __name__, tag="Note types", url_prefix="/api")


class NotetypeSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)
    field_list = List(String(), required=True, data_key="fields")
    templates = List(String(), required=True)
    is_cloze = Boolean(required=True)
    note_count = Integer(required=True)


class NotetypeListSchema(Schema):
    notetypes = List(Nested(NotetypeSchema), required=True)


def _ord_field() -> Integer:
    return Integer(
        allow_none=True,
        load_default=None,
        validate=[Range(min=0, max=MAX_ELEMENTS)],
        metadata={"description": "its index when read; null for a new one"},
    )


class FieldSchema(Schema):
    ord = _ord_field()
    name = String(required=True, validate=[Length(min=1, max=MAX_NAME)])
    font = String(validate=[Length(max=200)])
    size = Integer(validate=[Range(min=1, max=500)])
    rtl = Boolean()
    sticky = Boolean()
    html_editor = Boolean(metadata={"description": "Anki's 'use HTML editor by default'"})
    collapsed = Boolean(metadata={"description": "Anki's 'collapse by default'"})
    description = String(validate=[Length(max=10_000)])
    exclude_from_search = Boolean()


class TemplateSchema(Schema):
    ord = _ord_field()
    name = String(required=True, validate=[Length(min=1, max=MAX_NAME)])
    front = String(required=True, validate=[Length(max=MAX_TEMPLATE_CHARS)])
    back = String(required=True, validate=[Length(max=MAX_TEMPLATE_CHARS)])
    browser_front = String(validate=[Length(max=MAX_TEMPLATE_CHARS)])
    browser_back = String(validate=[Length(max=MAX_TEMPLATE_CHARS)])
    card_count = Integer(metadata={"description": "read only"})


class FieldOutSchema(FieldSchema):
    ord = Integer(required=True)
    font = String(required=True)
    size = Integer(required=True)
    rtl = Boolean(required=True)
    sticky = Boolean(required=True)
    html_editor = Boolean(required=True)
    collapsed = Boolean(required=True)
    description = String(required=True)
    exclude_from_search = Boolean(required=True)


class TemplateOutSchema(TemplateSchema):
    ord = Integer(required=True)
    browser_front = String(required=True)
    browser_back = String(required=True)
    card_count = Integer(required=True)


class NotetypeDetailSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)
    is_cloze = Boolean(required=True)
    sort_field = Integer(required=True)
    css = String(required=True)
    note_count = Integer(required=True)
    field_list = List(Nested(FieldOutSchema), required=True, data_key="fields")
    templates = List(Nested(TemplateOutSchema), required=True)


class NotetypeSavedSchema(NotetypeDetailSchema):
    full_sync_required = Boolean(required=True)


class NotetypeUpdateSchema(Schema):
    id = Integer(metadata={"description": "read only"})
    is_cloze = Boolean(metadata={"description": "read only"})
    note_count = Integer(metadata={"description": "read only"})
    full_sync_required = Boolean(metadata={"description": "read only"})
    name = String(required=True, validate=[Length(min=1, max=MAX_NAME)])
    sort_field = Integer(load_default=0, validate=[Range(min=0, max=MAX_ELEMENTS)])
    css = String(load_default="", validate=[Length(max=MAX_TEMPLATE_CHARS)])
    field_list = List(
        Nested(FieldSchema),
        required=True,
        data_key="fields",
        validate=[Length(min=1, max=MAX_ELEMENTS)],
    )
    templates = List(
        Nested(TemplateSchema), required=True, validate=[Length(min=1, max=MAX_ELEMENTS)]
    )


class NotetypeCreateSchema(Schema):
    name = String(validate=[Length(min=1, max=MAX_NAME)])
    kind = String(validate=[OneOf(STOCK_KINDS)], metadata={"description": "a stock note type"})
    clone_of = id_field(metadata={"description": "copy this note type"})


class NotetypeCreatedSchema(Schema):
    id = Integer(required=True)
    full_sync_required = Boolean(required=True)


class NotetypeDeletedSchema(Schema):
    deleted = Integer(required=True)
    notes_deleted = Integer(required=True)
    full_sync_required = Boolean(required=True)


class ChangeNotetypeSchema(Schema):
    note_ids = List(id_field(), required=True, validate=[Length(min=1, max=MAX_NOTE_IDS)])
    notetype_id = id_field(required=True)
    field_list = List(
        Integer(allow_none=True, validate=[Range(min=0, max=MAX_ELEMENTS)]),
        data_key="fields",
        validate=[Length(max=MAX_ELEMENTS)],
        metadata={"description": "per new field: the old field index it takes, or null"},
    )
    templates = List(
        Integer(allow_none=True, validate=[Range(min=0, max=MAX_ELEMENTS)]),
        validate=[Length(max=MAX_ELEMENTS)],
        metadata={"description": "per new template: the old template ord, or null"},
    )


class TemplatePreviewSchema(Schema):
    front = String(required=True, validate=[Length(max=MAX_TEMPLATE_CHARS)])
    back = String(required=True, validate=[Length(max=MAX_TEMPLATE_CHARS)])
    css = String(load_default="", validate=[Length(max=MAX_TEMPLATE_CHARS)])
    note_id = id_field(metadata={"description": "the note to show; default: one of the type's"})


class TemplatePreviewedSchema(Schema):
    question = String(required=True)
    answer = String(required=True)
    css = String(required=True)
    note_id = Integer(required=True, allow_none=True, metadata={"description": "null: sample"})


class NotetypeChangedSchema(Schema):
    notes = Integer(required=True)
    cards_removed = Integer(required=True)
    cards_added = Integer(required=True)
    full_sync_required = Boolean(required=True)


# ----------------------------------------------------------------- views of a type


def notetype_view(nt: dict[str, Any], note_count: int) -> dict[str, Any]:
    return {
        "id": int(nt["id"]),
        "name": str(nt["name"]),
        "field_list": notetype_ops.field_names(nt),
        "templates": [str(t["name"]) for t in notetype_ops.templates_of(nt)],
        "is_cloze": notetype_ops.is_cloze(nt),
        "note_count": note_count,
    }


def notetype_detail(col: Collection, mid: int) -> dict[str, Any]:
    nt = notetype_ops.get_notetype(col, mid)
    cards = card_counts_by_template(col, mid)
    fields = [
        {
            "ord": int(f["ord"]),
            "name": str(f["name"]),
            "font": str(f.get("font", "Arial")),
            "size": int(f.get("size", 20)),
            "rtl": bool(f.get("rtl", False)),
            "sticky": bool(f.get("sticky", False)),
            "html_editor": bool(f.get("plainText", False)),
            "collapsed": bool(f.get("collapsed", False)),
            "description": str(f.get("description", "")),
            "exclude_from_search": bool(f.get("excludeFromSearch", False)),
        }
        for f in sorted(nt["flds"], key=lambda f: int(f["ord"]))
    ]
    templates = [
        {
            "ord": int(t["ord"]),
            "name": str(t["name"]),
            "front": str(t.get("qfmt", "")),
            "back": str(t.get("afmt", "")),
            "browser_front": str(t.get("bqfmt", "")),
            "browser_back": str(t.get("bafmt", "")),
            "card_count": cards.get(int(t["ord"]), 0),
        }
        for t in notetype_ops.templates_of(nt)
    ]
    return {
        "id": mid,
        "name": str(nt["name"]),
        "is_cloze": notetype_ops.is_cloze(nt),
        "sort_field": notetype_ops.sort_field_index(nt),
        "css": str(nt.get("css", "")),
        "note_count": note_counts(col).get(mid, 0),
        "field_list": fields,
        "templates": templates,
    }


_FIELD_KEYS = {
    "name": "name",
    "font": "font",
    "size": "size",
    "rtl": "rtl",
    "sticky": "sticky",
    "html_editor": "plainText",
    "collapsed": "collapsed",
    "description": "description",
    "exclude_from_search": "excludeFromSearch",
}
_TEMPLATE_KEYS = {
    "name": "name",
    "front": "qfmt",
    "back": "afmt",
    "browser_front": "bqfmt",
    "browser_back": "bafmt",
}


def _changed_notetype(nt: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The stored type with the body's values (schema-11 keys), elements keeping their ord."""
    changed = dict(nt)
    changed.update(name=body["name"], sortf=body["sort_field"], css=body["css"])
    changed["flds"] = [
        {"ord": f["ord"], **{ours: f[key] for key, ours in _FIELD_KEYS.items() if key in f}}
        for f in body["field_list"]
    ]
    changed["tmpls"] = [
        {"ord": t["ord"], **{ours: t[key] for key, ours in _TEMPLATE_KEYS.items() if key in t}}
        for t in body["templates"]
    ]
    return changed


# ----------------------------------------------------------------- routes


@bp.get("/notetypes")
@bp.output(NotetypeListSchema)
@user_collection
def list_notetypes(handle: CollectionHandle) -> dict[str, Any]:
    """Note types with their field and template names and how many notes each has."""
    with handle.read() as col:
        counts = note_counts(col)
        return {
            "notetypes": [
                notetype_view(nt, counts.get(int(nt["id"]), 0))
                for nt in notetype_ops.all_notetypes(col)
            ]
        }


@bp.post("/notetypes")
@bp.input(NotetypeCreateSchema, arg_name="body")
@bp.output(NotetypeCreatedSchema, status_code=201)
@user_collection
def create_notetype(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Add a note type: a stock ``kind`` or a copy of ``clone_of``."""
    if ("kind" in body) == ("clone_of" in body):
        raise ValidationError("give either kind (a stock note type) or clone_of, not both")

    def add(col: Collection) -> dict[str, Any]:
        if "kind" in body:
            mid = add_stock_notetype(col, body["kind"], body.get("name"))
        else:
            mid = clone_notetype(col, body["clone_of"], body.get("name"))
        return {"id": mid, "full_sync_required": True}

    return handle.write(add)


@bp.get(f"/notetypes/<{ID_PATH}:notetype_id>")
@bp.output(NotetypeDetailSchema)
@user_collection
def get_notetype(handle: CollectionHandle, notetype_id: int) -> dict[str, Any]:
    """One note type: fields, card templates, styling, sort field, note count."""
    with handle.read() as col:
        return notetype_detail(col, notetype_id)


@bp.put(f"/notetypes/<{ID_PATH}:notetype_id>")
@bp.input(NotetypeUpdateSchema, arg_name="body")
@bp.output(NotetypeSavedSchema)
@user_collection
def put_notetype(
    handle: CollectionHandle, notetype_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Save the whole type; notes and cards follow (see the module docstring)."""

    def save(col: Collection) -> dict[str, Any]:
        nt = notetype_ops.get_notetype(col, notetype_id)
        saved = update_notetype(col, _changed_notetype(nt, body))
        return {**notetype_detail(col, notetype_id), "full_sync_required": saved.schema_changed}

    return handle.write(save)


@bp.delete(f"/notetypes/<{ID_PATH}:notetype_id>")
@bp.output(NotetypeDeletedSchema)
@user_collection
def remove_notetype(handle: CollectionHandle, notetype_id: int) -> dict[str, Any]:
    """Delete a note type with all its notes and cards."""

    def delete(col: Collection) -> dict[str, Any]:
        gone = delete_notetype(col, notetype_id)
        return {"deleted": notetype_id, "notes_deleted": gone, "full_sync_required": True}

    return handle.write(delete)


@bp.post("/notes/change-notetype")
@bp.input(ChangeNotetypeSchema, arg_name="body")
@bp.output(NotetypeChangedSchema)
@user_collection
def change_notes_notetype(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's Change Note Type: notes of one type to another, fields and templates mapped
    (Anki's name-based maps when left out)."""

    def change(col: Collection) -> dict[str, Any]:
        done = change_notetype(
            col,
            body["note_ids"],
            body["notetype_id"],
            body.get("field_list"),
            body.get("templates"),
        )
        return {
            "notes": done.notes,
            "cards_removed": done.cards_removed,
            "cards_added": done.cards_added,
            "full_sync_required": True,
        }

    return handle.write(change)


@bp.post(f"/notetypes/<{ID_PATH}:notetype_id>/preview")
@bp.input(TemplatePreviewSchema, arg_name="body")
@bp.output(TemplatePreviewedSchema)
@user_collection
def preview_template(
    handle: CollectionHandle, notetype_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """An unsaved card template rendered as review renders it, on a real note of the type (or
    on the field names, when it has none): the template editor's live preview."""
    with handle.read() as col:
        nt = dict(notetype_ops.get_notetype(col, notetype_id))
        query = "select id, flds, tags from notes where mid = ?"
        args: tuple[int, ...] = (notetype_id,)
        if "note_id" in body:
            query, args = query + " and id = ?", (notetype_id, body["note_id"])
        row = col.db.execute(query + " order by id limit 1", args).fetchone()
        if row is None and "note_id" in body:
            raise NotFoundError(f"no note {body['note_id']} of this note type")
        names = notetype_ops.field_names(nt)
        nid, flds, tags = row if row else (0, "\x1f".join(f"({n})" for n in names), "")
        first = col.db.execute(
            "select ord, did from cards where nid = ? order by ord limit 1", (nid,)
        ).fetchone()
        ord_ = int(first[0]) if first and notetype_ops.is_cloze(nt) else 0
        nt["tmpls"] = [{"name": "Preview", "ord": 0, "qfmt": body["front"], "afmt": body["back"]}]
        nt["css"] = body["css"]
        card = Card(
            0, nid, int(first[1]) if first else 1, ord_, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""
        )
        rendered = render_note_card(col, nt, str(flds), str(tags), card)
        return {
            "question": rendered.question,
            "answer": rendered.answer,
            "css": rendered.css,
            "note_id": int(nid) if row else None,
        }
