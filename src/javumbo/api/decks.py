"""Decks: the deck list as a tree with due counts, and one deck with its preset and limits."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import ErrorCode, api_error
from javumbo.api.ids import ID_PATH, id_field, query_id_field
from javumbo.collection import Collection, ValidationError
from javumbo.collection import decks as deck_ops
from javumbo.collection import presets as preset_ops
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.scheduler.fsrs_reschedule import (
    FSRS_RESCHEDULE_DESCRIPTION,
    follow_options_change,
    fsrs_snapshot,
)

bp = APIBlueprint("decks", __name__, tag="Decks", url_prefix="/api/decks")


class DeckNodeSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)
    basename = String(required=True)
    dyn = Boolean(required=True)
    collapsed = Boolean(required=True)
    new = Integer(required=True)
    learning = Integer(required=True)
    review = Integer(required=True)
    children = List(
        Nested(lambda: DeckNodeSchema()),
        required=True,
        metadata={"description": "subdecks, as nodes of the same shape"},
    )


class DeckListSchema(Schema):
    decks = List(Nested(DeckNodeSchema), required=True)
    hide_default = Boolean(
        metadata={
            "description": "the Default deck (id 1) has no cards nor subdecks and other decks "
            "exist: Anki's deck list leaves it out (deck pickers still offer it); always sent"
        },
    )


class DeckNameSchema(Schema):
    name = String(required=True, validate=[Length(min=1, max=500)])


class DeckCreatedSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)


class CountsSchema(Schema):
    new = Integer(required=True)
    learning = Integer(required=True)
    review = Integer(required=True)


def _limit_field(description: str) -> Integer:
    return Integer(
        strict=True,
        allow_none=True,
        validate=[Range(min=0, max=preset_ops.MAX_LIMIT)],
        metadata={"description": description},
    )


class DeckLimitsSchema(Schema):
    """A deck's own daily limits (Anki's "this deck" and "today only" tabs); null: the
    preset's limit applies."""

    new = _limit_field("new cards a day for this deck, whatever its preset says")
    review = _limit_field("reviews a day for this deck, whatever its preset says")
    new_today = _limit_field("new cards for today only")
    review_today = _limit_field("reviews for today only")
    desired_retention = Float(
        allow_none=True,
        allow_nan=False,
        validate=[Range(min=0.7, max=0.99)],
        metadata={
            "description": "FSRS desired retention for this deck, whatever its preset says"
            " (Anki keeps it as a whole percentage); null: the preset's"
        },
    )


class DeckLimitsViewSchema(DeckLimitsSchema):
    new_today_active = Boolean(required=True, metadata={"description": "new_today is today's"})
    review_today_active = Boolean(
        required=True, metadata={"description": "review_today is today's"}
    )


class CollectionOptionsSchema(Schema):
    new_cards_ignore_review_limit = Boolean(
        required=True,
        metadata={"description": "new cards do not use up the review limit (Anki's option)"},
    )
    apply_all_parent_limits = Boolean(
        required=True,
        metadata={"description": "a subdeck studied alone is also held to its parents' limits"},
    )
    load_balancer = Boolean(
        required=True,
        metadata={"description": "review intervals spread the workload (and honour easy days)"},
    )


class DeckSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)
    basename = String(required=True)
    dyn = Boolean(required=True)
    collapsed = Boolean(required=True)
    counts = Nested(CountsSchema, required=True)
    preset_id = Integer(
        allow_none=True,
        required=True,
        metadata={"description": "the deck's options preset (null for a filtered deck)"},
    )
    limits = Nested(
        DeckLimitsViewSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the deck's own limits (null for a filtered deck)"},
    )
    fsrs = Boolean(required=True, metadata={"description": "FSRS on (collection-wide)"})
    collection_options = Nested(CollectionOptionsSchema, required=True)


class DeckUpdateSchema(Schema):
    name = String(validate=[Length(min=1, max=500)])
    preset_id = id_field(metadata={"description": "switch the deck to this preset"})
    apply_to_children = Boolean(
        metadata={"description": "with preset_id: give every deck below this one the preset too"}
    )
    limits = Nested(
        DeckLimitsSchema,
        metadata={"description": "the deck's own limits; only the keys given change"},
    )
    fsrs = Boolean(metadata={"description": "turn FSRS on or off for the collection"})
    fsrs_reschedule = Boolean(metadata={"description": FSRS_RESCHEDULE_DESCRIPTION})
    collapsed = Boolean()
    collection_options = Nested(
        CollectionOptionsSchema(partial=True),
        metadata={"description": "collection-wide switches; only the keys given change"},
    )


class DeckDeleteQuerySchema(Schema):
    move_cards_to = query_id_field(
        metadata={"description": "keep the cards by moving them to this deck"}
    )


class DeletedSchema(Schema):
    deleted = Integer(required=True)


