"""Filtered decks and custom study: create, rebuild, empty a filtered deck; Anki's six custom
study modes on a deck (see ``collection.filtered_decks`` and ``collection.custom_study``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import ID_PATH
from javumbo.collection import Collection
from javumbo.collection import custom_study as study
from javumbo.collection import filtered_decks as filtered
from javumbo.collection.undo import undoable

bp = APIBlueprint("filtered_decks", __name__, tag="Filtered decks", url_prefix="/api/decks")

_ORDER_HELP = "Anki's filtered deck order: " + ", ".join(filtered.ORDER_NAMES)


def _order_field(**kwargs: Any) -> String:
    return String(
        validate=[OneOf(list(filtered.ORDER_NAMES))],
        metadata={"description": _ORDER_HELP},
        **kwargs,
    )


def _secs_field(description: str) -> Integer:
    return Integer(
        strict=True,
        validate=[Range(min=0, max=filtered.MAX_PREVIEW_SECS)],
        metadata={"description": description},
    )


class SecondFilterSchema(Schema):
    search = String(required=True, validate=[Length(max=10_000)])
    limit = Integer(strict=True, required=True, validate=[Range(min=0, max=filtered.MAX_LIMIT)])
    order = _order_field(required=True)


class FilteredDeckInSchema(Schema):
    name = String(required=True, validate=[Length(min=1, max=500)])
    search = String(required=True, validate=[Length(max=10_000)])
    limit = Integer(strict=True, load_default=100, validate=[Range(min=0, max=filtered.MAX_LIMIT)])
    order = _order_field(load_default="random")
    reschedule = Boolean(load_default=True)
    second_filter = Nested(SecondFilterSchema, allow_none=True, load_default=None)
    preview_again_secs = _secs_field("without rescheduling: Again brings the card back after")
    preview_hard_secs = _secs_field("without rescheduling: Hard brings the card back after")
    preview_good_secs = _secs_field("without rescheduling: Good (0 = return the card home)")


class FilteredDeckBuiltSchema(Schema):
    id = Integer(required=True)
    cards = Integer(required=True, metadata={"description": "cards pulled into the deck"})


class FilteredTermSchema(Schema):
    search = String(required=True)
    limit = Integer(required=True)
    order = Integer(required=True, metadata={"description": "Anki's order number 0-10"})


class FilteredDeckSchema(Schema):
    id = Integer(required=True)
    name = String(required=True)
    terms = List(Nested(FilteredTermSchema), required=True)
    reschedule = Boolean(required=True)
    preview_again_secs = Integer(required=True)
    preview_hard_secs = Integer(required=True)
    preview_good_secs = Integer(required=True)
    cards = Integer(required=True)


class CustomStudyInSchema(Schema):
    mode = String(required=True, validate=[OneOf(list(study.MODES))])
    amount = Integer(
        strict=True,
        load_default=0,
        validate=[Range(min=-study.MAX_DELTA, max=study.MAX_DAYS)],
        metadata={
            "description": "new_limit/review_limit: the increase; forgotten/review_ahead/"
            "preview_new: days"
        },
    )
    cram_kind = String(load_default="due", validate=[OneOf(list(study.CRAM_KINDS))])
    card_limit = Integer(
        strict=True, load_default=100, validate=[Range(min=0, max=study.DEFAULT_CARD_LIMIT)]
    )
    tags_to_include = List(String(validate=[Length(min=1, max=500)]), load_default=list)
    tags_to_exclude = List(String(validate=[Length(min=1, max=500)]), load_default=list)


class CustomStudyDoneSchema(Schema):
    deck_id = Integer(
        required=True,
        allow_none=True,
        metadata={"description": "the Custom Study Session deck, null when limits were raised"},
    )


class TagChoiceSchema(Schema):
    name = String(required=True)
    # 'include' and 'exclude' are names marshmallow's Schema uses itself
    required_tag = Boolean(
        required=True,
        attribute="include",
        data_key="include",
        metadata={"description": "required by the last session"},
    )
    excluded_tag = Boolean(
        required=True,
        attribute="exclude",
        data_key="exclude",
        metadata={"description": "excluded by the last session"},
    )


class StudyDefaultsSchema(Schema):
    available_new = Integer(required=True, metadata={"description": "new cards in the deck"})
    available_new_in_children = Integer(required=True)
    available_review = Integer(
        required=True, metadata={"description": "reviews due today in the deck, before limits"}
    )
    available_review_in_children = Integer(required=True)
    extend_new = Integer(required=True, metadata={"description": "the last new limit increase"})
    extend_review = Integer(required=True)
    tags = List(
        Nested(TagChoiceSchema),
        required=True,
        metadata={"description": "the tags of the deck's notes, for 'study by card state or tag'"},
    )


def _config(body: dict[str, Any]) -> filtered.FilteredDeckConfig:
    terms = [filtered.checked_term(body["search"], body["limit"], body["order"])]
    second = body.get("second_filter")
    if second:
        terms.append(filtered.checked_term(second["search"], second["limit"], second["order"]))
    return filtered.FilteredDeckConfig(
        terms=tuple(terms),
        reschedule=body["reschedule"],
        preview_again_secs=body.get("preview_again_secs", 60),
        preview_hard_secs=body.get("preview_hard_secs", 600),
        preview_good_secs=body.get("preview_good_secs", 0),
    )


@bp.post("/filtered")
@bp.input(FilteredDeckInSchema, arg_name="body")
@bp.output(FilteredDeckBuiltSchema, status_code=201)
@user_collection
def create_filtered_deck(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Create a filtered deck and build it; a search matching nothing is a 400."""
    config = _config(body)

    def create(col: Collection) -> dict[str, Any]:
        with undoable(col, "Build Deck") as step:
            did, count = filtered.save_filtered_deck(col, body["name"], config, step=step)
        return {"id": did, "cards": count}

    return handle.write(create)


