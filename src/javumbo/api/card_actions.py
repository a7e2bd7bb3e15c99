"""What a learner does to cards while reviewing or in the browser (Anki's reviewer "More"
menu and browser actions): bury, suspend, unbury, forget, set due date, reposition, mark,
delete notes, card info, and unbury a deck. Each change is one step of the collection's undo
(POST /api/undo takes it back)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import ID_PATH, id_list_field
from javumbo.collection import Collection
from javumbo.collection import card_actions as actions
from javumbo.collection import dialog_choices as choices
from javumbo.collection.card_info import card_info
from javumbo.collection.notes import delete_notes
from javumbo.collection.undo import undoable

MAX_POSITION = actions.MAX_POSITION
SCOPES = ("cards", "notes")

bp = APIBlueprint("card_actions", __name__, tag="Cards", url_prefix="/api")


def _scope_field() -> String:
    return String(
        load_default="cards",
        validate=[OneOf(SCOPES)],
        metadata={"description": "cards: these cards; notes: every card of their notes"},
    )


class ScopedCardIdsSchema(Schema):
    card_ids = id_list_field(required=True)
    scope = _scope_field()


class CardIdsOnlySchema(Schema):
    card_ids = id_list_field(required=True)


class ForgetSchema(Schema):
    card_ids = id_list_field(required=True)
    restore_position = Boolean(
        load_default=True,
        metadata={"description": "back to the new-queue position held before first study"},
    )
    reset_counts = Boolean(
        load_default=False, metadata={"description": "zero the review and lapse counts"}
    )
    remember = String(
        load_default=None,
        allow_none=True,
        validate=[OneOf(choices.DIALOG_CONTEXTS)],
        metadata={"description": "keep these options for the next Reset dialog there, as Anki"},
    )


class DialogContextSchema(Schema):
    context = String(load_default="reviewer", validate=[OneOf(choices.DIALOG_CONTEXTS)])


class ForgetChoiceSchema(Schema):
    restore_position = Boolean(required=True)
    reset_counts = Boolean(required=True)


class SetDueSchema(Schema):
    card_ids = id_list_field(required=True)
    days = String(
        required=True,
        validate=[Length(min=1, max=20)],
        metadata={"description": "Anki's day spec: 0 today, 3, a range 1-7; ! sets the interval"},
    )
    remember = String(
        load_default=None,
        allow_none=True,
        validate=[OneOf(choices.DIALOG_CONTEXTS)],
        metadata={"description": "keep these days for the next Set Due Date dialog there"},
    )


class DueDaysSchema(Schema):
    days = String(required=True, metadata={"description": "the last days typed there, else 1"})


class RepositionSchema(Schema):
    card_ids = id_list_field(required=True)
    start = Integer(load_default=0, strict=True, validate=[Range(min=0, max=MAX_POSITION)])
    step = Integer(load_default=1, strict=True, validate=[Range(min=1, max=10_000)])
    randomize = Boolean(load_default=False)
    shift = Boolean(
        load_default=False, metadata={"description": "move later new cards back to make room"}
    )


class MarkSchema(Schema):
    card_ids = id_list_field(required=True)
    marked = Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "true/false sets it; null toggles as Anki does"},
    )


class UnburyDeckSchema(Schema):
    mode = String(
        load_default="all",
        validate=[OneOf(actions.UNBURY_MODES)],
        metadata={"description": "all, user (buried by hand) or sched (buried siblings)"},
    )


class ChangedSchema(Schema):
    card_ids = List(Integer(), required=True, metadata={"description": "the cards acted on"})
    changed = Integer(required=True, metadata={"description": "how many cards changed"})


class MarkedSchema(Schema):
    note_ids = List(Integer(), required=True)
    marked = Boolean(required=True)


class DeletedNotesSchema(Schema):
    note_ids = List(Integer(), required=True)
    cards = Integer(required=True, metadata={"description": "cards deleted with the notes"})


class UnburiedSchema(Schema):
    changed = Integer(required=True)


class ReviewEntrySchema(Schema):
    time = Integer(required=True, metadata={"description": "epoch seconds"})
    review_kind = Integer(
        required=True,
        metadata={"description": "0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 resched"},
    )
    button_chosen = Integer(required=True, metadata={"description": "0 manual, 1-4 buttons"})
    interval = Integer(required=True, metadata={"description": "seconds"})
    last_interval = Integer(required=True, metadata={"description": "seconds"})
    ease = Integer(required=True, metadata={"description": "permille"})
    taken_secs = Float(required=True)


class CardInfoSchema(Schema):
    card_id = Integer(required=True)
    note_id = Integer(required=True)
    deck = String(required=True)
    original_deck = String(required=True, allow_none=True)
    preset = String(required=True)
    notetype = String(required=True)
    card_type = String(required=True, metadata={"description": "the template's name"})
    added = Integer(required=True, metadata={"description": "epoch seconds"})
    first_review = Integer(required=True, allow_none=True)
    latest_review = Integer(required=True, allow_none=True)
    due_date = Integer(required=True, allow_none=True, metadata={"description": "epoch seconds"})
    due_position = Integer(required=True, allow_none=True)
    interval = Integer(required=True, metadata={"description": "days"})
    ease = Integer(required=True, metadata={"description": "permille; 0 for new cards"})
    reviews = Integer(required=True)
    lapses = Integer(required=True)
    average_secs = Float(required=True)
    total_secs = Float(required=True)
    stability = Float(required=True, allow_none=True, metadata={"description": "FSRS, days"})
    difficulty = Float(required=True, allow_none=True, metadata={"description": "FSRS, 1-10"})
    retrievability = Float(required=True, allow_none=True, metadata={"description": "FSRS, 0-1"})
    desired_retention = Float(required=True, allow_none=True)
    revlog = List(
        Nested(ReviewEntrySchema), required=True, metadata={"description": "newest first"}
    )


def _targets(col: Collection, body: dict[str, Any]) -> list[int]:
    if body.get("scope") == "notes":
        cards = actions.cards_by_id(col, body["card_ids"])
        return actions.cards_of_notes(col, actions.note_ids_of(cards))
    return list(dict.fromkeys(body["card_ids"]))


def _acted_on(body: dict[str, Any]) -> int | None:
    """The one card a request names (the reviewer's card), which undo shows again even when
    the step took in its siblings ("Bury Note"); None for several."""
    named = list(dict.fromkeys(body["card_ids"]))
    return int(named[0]) if len(named) == 1 else None


def _changed(card_ids: list[int], changed: int) -> dict[str, Any]:
    return {"card_ids": card_ids, "changed": changed}


@bp.post("/cards/bury")
@bp.input(ScopedCardIdsSchema, arg_name="body")
@bp.output(ChangedSchema)
@user_collection
def bury(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Bury cards (or their whole notes) until tomorrow; suspended cards stay suspended."""

    def run(col: Collection) -> dict[str, Any]:
        ids = _targets(col, body)
        label = "Bury Note" if body["scope"] == "notes" else "Bury Card"
        return _changed(ids, actions.bury_cards(col, ids, label=label, card_id=_acted_on(body)))

    return handle.write(run)


@bp.post("/cards/unbury")
@bp.input(CardIdsOnlySchema, arg_name="body")
@bp.output(ChangedSchema)
@user_collection
def unbury(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Put buried (or suspended) cards back in their queue."""

    def run(col: Collection) -> dict[str, Any]:
        ids = list(dict.fromkeys(body["card_ids"]))
        return _changed(ids, actions.unbury_cards(col, ids))

    return handle.write(run)


@bp.get("/cards/forget")
@bp.input(DialogContextSchema, location="query", arg_name="query")
@bp.output(ForgetChoiceSchema)
@user_collection
def forget_options(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """The options Anki's Reset dialog starts with in the reviewer or the browser."""
    with handle.read() as col:
        choice = choices.forget_choice(col, query["context"])
        return {"restore_position": choice.restore_position, "reset_counts": choice.reset_counts}


@bp.post("/cards/forget")
@bp.input(ForgetSchema, arg_name="body")
@bp.output(ChangedSchema)
@user_collection
def forget(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's "Reset": the cards become new again."""

    def run(col: Collection) -> dict[str, Any]:
        ids = list(dict.fromkeys(body["card_ids"]))
        changed = actions.forget_cards(
            col,
            ids,
            restore_position=body["restore_position"],
            reset_counts=body["reset_counts"],
            remember=body["remember"] or None,
        )
        return _changed(ids, changed)

    return handle.write(run)


@bp.get("/cards/set-due")
@bp.input(DialogContextSchema, location="query", arg_name="query")
@bp.output(DueDaysSchema)
@user_collection
def set_due_options(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """What Anki's Set Due Date dialog starts with in the reviewer or the browser."""
    with handle.read() as col:
        return {"days": choices.due_days_choice(col, query["context"])}


@bp.post("/cards/set-due")
@bp.input(SetDueSchema, arg_name="body")
@bp.output(ChangedSchema)
@user_collection
def set_due(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's "Set Due Date" (``days``: "0", "3", "1-7", "5!")."""

    def run(col: Collection) -> dict[str, Any]:
        ids = list(dict.fromkeys(body["card_ids"]))
        changed = actions.set_due_date(col, ids, body["days"], remember=body["remember"] or None)
        return _changed(ids, changed)

    return handle.write(run)


@bp.post("/cards/reposition")
@bp.input(RepositionSchema, arg_name="body")
@bp.output(ChangedSchema)
@user_collection
def reposition(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's "Reposition" of new cards (others are left alone)."""

    def run(col: Collection) -> dict[str, Any]:
        ids = list(dict.fromkeys(body["card_ids"]))
        moved = actions.reposition_new_cards(
            col,
            ids,
            start=body["start"],
            step=body["step"],
            randomize=body["randomize"],
            shift=body["shift"],
        )
        return _changed(ids, moved)

    return handle.write(run)


@bp.post("/cards/mark")
@bp.input(MarkSchema, arg_name="body")
@bp.output(MarkedSchema)
@user_collection
def mark(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Set, clear or toggle Anki's "marked" tag on the cards' notes."""

    def run(col: Collection) -> dict[str, Any]:
        nids = actions.note_ids_of(actions.cards_by_id(col, body["card_ids"]))
        marked = actions.set_marked(col, body["card_ids"], body["marked"])
        return {"note_ids": nids, "marked": marked}

    return handle.write(run)


@bp.post("/cards/delete-notes")
@bp.input(CardIdsOnlySchema, arg_name="body")
@bp.output(DeletedNotesSchema)
@user_collection
def delete_notes_of_cards(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Delete the cards' notes with all their cards (Anki's "Delete Note"), undoably."""

    def run(col: Collection) -> dict[str, Any]:
        nids = actions.note_ids_of(actions.cards_by_id(col, body["card_ids"]))
        cids = actions.cards_of_notes(col, nids)
        with undoable(col, "Delete Note", card_ids=cids, note_ids=nids, card_id=_acted_on(body)):
            delete_notes(col, nids)
        return {"note_ids": nids, "cards": len(cids)}

    return handle.write(run)


@bp.get(f"/cards/<{ID_PATH}:card_id>/info")
@bp.output(CardInfoSchema)
@user_collection
def info(handle: CollectionHandle, card_id: int) -> dict[str, Any]:
    """Anki's Card Info: dates, interval, ease or FSRS memory, counts, times, history."""
    with handle.read() as col:
        found = card_info(col, card_id)
    view = dict(found.__dict__)
    view["revlog"] = [dict(e.__dict__) for e in found.revlog]
    return view


@bp.post(f"/decks/<{ID_PATH}:deck_id>/unbury")
@bp.input(UnburyDeckSchema, arg_name="body")
@bp.output(UnburiedSchema)
@user_collection
def unbury_deck(handle: CollectionHandle, deck_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's "Unbury" on a deck and its subdecks."""
    return handle.write(lambda col: {"changed": actions.unbury_deck(col, deck_id, body["mode"])})
