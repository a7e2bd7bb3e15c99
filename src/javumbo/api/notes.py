"""Notes: add, read, edit and delete notes (note types are in api/notetypes.py)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, Integer, List, String
from apiflask.validators import Length

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.decks import DeletedSchema
from javumbo.api.ids import ID_PATH, id_field
from javumbo.collection import Collection, ValidationError
from javumbo.collection import cards as card_ops
from javumbo.collection import notes as note_ops
from javumbo.collection import notetypes as notetype_ops
from javumbo.collection.adding import set_current_deck
from javumbo.collection.undo import undoable

MAX_FIELDS = 100
MAX_FIELD_CHARS = 100_000
MAX_TAGS = 200
MAX_TAG_CHARS = 200

bp = APIBlueprint("notes", __name__, tag="Notes", url_prefix="/api")


def fields_field(**kwargs: Any) -> List[Any]:
    return List(
        String(validate=[Length(max=MAX_FIELD_CHARS)]),
        validate=[Length(min=1, max=MAX_FIELDS)],
        **kwargs,
    )


def tags_field(**kwargs: Any) -> List[Any]:
    return List(
        String(validate=[Length(min=1, max=MAX_TAG_CHARS)]),
        validate=[Length(max=MAX_TAGS)],
        **kwargs,
    )


class NoteCreateSchema(Schema):
    notetype_id = id_field(required=True)
    deck_id = id_field(required=True)
    field_list = fields_field(
        data_key="fields", metadata={"description": "values in the note type's field order"}
    )
    fields_by_name = Dict(
        keys=String(validate=[Length(min=1, max=200)]),
        values=String(validate=[Length(max=MAX_FIELD_CHARS)]),
        metadata={"description": "values by field name (instead of ``fields``)"},
    )
    tags = tags_field(load_default=list)


class NoteUpdateSchema(Schema):
    field_list = fields_field(data_key="fields")
    fields_by_name = Dict(
        keys=String(validate=[Length(min=1, max=200)]),
        values=String(validate=[Length(max=MAX_FIELD_CHARS)]),
    )
    tags = tags_field()


class NoteSchema(Schema):
    id = Integer(required=True)
    guid = String(required=True)
    notetype_id = Integer(required=True)
    notetype = String(required=True)
    deck_id = Integer(required=True)
    field_names = List(String(), required=True)
    field_list = List(String(), required=True, data_key="fields")
    tags = List(String(), required=True)
    card_ids = List(Integer(), required=True)
    mod = Integer(required=True)


class NoteCreatedSchema(Schema):
    id = Integer(required=True)
    note_id = Integer(required=True)
    card_ids = List(Integer(), required=True)


def note_view(col: Collection, nid: int) -> dict[str, Any]:
    note = note_ops.get_note(col, nid)
    nt = notetype_ops.get_notetype(col, note.mid)
    cards = card_ops.cards_of_note(col, nid)
    home = [c.odid or c.did for c in sorted(cards, key=lambda c: c.ord)]
    return {
        "id": note.id,
        "guid": note.guid,
        "notetype_id": note.mid,
        "notetype": str(nt["name"]),
        "deck_id": home[0] if home else 1,
        "field_names": notetype_ops.field_names(nt),
        "field_list": note.fields,
        "tags": note.tags,
        "card_ids": [c.id for c in cards],
        "mod": note.mod,
    }


def fields_from(body: dict[str, Any]) -> list[str] | dict[str, str] | None:
    if "field_list" in body and "fields_by_name" in body:
        raise ValidationError("give either fields or fields_by_name, not both")
    if "fields_by_name" in body:
        by_name: dict[str, str] = body["fields_by_name"]
        return by_name
    values: list[str] | None = body.get("field_list")
    return values


@bp.post("/notes")
@bp.input(NoteCreateSchema, arg_name="body")
@bp.output(NoteCreatedSchema, status_code=201)
@user_collection
def create_note(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Add a note of any note type; its cards are generated in ``deck_id``, which becomes the
    current deck (the Add screen's next default, as in Anki)."""
    fields = fields_from(body)
    if fields is None:
        raise ValidationError("a note needs fields (or fields_by_name)")

    def add(col: Collection) -> dict[str, Any]:
        note = note_ops.add_note(
            col, body["notetype_id"], fields, body["deck_id"], tags=body["tags"]
        )
        card_ids = [c.id for c in card_ops.cards_of_note(col, note.id)]
        set_current_deck(col, body["deck_id"], notetype_id=body["notetype_id"])
        return {"id": note.id, "note_id": note.id, "card_ids": card_ids}

    return handle.write(add)


@bp.get(f"/notes/<{ID_PATH}:note_id>")
@bp.output(NoteSchema)
@user_collection
def get_note(handle: CollectionHandle, note_id: int) -> dict[str, Any]:
    """One note with its fields, tags and cards."""
    with handle.read() as col:
        return note_view(col, note_id)


@bp.put(f"/notes/<{ID_PATH}:note_id>")
@bp.input(NoteUpdateSchema, arg_name="body")
@bp.output(NoteSchema)
@user_collection
def update_note(handle: CollectionHandle, note_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change fields and/or tags; new cloze numbers get new cards."""
    fields = fields_from(body)

    def update(col: Collection) -> dict[str, Any]:
        # One undo step, as Anki's "Update Note" (an edit while reviewing is undone with Z).
        before = _card_ids_of_note(col, note_id)
        with undoable(col, "Update Note", note_ids=[note_id], card_ids=before) as step:
            note_ops.update_note(col, note_id, fields=fields, tags=body.get("tags"))
            step.cards_added(set(_card_ids_of_note(col, note_id)) - set(before))
        return note_view(col, note_id)

    return handle.write(update)


def _card_ids_of_note(col: Collection, note_id: int) -> list[int]:
    return [int(r[0]) for r in col.db.execute("select id from cards where nid = ?", (note_id,))]


@bp.delete(f"/notes/<{ID_PATH}:note_id>")
@bp.output(DeletedSchema)
@user_collection
def delete_note(handle: CollectionHandle, note_id: int) -> dict[str, Any]:
    """Delete a note and its cards."""

    def delete(col: Collection) -> dict[str, Any]:
        note_ops.get_note(col, note_id)
        note_ops.delete_notes(col, [note_id])
        return {"deleted": note_id}

    return handle.write(delete)