@bp.get(f"/<{ID_PATH}:deck_id>/filtered")
@bp.output(FilteredDeckSchema)
@user_collection
def get_filtered_deck(handle: CollectionHandle, deck_id: int) -> dict[str, Any]:
    """A filtered deck's searches and options, for the edit dialog."""
    with handle.read() as col:
        return filtered.filtered_deck_view(col, deck_id)


@bp.put(f"/<{ID_PATH}:deck_id>/filtered")
@bp.input(FilteredDeckInSchema, arg_name="body")
@bp.output(FilteredDeckBuiltSchema)
@user_collection
def update_filtered_deck(
    handle: CollectionHandle, deck_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Change a filtered deck's searches and options, then rebuild it."""
    config = _config(body)

    def update(col: Collection) -> dict[str, Any]:
        with undoable(col, "Build Deck") as step:
            did, count = filtered.save_filtered_deck(
                col, body["name"], config, deck_id=deck_id, step=step
            )
        return {"id": did, "cards": count}

    return handle.write(update)


@bp.post(f"/<{ID_PATH}:deck_id>/rebuild")
@bp.output(FilteredDeckBuiltSchema)
@user_collection
def rebuild_filtered_deck(handle: CollectionHandle, deck_id: int) -> dict[str, Any]:
    """Return the cards home and search again."""

    def rebuild(col: Collection) -> dict[str, Any]:
        with undoable(col, "Rebuild Filtered Deck") as step:
            return {"id": deck_id, "cards": filtered.rebuild(col, deck_id, step)}

    return handle.write(rebuild)


@bp.post(f"/<{ID_PATH}:deck_id>/empty")
@bp.output(FilteredDeckBuiltSchema)
@user_collection
def empty_filtered_deck(handle: CollectionHandle, deck_id: int) -> dict[str, Any]:
    """Every card back to its home deck; the (empty) filtered deck stays."""

    def empty(col: Collection) -> dict[str, Any]:
        with undoable(col, "Empty Filtered Deck") as step:
            filtered.empty(col, deck_id, step)
        return {"id": deck_id, "cards": 0}

    return handle.write(empty)


@bp.get(f"/<{ID_PATH}:deck_id>/custom-study")
@bp.output(StudyDefaultsSchema)
@user_collection
def custom_study_defaults(handle: CollectionHandle, deck_id: int) -> dict[str, Any]:
    """What the custom study dialog shows: the cards available beyond today's limits."""
    with handle.read() as col:
        return asdict(study.study_defaults(col, deck_id))


@bp.post(f"/<{ID_PATH}:deck_id>/custom-study")
@bp.input(CustomStudyInSchema, arg_name="body")
@bp.output(CustomStudyDoneSchema)
@user_collection
def custom_study(handle: CollectionHandle, deck_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """One of Anki's custom study modes on this deck."""
    cram = study.CramOptions(
        kind=body["cram_kind"],
        card_limit=body["card_limit"],
        tags_to_include=tuple(body["tags_to_include"]),
        tags_to_exclude=tuple(body["tags_to_exclude"]),
    )

    def run(col: Collection) -> dict[str, Any]:
        with undoable(col, "Custom Study") as step:
            did = study.custom_study(
                col, deck_id, body["mode"], amount=body["amount"], cram=cram, step=step
            )
        return {"deck_id": did}

    return handle.write(run)
