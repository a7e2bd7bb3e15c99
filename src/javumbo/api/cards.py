"""Cards: browse with Anki's search syntax, add a simple front/back card (a Basic note), and
act on selections (suspend, unsuspend, move, flag, tag)."""

from __future__ import annotations

import json
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import Response

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import id_field, id_list_field, query_id_field
from javumbo.api.notes import MAX_FIELD_CHARS, tags_field
from javumbo.collection import Collection, NotFoundError, card_actions
from javumbo.collection import cards as card_ops
from javumbo.collection import notes as note_ops
from javumbo.collection import notetypes as notetype_ops
from javumbo.collection.browser.tagging import tag_notes
from javumbo.collection.search import search_cards_page
from javumbo.collection.undo import undoable

BASIC_NOTETYPE = "Basic"
MAX_QUERY_CHARS = 2000
MAX_PAGE = 1_000_000
QUEUE_SUSPENDED = -1

bp = APIBlueprint("cards", __name__, tag="Cards", url_prefix="/api/cards")


class CardQuerySchema(Schema):
    q = String(load_default="", validate=[Length(max=MAX_QUERY_CHARS)])
    deck_id = query_id_field()
    page = Integer(load_default=1, validate=[Range(min=1, max=MAX_PAGE)])
    page_size = Integer(load_default=50, validate=[Range(min=1, max=500)])
    order = String(load_default="due", validate=[Length(max=20)])


class CardRowSchema(Schema):
    card_id = Integer(required=True)
    note_id = Integer(required=True)
    deck_id = Integer(required=True)
    deck_name = String(required=True)
    notetype = String(required=True)
    sort_field = String(required=True, metadata={"description": "the note's sort field, as text"})
    ord = Integer(required=True)
    type = Integer(required=True)
    queue = Integer(required=True)
    due = Integer(required=True)
    ivl = Integer(required=True, metadata={"description": "interval: days (review cards)"})
    factor = Integer(required=True, metadata={"description": "ease, permille"})
    reps = Integer(required=True)
    lapses = Integer(required=True)
    flags = Integer(required=True)
    suspended = Boolean(required=True)
    tags = List(String(), required=True)


class CardPageSchema(Schema):
    cards = List(Nested(CardRowSchema), required=True)
    total = Integer(required=True)
    page = Integer(required=True)
    page_size = Integer(required=True)


class SimpleCardSchema(Schema):
    deck_id = id_field(required=True)
    front = String(required=True, validate=[Length(min=1, max=MAX_FIELD_CHARS)])
    back = String(load_default="", validate=[Length(max=MAX_FIELD_CHARS)])
    tags = tags_field(load_default=list)


class CardCreatedSchema(Schema):
    id = Integer(required=True, metadata={"description": "the new card's id"})
    card_id = Integer(required=True)
    note_id = Integer(required=True)
    card_ids = List(Integer(), required=True)


class CardIdsSchema(Schema):
    card_ids = id_list_field(required=True)


class SuspendSchema(Schema):
    card_ids = id_list_field(required=True)
    scope = String(
        load_default="cards",
        validate=[OneOf(["cards", "notes"])],
        metadata={"description": "cards: these cards; notes: every card of their notes"},
    )


class MoveSchema(Schema):
    card_ids = id_list_field(required=True)
    deck_id = id_field(required=True)


class FlagSchema(Schema):
    card_ids = id_list_field(required=True)
    flag = Integer(required=True, strict=True, validate=[Range(min=0, max=7)])


class TagSchema(Schema):
    card_ids = id_list_field(required=True)
    add = tags_field(load_default=list)
    remove = tags_field(load_default=list)


class UpdatedSchema(Schema):
    card_ids = List(Integer(), required=True)
    updated = Integer(required=True)


def _row_view(row: dict[str, Any]) -> dict[str, Any]:
    """A browse row under the API's names (Anki's card columns: ``ivl``, ``sort_field``...)."""
    return {
        "card_id": row["card_id"],
        "note_id": row["note_id"],
        "deck_id": row["deck_id"],
        "deck_name": row["deck_name"],
        "notetype": row["notetype"],
        "sort_field": row["sort_field"],
        "ord": row["ord"],
        "type": row["type"],
        "queue": row["queue"],
        "due": row["due"],
        "ivl": row["ivl"],
        "factor": row["factor"],
        "reps": row["reps"],
        "lapses": row["lapses"],
        "flags": row["flags"],
        "suspended": row["queue"] == QUEUE_SUSPENDED,
        "tags": row["tags"],
    }