def _tree_with_collapsed(col: Collection, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        deck = col.decks.get(str(node["id"]), {})
        out.append(
            {
                **node,
                "collapsed": bool(deck.get("collapsed")),
                "children": _tree_with_collapsed(col, node["children"]),
            }
        )
    return out


def _hides_default(col: Collection, roots: list[dict[str, Any]]) -> bool:
    """Anki's deck list hides the Default deck while it holds no cards and has no subdecks,
    unless it is the only deck."""
    default = next((r for r in roots if r["id"] == deck_ops.DEFAULT_DECK_ID), None)
    if default is None or default["children"] or len(roots) == 1:
        return False
    found = col.db.execute("select 1 from cards where did = ? limit 1", (default["id"],))
    return found.fetchone() is None


def deck_view(col: Collection, did: int) -> dict[str, Any]:
    deck = deck_ops.get_deck(col, did)
    name = str(deck["name"])
    dyn = bool(deck.get("dyn"))
    counts = Scheduler(col).due_counts(did)
    preset = None if dyn else deck_ops.config_for_deck(col, did)
    return {
        "id": did,
        "name": name,
        "basename": name.rsplit("::", 1)[-1],
        "dyn": dyn,
        "collapsed": bool(deck.get("collapsed")),
        "counts": {"new": counts.new, "learning": counts.learning, "review": counts.review},
        "preset_id": int(preset["id"]) if preset is not None else None,
        "limits": None if dyn else preset_ops.deck_limits(col, did),
        "fsrs": bool(col.conf.get("fsrs", False)),
        "collection_options": preset_ops.collection_options(col),
    }


@bp.get("")
@bp.output(DeckListSchema)
@user_collection
def list_decks(handle: CollectionHandle) -> dict[str, Any]:
    """Every deck, nested, with new/learning/review counts due now (limits applied), and
    whether the deck list hides the Default deck, as Anki does while it is empty."""
    with handle.read() as col:
        roots = Scheduler(col).deck_due_tree()
        return {
            "decks": _tree_with_collapsed(col, roots),
            "hide_default": _hides_default(col, roots),
        }


@bp.post("")
@bp.input(DeckNameSchema, arg_name="body")
@bp.output(DeckCreatedSchema, status_code=201)
@user_collection
def create_deck(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Create a deck; ``A::B`` creates ``A`` too when missing."""

    def add(col: Collection) -> dict[str, Any]:
        did = deck_ops.add_deck(col, body["name"])
        return {"id": did, "name": deck_ops.get_deck(col, did)["name"]}

    return handle.write(add)


@bp.get(f"/<{ID_PATH}:deck_id>")
@bp.output(DeckSchema)
@user_collection
def get_deck(handle: CollectionHandle, deck_id: int) -> dict[str, Any]:
    """One deck, its due counts and its options preset."""
    with handle.read() as col:
        return deck_view(col, deck_id)


@bp.put(f"/<{ID_PATH}:deck_id>")
@bp.input(DeckUpdateSchema, arg_name="body")
@bp.output(DeckSchema)
@user_collection
def update_deck(handle: CollectionHandle, deck_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Rename a deck, give it (and its subdecks) a preset, set its own limits, toggle FSRS."""

    def update(col: Collection) -> dict[str, Any]:
        deck_ops.get_deck(col, deck_id)
        before = fsrs_snapshot(col)
        if "name" in body:
            deck_ops.rename_deck(col, deck_id, body["name"])
        if "preset_id" in body:
            preset_ops.set_deck_preset(
                col, deck_id, body["preset_id"], with_subdecks=body.get("apply_to_children", False)
            )
        if "limits" in body:
            try:
                preset_ops.set_deck_limits(col, deck_id, body["limits"])
            except preset_ops.OptionValueError as error:
                raise api_error(400, str(error), code=ErrorCode.INVALID_OPTION) from error
        if "fsrs" in body:
            col.save_json("conf", {**col.conf, "fsrs": bool(body["fsrs"])})
        if "collapsed" in body:
            _set_collapsed(col, deck_id, bool(body["collapsed"]))
        if "collection_options" in body:
            preset_ops.set_collection_options(col, body["collection_options"])
        follow_options_change(col, before, reschedule=body.get("fsrs_reschedule", False))
        return deck_view(col, deck_id)

    return handle.write(update)


def _set_collapsed(col: Collection, deck_id: int, collapsed: bool) -> None:
    deck = deck_ops.get_deck(col, deck_id)
    decks = dict(col.decks)
    decks[str(deck_id)] = {**deck, "collapsed": collapsed, "mod": col.now_secs(), "usn": -1}
    col.save_json("decks", decks)


@bp.delete(f"/<{ID_PATH}:deck_id>")
@bp.input(DeckDeleteQuerySchema, location="query", arg_name="query")
@bp.output(DeletedSchema)
@user_collection
def delete_deck(handle: CollectionHandle, deck_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """Delete a deck and its subdecks; their cards too unless ``move_cards_to`` is given."""

    def delete(col: Collection) -> dict[str, Any]:
        target = query.get("move_cards_to")
        if target == deck_id:
            raise ValidationError("cards cannot be moved into the deck being deleted")
        deck_ops.delete_deck(col, deck_id, move_cards_to=target)
        return {"deleted": deck_id}

    return handle.write(delete)
