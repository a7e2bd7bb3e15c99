"""FSRS in a preset's options: its settings, "Optimize" and "Evaluate" from the user's own
reviews, saving with "reschedule cards on change", and the retention simulator, as Anki's deck
options screen does.

Settings are the preset's own dconf keys (``fsrsParams6``, ``desiredRetention``,
``sm2Retention``, ``ignoreRevlogsBeforeDate``, ``weightSearch``) and the collection's FSRS
switch (``conf.fsrs``); saving them here also updates the cards' memory states (and due dates
when asked) in the same write. Optimizing reads the reviews under the collection's lock and
trains outside it, one training per process at a time, on a bounded number of reviews.
"""

from __future__ import annotations

import threading
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, List, String
from apiflask.validators import Length, Range, Regexp

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import ErrorCode, api_error
from javumbo.api.ids import ID_PATH
from javumbo.collection import Collection
from javumbo.collection import presets as preset_ops
from javumbo.collection.scheduler import fsrs_optimizer, fsrs_simulator
from javumbo.collection.scheduler.fsrs_memory import valid_parameters
from javumbo.collection.scheduler.fsrs_presets import fsrs_enabled, fsrs_preset
from javumbo.collection.scheduler.fsrs_reschedule import save_fsrs_settings

bp = APIBlueprint("fsrs", __name__, tag="FSRS", url_prefix="/api/presets")

# One training at a time per process: it takes all of a core for seconds.
_TRAINING = threading.BoundedSemaphore(1)
MAX_PARAMS = 21


def _params_field(description: str = "", **kwargs: Any) -> List[Any]:
    return List(
        Float(allow_nan=False, validate=[Range(min=-100.0, max=100.0)]),
        validate=[Length(max=MAX_PARAMS)],
        metadata={
            "description": description
            or "FSRS parameters: empty (defaults) or 17, 19 or 21 numbers"
        },
        **kwargs,
    )


class FsrsSettingsSchema(Schema):
    enabled = Boolean(required=True, metadata={"description": "FSRS on (collection-wide)"})
    desired_retention = Float(required=True)
    params = _params_field(required=True)
    historical_retention = Float(
        required=True,
        metadata={"description": "retention assumed for reviews before the history starts"},
    )
    ignore_revlogs_before_date = String(
        required=True, metadata={"description": "YYYY-MM-DD, or empty"}
    )
    param_search = String(
        required=True, metadata={"description": "the optimizer's search; empty = this preset"}
    )


class FsrsChangesSchema(Schema):
    enabled = Boolean()
    desired_retention = Float(allow_nan=False, validate=[Range(min=0.7, max=0.99)])
    params = _params_field()
    historical_retention = Float(allow_nan=False, validate=[Range(min=0.5, max=1.0)])
    ignore_revlogs_before_date = String(
        validate=[Regexp(r"^(\d{4}-\d{2}-\d{2})?$", error="YYYY-MM-DD or empty")]
    )
    param_search = String(validate=[Length(max=1000)])
    reschedule = Boolean(
        load_default=False,
        metadata={"description": "reschedule review cards from their new memory states"},
    )


class FsrsSavedSchema(FsrsSettingsSchema):
    cards = Integer(required=True, metadata={"description": "cards whose memory state changed"})
    rescheduled = Integer(required=True, metadata={"description": "review cards rescheduled"})


class OptimizedSchema(Schema):
    params = _params_field(required=True)
    review_count = Integer(required=True, metadata={"description": "reviews read"})
    item_count = Integer(required=True, metadata={"description": "FSRS items trained on"})


class OptimizeSchema(Schema):
    """Settings edited but not saved yet (Anki optimizes with the screen's values)."""

    params = _params_field("the current parameters, kept if they fit at least as well")
    param_search = String(validate=[Length(max=1000)])
    ignore_revlogs_before_date = String(
        validate=[Regexp(r"^(\d{4}-\d{2}-\d{2})?$", error="YYYY-MM-DD or empty")]
    )


class EvaluateSchema(OptimizeSchema):
    params = _params_field("parameters to judge (default: the saved ones)")


class EvaluationSchema(Schema):
    log_loss = Float(required=True)
    rmse_bins = Float(required=True, metadata={"description": "RMSE (bins), 0..1"})
    item_count = Integer(required=True)


def _settings(col: Collection, preset_id: int) -> dict[str, Any]:
    preset = fsrs_preset(col, preset_id)
    return {
        "enabled": fsrs_enabled(col),
        "desired_retention": preset.desired_retention,
        "params": list(preset.params),
        "historical_retention": preset.historical_retention,
        "ignore_revlogs_before_date": preset.ignore_before_date,
        "param_search": preset.param_search,
    }