@bp.get("")
@bp.input(CardQuerySchema, location="query", arg_name="query")
@bp.output(CardPageSchema)
@user_collection
def list_cards(handle: CollectionHandle, query: dict[str, Any]) -> Response:
    """One page of cards matching an Anki search (``q``), optionally within a deck."""
    with handle.read() as col:
        page = search_cards_page(
            col,
            query["q"],
            deck_id=query.get("deck_id"),
            page=query["page"],
            page_size=query["page_size"],
            order=query["order"],
        )
    # Answered as built (the rows already have CardRowSchema's fields and types), compact and
    # in the rows' own key order: dumping a page through the schema cost more than the search.
    body = {
        "cards": [_row_view(row) for row in page["rows"]],
        "total": page["total"],
        "page": page["page"],
        "page_size": page["page_size"],
    }
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


@bp.post("")
@bp.input(SimpleCardSchema, arg_name="body")
@bp.output(CardCreatedSchema, status_code=201)
@user_collection
def create_card(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Add a Basic note (front/back) in ``deck_id``: the quick way to add a card."""

    def add(col: Collection) -> dict[str, Any]:
        basic = notetype_ops.notetype_by_name(col, BASIC_NOTETYPE)
        if basic is None:
            raise NotFoundError("this collection has no 'Basic' note type; use /api/notes")
        note = note_ops.add_note(
            col, int(basic["id"]), [body["front"], body["back"]], body["deck_id"], body["tags"]
        )
        card_ids = [c.id for c in card_ops.cards_of_note(col, note.id)]
        return {"id": card_ids[0], "card_id": card_ids[0], "note_id": note.id, "card_ids": card_ids}

    return handle.write(add)


def _updated(card_ids: list[int]) -> dict[str, Any]:
    unique = list(dict.fromkeys(card_ids))
    return {"card_ids": unique, "updated": len(unique)}


@bp.post("/suspend")
@bp.input(SuspendSchema, arg_name="body")
@bp.output(UpdatedSchema)
@user_collection
def suspend(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Suspend cards, or every card of their notes (all must exist, else nothing changes and
    404); one undoable step."""

    def run(col: Collection) -> dict[str, Any]:
        ids = list(dict.fromkeys(body["card_ids"]))
        # the one card named (the reviewer's), shown again on undo though siblings changed too
        acted_on = ids[0] if len(ids) == 1 else None
        if body["scope"] == "notes":
            nids = card_actions.note_ids_of(card_actions.cards_by_id(col, ids))
            ids = card_actions.cards_of_notes(col, nids)
        label = "Suspend Note" if body["scope"] == "notes" else "Suspend Card"
        card_actions.suspend_cards(col, ids, label=label, card_id=acted_on)
        return _updated(ids)

    return handle.write(run)


@bp.post("/unsuspend")
@bp.input(CardIdsSchema, arg_name="body")
@bp.output(UpdatedSchema)
@user_collection
def unsuspend(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Put suspended (or buried) cards back in their queue."""

    def run(col: Collection) -> dict[str, Any]:
        card_ops.unsuspend_cards(col, body["card_ids"])
        return _updated(body["card_ids"])

    return handle.write(run)


@bp.post("/move")
@bp.input(MoveSchema, arg_name="body")
@bp.output(UpdatedSchema)
@user_collection
def move(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Move cards to another deck (one undoable step, "Change Deck")."""

    def run(col: Collection) -> dict[str, Any]:
        with undoable(col, "Change Deck", card_ids=body["card_ids"]):
            card_ops.move_cards(col, body["card_ids"], body["deck_id"])
        return _updated(body["card_ids"])

    return handle.write(run)


@bp.post("/flag")
@bp.input(FlagSchema, arg_name="body")
@bp.output(UpdatedSchema)
@user_collection
def flag(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Set a flag (0 = none, 1–7 = Anki's colours) on cards."""

    def run(col: Collection) -> dict[str, Any]:
        with undoable(col, "Flag Card", card_ids=body["card_ids"]):
            card_ops.set_flag(col, body["card_ids"], body["flag"])
        return _updated(body["card_ids"])

    return handle.write(run)


@bp.post("/tag")
@bp.input(TagSchema, arg_name="body")
@bp.output(UpdatedSchema)
@user_collection
def tag(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Add and/or remove tags on the notes of the given cards; one undo step (Anki's label)."""

    def run(col: Collection) -> dict[str, Any]:
        nids = [card_ops.get_card(col, cid).nid for cid in body["card_ids"]]
        tag_notes(col, nids, body["add"], body["remove"])
        return _updated(body["card_ids"])

    return handle.write(run)
