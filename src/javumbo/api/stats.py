"""``GET /api/stats``: everything the stats page charts, for the collection or one deck."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, Integer, List
from apiflask.validators import Range

from javumbo.api.ids import query_id_field
from javumbo.api.userdb_binding import UserDb, with_user_db
from javumbo.collection.stats import collection_stats

bp = APIBlueprint("stats", __name__, tag="Stats", url_prefix="/api/stats")


class StatsQuerySchema(Schema):
    deck_id = query_id_field(metadata={"description": "this deck and its subdecks only"})
    days = Integer(load_default=30, validate=[Range(min=1, max=3650)])


class StatsSchema(Schema):
    today = Dict(required=True)
    reviews_per_day = List(Dict(), required=True)
    forecast = List(Dict(), required=True)
    intervals = Dict(required=True)
    eases = Dict(required=True)
    difficulty = Dict(metadata={"description": "FSRS difficulty distribution"})
    hourly = List(Dict(), required=True)
    retention = Dict(required=True)
    streak = Dict(required=True)
    card_counts = Dict(required=True)
    calendar = Dict(required=True)
    due_counts = List(Dict(), required=True)


@bp.get("")
@bp.input(StatsQuerySchema, location="query", arg_name="query")
@bp.output(StatsSchema)
@with_user_db
def stats(db: UserDb, query: dict[str, Any]) -> dict[str, Any]:
    """Today's numbers, reviews per day, forecast, intervals, eases, hours, retention, streak,
    card counts and the calendar."""
    with db.read() as col:
        return collection_stats(col, deck_id=query.get("deck_id"), days=query["days"])
