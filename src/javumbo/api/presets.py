"""Deck options presets: list (with how many decks use each), add or clone, change, delete.

Options carry the names of Anki's ``DeckConfig.Config`` proto fields (``new_per_day``,
``learn_steps``...); ``javumbo.collection.presets`` stores them as Anki's own dconf keys. The
fields below are made from that one table, so the API, its OpenAPI schema and the stored keys
cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Field, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import ErrorCode, api_error
from javumbo.api.ids import ID_PATH, id_field
from javumbo.collection import Collection
from javumbo.collection import presets as preset_ops
from javumbo.collection.presets import OPTIONS, DefaultPresetError, Option, OptionValueError
from javumbo.collection.scheduler.fsrs_reschedule import (
    FSRS_RESCHEDULE_DESCRIPTION,
    follow_options_change,
    fsrs_snapshot,
)

bp = APIBlueprint("presets", __name__, tag="Presets", url_prefix="/api/presets")

_CHOICES = {
    "new_card_insert_order": "0 in order added, 1 random",
    "leech_action": "0 suspend the card, 1 tag only",
    "new_card_gather_priority": "0 deck, 1 ascending position, 2 descending position, "
    "3 random notes, 4 random cards, 5 deck then random notes",
    "new_card_sort_order": "0 card type then gathered, 1 order gathered, 2 card type then "
    "random, 3 random note then card type, 4 random",
    "new_mix": "0 mix with reviews, 1 after reviews, 2 before reviews",
    "interday_learning_mix": "0 mix with reviews, 1 after reviews, 2 before reviews",
    "review_order": "0 due date then random, 1 due date then deck, 2 deck then due date, "
    "3 ascending intervals, 4 descending intervals, 5 ascending ease, 6 descending ease, "
    "7 ascending retrievability, 8 random, 9 order added, 10 reverse order added, "
    "11 descending retrievability, 12 relative overdueness",
    "question_action": "0 show answer, 1 show reminder",
    "answer_action": "0 bury card, 1 answer again, 2 answer good, 3 answer hard, 4 show reminder",
    "learn_steps": "learning steps, minutes",
    "relearn_steps": "relearning steps, minutes",
    "initial_ease": "starting ease (2.5 = 250%)",
    "easy_days_percentages": "Monday to Sunday, share of the usual reviews (0 to 1)",
}


FSRS_RESCHEDULE_FIELD = Boolean(metadata={"description": FSRS_RESCHEDULE_DESCRIPTION})


def _option_field(name: str, option: Option, *, required: bool) -> Field[Any]:
    extra: dict[str, Any] = {"required": required}
    if name in _CHOICES:
        extra["metadata"] = {"description": _CHOICES[name]}
    if option.kind == "bool":
        return Boolean(**extra)
    if option.kind == "text":
        return String(validate=[Length(max=10_000)], **extra)
    if option.kind == "steps":
        return List(Float(validate=[Range(min=0, min_inclusive=False)]), **extra)
    if option.kind == "floats":
        return List(Float(validate=[Range(min=option.low, max=option.high)]), **extra)
    if option.kind == "int":
        if option.choices:
            return Integer(strict=True, validate=[OneOf(option.choices)], **extra)
        return Integer(strict=True, validate=[Range(min=option.low, max=option.high)], **extra)
    return Float(allow_nan=False, validate=[Range(min=option.low, max=option.high)], **extra)


def _name_field(*, required: bool) -> String:
    return String(required=required, validate=[Length(min=1, max=preset_ops.MAX_NAME_LENGTH)])


def _schema(name: str, fields: dict[str, Any]) -> type[Schema]:
    return type(name, (Schema,), {"__module__": __name__, **fields})


def _preset_fields() -> dict[str, Any]:
    return {
        "id": Integer(required=True),
        "name": _name_field(required=True),
        "use_count": Integer(required=True, metadata={"description": "decks using the preset"}),
        **{n: _option_field(n, o, required=True) for n, o in OPTIONS.items()},
    }


# Two classes of the same fields: APIFlask would define one class that is both an answer and
# nested in another answer twice in the OpenAPI document (as PresetSchema and PresetSchema1).
PresetSchema = _schema("PresetSchema", _preset_fields())
PresetEntrySchema = _schema("PresetEntrySchema", _preset_fields())
PresetChangesSchema = _schema(
    "PresetChangesSchema",
    {
        "name": _name_field(required=False),
        **{n: _option_field(n, o, required=False) for n, o in OPTIONS.items()},
        "fsrs_reschedule": FSRS_RESCHEDULE_FIELD,
    },
)
NewPresetSchema = _schema(
    "NewPresetSchema",
    {
        "name": _name_field(required=True),
        "clone_of": id_field(metadata={"description": "copy this preset's options"}),
        **{n: _option_field(n, o, required=False) for n, o in OPTIONS.items()},
    },
)


class PresetListSchema(Schema):
    presets = List(Nested(PresetEntrySchema), required=True)


class PresetCreatedSchema(Schema):
    id = Integer(required=True)


class PresetDeletedSchema(Schema):
    deleted = Integer(required=True)


def _options_error(error: OptionValueError) -> Exception:
    return api_error(400, str(error), code=ErrorCode.INVALID_OPTION)


@bp.get(f"/<{ID_PATH}:preset_id>")
@bp.output(PresetSchema)
@user_collection
def get_preset(handle: CollectionHandle, preset_id: int) -> dict[str, Any]:
    """One preset."""
    with handle.read() as col:
        return preset_ops.one_preset(col, preset_id)


@bp.put(f"/<{ID_PATH}:preset_id>")
@bp.input(PresetChangesSchema, arg_name="body")
@bp.output(PresetSchema)
@user_collection
def update_preset(handle: CollectionHandle, preset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Rename a preset or change its options (only the ones named); every deck using it sees
    the change. New FSRS parameters or desired retention update its cards' memory states as
    Anki does (and their due dates with ``fsrs_reschedule``)."""

    changes = {k: v for k, v in body.items() if k != "fsrs_reschedule"}

    def update(col: Collection) -> dict[str, Any]:
        with col.transaction():
            before = fsrs_snapshot(col)
            try:
                preset_ops.update_preset(col, preset_id, changes)
            except OptionValueError as error:
                raise _options_error(error) from error
            follow_options_change(col, before, reschedule=body.get("fsrs_reschedule", False))
        return preset_ops.one_preset(col, preset_id)

    return handle.write(update)


