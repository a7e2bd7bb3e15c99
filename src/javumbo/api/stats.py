"""``GET /api/stats``: everything the stats page charts, for the collection or one deck."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import query_id_field
from javumbo.collection.stats import collection_stats

bp = APIBlueprint("stats", __name__, tag="Stats", url_prefix="/api/stats")


class StatsQuerySchema(Schema):
    deck_id = query_id_field(metadata={"description": "this deck and its subdecks only"})
    days = Integer(load_default=30, validate=[Range(min=1, max=3650)])


class TodaySchema(Schema):
    day = Integer(required=True, metadata={"description": "today's day number since crt"})
    studied = Integer(required=True)
    time_secs = Float(required=True)
    again = Integer(required=True)
    learn = Integer(required=True)
    review = Integer(required=True)
    relearn = Integer(required=True)
    filtered = Integer(required=True)
    mature_passed = Integer(required=True)
    mature_answers = Integer(required=True)


class DayReviewsSchema(Schema):
    day = Integer(required=True, metadata={"description": "0 today, -1 yesterday, ..."})
    date = String(required=True, metadata={"description": "local ISO date"})
    count = Integer(required=True)
    time_secs = Float(required=True)
    learn = Integer(required=True)
    review = Integer(required=True)
    relearn = Integer(required=True)
    filtered = Integer(required=True)
    again = Integer(required=True)


class ForecastDaySchema(Schema):
    day = Integer(required=True, metadata={"description": "0 today (overdue included), 1, ..."})
    review = Integer(required=True)
    learning = Integer(required=True)


class IntervalBucketSchema(Schema):
    ivl = Integer(required=True, metadata={"description": "interval in days"})
    count = Integer(required=True)


class IntervalsSchema(Schema):
    buckets = List(Nested(IntervalBucketSchema), required=True)
    total = Integer(required=True)
    mean = Float(required=True, allow_none=True)
    max = Integer(required=True, allow_none=True)


class EaseBucketSchema(Schema):
    ease = Integer(required=True, metadata={"description": "ease in percent"})
    count = Integer(required=True)


class EasesSchema(Schema):
    buckets = List(Nested(EaseBucketSchema), required=True)
    total = Integer(required=True)
    mean = Float(required=True, allow_none=True)


class DifficultyBucketSchema(Schema):
    difficulty = Integer(required=True, metadata={"description": "bucket start, 0-90 %"})
    count = Integer(required=True)


class DifficultySchema(Schema):
    buckets = List(Nested(DifficultyBucketSchema), required=True)
    total = Integer(required=True)
    mean = Float(required=True, allow_none=True)


class HourSchema(Schema):
    hour = Integer(required=True)
    count = Integer(required=True)
    correct = Integer(required=True)
    rate = Float(required=True, allow_none=True)


class PassRateSchema(Schema):
    passed = Integer(required=True)
    failed = Integer(required=True)
    rate = Float(required=True, allow_none=True)


class PeriodRetentionSchema(Schema):
    young = Nested(PassRateSchema, required=True)
    mature = Nested(PassRateSchema, required=True)
    total = Nested(PassRateSchema, required=True)


class RetentionSchema(Schema):
    today = Nested(PeriodRetentionSchema, required=True)
    yesterday = Nested(PeriodRetentionSchema, required=True)
    week = Nested(PeriodRetentionSchema, required=True)
    month = Nested(PeriodRetentionSchema, required=True)
    year = Nested(PeriodRetentionSchema, required=True)
    all = Nested(PeriodRetentionSchema, required=True)


class StreakSchema(Schema):
    current = Integer(required=True)
    longest = Integer(required=True)
    studied_today = Boolean(required=True)


class CardCountsSchema(Schema):
    new = Integer(required=True)
    learning = Integer(required=True)
    relearning = Integer(required=True)
    young = Integer(required=True)
    mature = Integer(required=True)
    suspended = Integer(required=True)
    buried = Integer(required=True)
    total = Integer(required=True)


class CalendarDaySchema(Schema):
    date = String(required=True)
    day = Integer(required=True)
    count = Integer(required=True)


class CalendarSchema(Schema):
    start = String(required=True)
    end = String(required=True)
    days = List(Nested(CalendarDaySchema), required=True)


class DeckDueSchema(Schema):
    deck_id = Integer(required=True)
    name = String(required=True)
    new = Integer(required=True)
    learning = Integer(required=True)
    review = Integer(required=True)


class StatsSchema(Schema):
    today = Nested(TodaySchema, required=True)
    reviews_per_day = List(Nested(DayReviewsSchema), required=True)
    forecast = List(Nested(ForecastDaySchema), required=True)
    intervals = Nested(IntervalsSchema, required=True)
    eases = Nested(EasesSchema, required=True)
    difficulty = Nested(DifficultySchema, metadata={"description": "FSRS difficulty"})
    hourly = List(Nested(HourSchema), required=True)
    retention = Nested(RetentionSchema, required=True)
    streak = Nested(StreakSchema, required=True)
    card_counts = Nested(CardCountsSchema, required=True)
    calendar = Nested(CalendarSchema, required=True)
    due_counts = List(Nested(DeckDueSchema), required=True)


@bp.get("")
@bp.input(StatsQuerySchema, location="query", arg_name="query")
@bp.output(StatsSchema)
@user_collection
def stats(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """Today's numbers, reviews per day, forecast, intervals, eases, hours, retention, streak,
    card counts and the calendar."""
    with handle.read() as col:
        return collection_stats(col, deck_id=query.get("deck_id"), days=query["days"])
