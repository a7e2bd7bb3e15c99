"""The Add screen's questions about a note not saved yet: where it goes by default
(``GET /api/notes/defaults``), which notes it would duplicate (``POST /api/notes/duplicates``)
and the cards it would make (``POST /api/notes/preview``), rendered as review renders them."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, Nested, String

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import id_field
from javumbo.api.notes import fields_field, tags_field
from javumbo.collection import Collection, ValidationError
from javumbo.collection import cards as card_ops
from javumbo.collection import notetypes as notetype_ops
from javumbo.collection.adding import adding_defaults, duplicate_note_ids
from javumbo.collection.notes import FIELD_SEPARATOR, join_tags
from javumbo.collection.templates import render_note_card

bp = APIBlueprint("note_drafts", __name__, tag="Notes", url_prefix="/api/notes")


class AddingDefaultsSchema(Schema):
    deck_id = Integer(required=True, metadata={"description": "the current deck (else Default)"})
    notetype_id = Integer(
        required=True, allow_none=True, metadata={"description": "the last type added with"}
    )


class DuplicateQuerySchema(Schema):
    notetype_id = id_field(required=True)
    field_list = fields_field(required=True, data_key="fields")
    note_id = id_field(metadata={"description": "the note being edited (not its own duplicate)"})


class DuplicatesSchema(Schema):
    note_ids = List(Integer(), required=True)


class PreviewQuerySchema(Schema):
    notetype_id = id_field(required=True)
    field_list = fields_field(required=True, data_key="fields")
    deck_id = id_field(load_default=1)
    tags = tags_field(load_default=list)


class PreviewCardSchema(Schema):
    ord = Integer(required=True)
    name = String(required=True, metadata={"description": "template name (cloze: Cloze N)"})
    question = String(required=True)
    answer = String(required=True)
    css = String(required=True)


class PreviewSchema(Schema):
    cards = List(Nested(PreviewCardSchema), required=True)


@bp.get("/defaults")
@bp.output(AddingDefaultsSchema)
@user_collection
def get_adding_defaults(handle: CollectionHandle) -> dict[str, Any]:
    """The deck and note type the Add screen starts on (Anki's current deck and type)."""
    with handle.read() as col:
        found = adding_defaults(col)
        return {"deck_id": found.deck_id, "notetype_id": found.notetype_id}


@bp.post("/duplicates")
@bp.input(DuplicateQuerySchema, arg_name="body")
@bp.output(DuplicatesSchema)
@user_collection
def find_duplicates(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Notes of the same type whose first field, HTML stripped, is this note's (Anki's
    duplicate warning)."""
    with handle.read() as col:
        ids = duplicate_note_ids(
            col, body["notetype_id"], body["field_list"][0], excluding=body.get("note_id")
        )
        return {"note_ids": ids}


def _preview_cards(col: Collection, body: dict[str, Any]) -> list[dict[str, Any]]:
    nt = notetype_ops.get_notetype(col, body["notetype_id"])
    names = notetype_ops.field_names(nt)
    values: list[str] = list(body["field_list"])
    if len(values) > len(names):
        raise ValidationError(f"note type {nt['name']!r} has {len(names)} fields")
    values += [""] * (len(names) - len(values))
    cloze = notetype_ops.is_cloze(nt)
    templates = notetype_ops.templates_of(nt)
    flds = FIELD_SEPARATOR.join(values)
    tags = join_tags(body["tags"])
    cards = []
    for ord_ in sorted(card_ops.wanted_ords(nt, values)):
        card = card_ops.Card(
            0, 0, body["deck_id"], ord_, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""
        )
        rendered = render_note_card(col, nt, flds, tags, card)
        template = next((t for t in templates if int(t["ord"]) == ord_), {})
        name = f"Cloze {ord_ + 1}" if cloze else str(template.get("name", ""))
        cards.append(
            {
                "ord": ord_,
                "name": name,
                "question": rendered.question,
                "answer": rendered.answer,
                "css": rendered.css,
            }
        )
    return cards


@bp.post("/preview")
@bp.input(PreviewQuerySchema, arg_name="body")
@bp.output(PreviewSchema)
@user_collection
def preview_note(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """The cards these fields would make, rendered exactly as review renders them (question
    and answer HTML with the note type's CSS); nothing is saved."""
    with handle.read() as col:
        return {"cards": _preview_cards(col, body)}