def _too_many(error: fsrs_optimizer.TooManyReviewsError) -> Exception:
    return api_error(422, str(error), code=ErrorCode.TOO_MANY_REVIEWS)


@bp.get(f"/<{ID_PATH}:preset_id>/fsrs")
@bp.output(FsrsSettingsSchema)
@user_collection
def get_fsrs(handle: CollectionHandle, preset_id: int) -> dict[str, Any]:
    """The preset's FSRS settings and the collection's FSRS switch."""
    with handle.read() as col:
        return _settings(col, preset_id)


@bp.put(f"/<{ID_PATH}:preset_id>/fsrs")
@bp.input(FsrsChangesSchema, arg_name="body")
@bp.output(FsrsSavedSchema)
@user_collection
def put_fsrs(handle: CollectionHandle, preset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change the named settings; the cards' memory states follow as in Anki (switching FSRS
    updates every preset's cards; new parameters or retention this preset's), and with
    ``reschedule`` review cards get due dates from their new states."""
    changes = {k: v for k, v in body.items() if k != "reschedule"}

    def save(col: Collection) -> dict[str, Any]:
        done = save_fsrs_settings(col, preset_id, changes, reschedule=body["reschedule"])
        return {**_settings(col, preset_id), "cards": done.cards, "rescheduled": done.rescheduled}

    return handle.write(save)


def _one_training() -> None:
    if not _TRAINING.acquire(blocking=False):
        raise api_error(
            429,
            "another FSRS optimization is running; retry in a moment",
            code=ErrorCode.FSRS_BUSY,
            headers={"Retry-After": "5"},
        )


def _unsaved(body: dict[str, Any], *, with_params: bool) -> fsrs_optimizer.Unsaved:
    params = body.get("params")
    return fsrs_optimizer.Unsaved(
        params=tuple(params) if with_params and params is not None else None,
        param_search=body.get("param_search"),
        ignore_before_date=body.get("ignore_revlogs_before_date"),
    )


@bp.post(f"/<{ID_PATH}:preset_id>/fsrs/optimize")
@bp.input(OptimizeSchema, arg_name="body")
@bp.output(OptimizedSchema)
@user_collection
def optimize(handle: CollectionHandle, preset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Parameters trained on the reviews of the preset's cards (or its optimizer search), as
    Anki's "Optimize"; the body may carry settings not saved yet; nothing is saved. An empty
    list: FSRS's defaults fit best."""
    unsaved = _unsaved(body, with_params=True)
    if unsaved.params is not None and not valid_parameters(unsaved.params):
        raise api_error(400, "FSRS parameters must be empty or 17, 19 or 21 numbers in range")
    try:
        with handle.read() as col:
            given = fsrs_optimizer.training_input(col, preset_id, unsaved=unsaved)
    except fsrs_optimizer.TooManyReviewsError as error:
        raise _too_many(error) from error
    _one_training()
    try:
        result = fsrs_optimizer.train(given)
    finally:
        _TRAINING.release()
    return {
        "params": result.params,
        "review_count": result.review_count,
        "item_count": result.item_count,
    }


