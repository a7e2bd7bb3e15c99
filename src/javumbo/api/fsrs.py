"""FSRS in a preset's options: its settings, "Optimize" and "Evaluate" from the user's own
reviews, and saving with "reschedule cards on change", as Anki's deck options screen does.

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
from javumbo.collection.scheduler import fsrs_optimizer
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


class EvaluateSchema(Schema):
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


@bp.post(f"/<{ID_PATH}:preset_id>/fsrs/optimize")
@bp.output(OptimizedSchema)
@user_collection
def optimize(handle: CollectionHandle, preset_id: int) -> dict[str, Any]:
    """Parameters trained on the reviews of the preset's cards (or its optimizer search), as
    Anki's "Optimize"; nothing is saved. An empty list: FSRS's defaults fit best."""
    try:
        with handle.read() as col:
            given = fsrs_optimizer.training_input(col, preset_id)
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
            data = fsrs_optimizer.evaluation_input(col, preset_id)
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
