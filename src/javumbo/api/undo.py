"""Undo: the collection's multi-step undo (answers and actions on cards, notes and decks),
newest step first, whatever it was (``javumbo.collection.undo``)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, Nested, String

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import ErrorCode, api_error
from javumbo.collection import Collection
from javumbo.collection import undo as undo_ops
from javumbo.collection.errors import CollectionError

bp = APIBlueprint("undo", __name__, tag="Undo", url_prefix="/api/undo")


class UndoStatusSchema(Schema):
    label = String(required=True, metadata={"description": "Anki's name of the step, e.g. Bury"})
    undoable = Boolean(
        required=True, metadata={"description": "false when the step was too large to keep"}
    )


class UndoAvailableSchema(Schema):
    next = Nested(
        UndoStatusSchema,
        required=True,
        allow_none=True,
        metadata={"description": "what POST /api/undo would undo; null when nothing"},
    )


class UndoResultSchema(Schema):
    label = String(required=True, metadata={"description": "what was undone, e.g. Answer Card"})
    card_id = Integer(
        required=True,
        allow_none=True,
        metadata={"description": "the card to show again (the answered or acted-on card)"},
    )
    cards = Integer(required=True, metadata={"description": "card rows restored"})
    notes = Integer(required=True, metadata={"description": "note rows restored"})


_REFUSALS: tuple[tuple[type[CollectionError], ErrorCode], ...] = (
    (undo_ops.NothingToUndoError, ErrorCode.NOTHING_TO_UNDO),
    (undo_ops.UndoTooLargeError, ErrorCode.UNDO_TOO_LARGE),
    (undo_ops.UndoConflictError, ErrorCode.UNDO_CONFLICT),
)


@bp.get("")
@bp.output(UndoAvailableSchema)
@user_collection
def undo_available(handle: CollectionHandle) -> dict[str, Any]:
    """The step the next undo would take back (for an "Undo <label>" menu entry)."""
    with handle.read() as col:
        status = undo_ops.undo_status(col)
    if status is None:
        return {"next": None}
    return {"next": {"label": status.label, "undoable": status.undoable}}


@bp.post("")
@bp.output(UndoResultSchema)
@bp.doc(responses={409: "nothing to undo, or the latest step cannot be undone"})
@user_collection
def undo(handle: CollectionHandle) -> dict[str, Any]:
    """Undo the latest step (an answer, a bury, a flag...): 409 ``nothing_to_undo`` on an empty
    stack; 409 ``undo_too_large``/``undo_conflict`` when it cannot (the stack is then cleared)."""

    def run(col: Collection) -> dict[str, Any]:
        try:
            done = undo_ops.undo(col)
        except tuple(kind for kind, _ in _REFUSALS) as exc:
            # Returned, not raised: the cleared stack must commit with this write.
            code = next(c for kind, c in _REFUSALS if isinstance(exc, kind))
            return {"refused": code.value, "message": str(exc)}
        return {
            "label": done.label,
            "card_id": done.card_id,
            "cards": done.cards,
            "notes": done.notes,
        }

    result = handle.write(run)
    if "refused" in result:
        raise api_error(409, str(result["message"]), code=str(result["refused"]))
    return result