@bp.post(f"/<{ID_PATH}:preset_id>/fsrs/evaluate")
@bp.input(EvaluateSchema, arg_name="body")
@bp.output(EvaluationSchema)
@user_collection
def evaluate(handle: CollectionHandle, preset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Log loss and RMSE of parameters over the preset's reviews (Anki's "Evaluate")."""
    try:
        with handle.read() as col:
            params = body.get("params", list(fsrs_preset(col, preset_id).params))
            data = fsrs_optimizer.evaluation_input(
                col, preset_id, unsaved=_unsaved(body, with_params=False)
            )
    except fsrs_optimizer.TooManyReviewsError as error:
        raise _too_many(error) from error
    _one_training()
    try:
        result = fsrs_optimizer.evaluate_items(data, params)
    finally:
        _TRAINING.release()
    return {
        "log_loss": result.log_loss,
        "rmse_bins": result.rmse_bins,
        "item_count": result.item_count,
    }


class SimulateSchema(Schema):
    """Anki's FSRS simulator inputs; each defaults to the preset's own option."""

    desired_retention = Float(allow_nan=False, validate=[Range(min=0.7, max=0.99)])
    days_to_simulate = Integer(
        strict=True, validate=[Range(min=1, max=fsrs_simulator.MAX_DAYS)], load_default=365
    )
    additional_new_cards = Integer(
        strict=True,
        validate=[Range(min=0, max=fsrs_simulator.MAX_CARDS)],
        load_default=0,
        metadata={"description": "new cards added to the preset's own (Anki's deck size)"},
    )
    new_limit = Integer(strict=True, validate=[Range(min=0, max=fsrs_simulator.MAX_DAILY_LIMIT)])
    review_limit = Integer(strict=True, validate=[Range(min=0, max=fsrs_simulator.MAX_DAILY_LIMIT)])
    max_interval = Integer(strict=True, validate=[Range(min=1, max=36500)])
    new_cards_ignore_review_limit = Boolean()
    suspend_after_lapses = Integer(
        strict=True,
        allow_none=True,
        validate=[Range(min=1, max=99)],
        metadata={"description": "suspend a card after this many lapses (leeches); null: never"},
    )
    params = _params_field("parameters to simulate with (default: the saved ones)")


class SimulationSchema(Schema):
    desired_retention = Float(required=True)
    days_to_simulate = Integer(required=True)
    daily_review_count = List(Integer(), required=True)
    daily_new_count = List(Integer(), required=True)
    daily_time_seconds = List(Float(), required=True)
    memorized = List(
        Float(), required=True, metadata={"description": "cards remembered at each day's end"}
    )
    simulated_cards = Integer(required=True, metadata={"description": "new cards simulated"})
    studied_cards_left_out = Integer(
        required=True,
        metadata={"description": "the preset's studied cards, which the simulation leaves out"},
    )


class OptimalRetentionSchema(Schema):
    optimal_retention = Float(required=True, metadata={"description": "0.7 to 0.95"})
    studied_cards = Integer(required=True)
    new_cards = Integer(required=True)


def _simulation_input(
    handle: CollectionHandle, preset_id: int, body: dict[str, Any]
) -> fsrs_simulator.SimulationInput:
    with handle.read() as col:
        preset = preset_ops.one_preset(col, preset_id)
        settings = fsrs_simulator.SimulationSettings(
            desired_retention=body.get("desired_retention", preset["desired_retention"]),
            days_to_simulate=body["days_to_simulate"],
            additional_new_cards=body["additional_new_cards"],
            new_limit=body.get("new_limit", preset["new_per_day"]),
            review_limit=body.get("review_limit", preset["reviews_per_day"]),
            max_interval=body.get("max_interval", preset["maximum_review_interval"]),
            new_cards_ignore_review_limit=body.get(
                "new_cards_ignore_review_limit",
                bool(col.conf.get("newCardsIgnoreReviewLimit", False)),
            ),
            suspend_after_lapses=body.get("suspend_after_lapses"),
        )
        return fsrs_simulator.simulation_input(col, preset_id, settings, body.get("params"))


@bp.post(f"/<{ID_PATH}:preset_id>/fsrs/simulate")
@bp.input(SimulateSchema, arg_name="body")
@bp.output(SimulationSchema)
@user_collection
def simulate(handle: CollectionHandle, preset_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Anki's FSRS simulator: reviews, new cards, minutes and cards remembered per day at a
    desired retention, for the preset's new cards plus ``additional_new_cards``, answered
    with the user's own habits (read from the preset's reviews). Nothing is saved."""
    given = _simulation_input(handle, preset_id, body)
    _one_training()
    try:
        result = fsrs_simulator.simulate(given)
    finally:
        _TRAINING.release()
    return {
        "desired_retention": given.settings.desired_retention,
        "days_to_simulate": given.settings.days_to_simulate,
        "daily_review_count": result.daily_review_count,
        "daily_new_count": result.daily_new_count,
        "daily_time_seconds": result.daily_time_seconds,
        "memorized": result.memorized,
        "simulated_cards": result.simulated_cards,
        "studied_cards_left_out": result.studied_cards_left_out,
    }


@bp.post(f"/<{ID_PATH}:preset_id>/fsrs/optimal-retention")
@bp.input(SimulateSchema, arg_name="body")
@bp.output(OptimalRetentionSchema)
@user_collection
def optimal_retention(
    handle: CollectionHandle, preset_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """Anki's "compute optimal retention": the desired retention with the least study time per
    card remembered, simulating the preset's studied and new cards (at most
    365 days and 10,000 cards). Nothing is saved."""
    given = _simulation_input(handle, preset_id, body)
    _one_training()
    try:
        found = fsrs_simulator.optimal_retention(given)
    finally:
        _TRAINING.release()
    return {
        "optimal_retention": found,
        "studied_cards": len(given.studied),
        "new_cards": given.new_cards + given.settings.additional_new_cards,
    }