@bp.get("")
@bp.output(PresetListSchema)
@user_collection
def list_presets(handle: CollectionHandle) -> dict[str, Any]:
    """Every preset with its options and how many decks use it; Default first."""
    with handle.read() as col:
        return {"presets": preset_ops.all_presets(col)}


@bp.post("")
@bp.input(NewPresetSchema, arg_name="body")
@bp.output(PresetCreatedSchema, status_code=201)
@user_collection
def create_preset(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """A new preset: Anki's defaults (or a copy of ``clone_of``) with the options given."""
    options = {k: v for k, v in body.items() if k not in ("name", "clone_of")}

    def add(col: Collection) -> dict[str, Any]:
        try:
            conf_id = preset_ops.add_preset(
                col, body["name"], options, clone_of=body.get("clone_of")
            )
        except OptionValueError as error:
            raise _options_error(error) from error
        return {"id": conf_id}

    return handle.write(add)


@bp.delete(f"/<{ID_PATH}:preset_id>")
@bp.output(PresetDeletedSchema)
@user_collection
def delete_preset(handle: CollectionHandle, preset_id: int) -> dict[str, Any]:
    """Delete a preset; its decks fall back to Default (which itself cannot be deleted)."""

    def delete(col: Collection) -> dict[str, Any]:
        try:
            preset_ops.delete_preset(col, preset_id)
        except DefaultPresetError as error:
            raise api_error(400, str(error), code=ErrorCode.DEFAULT_PRESET) from error
        return {"deleted": preset_id}

    return handle.write(delete)
