"""Studying: the next cards of a deck (rendered, with the four answer buttons' intervals), an
answer, and undo of the last answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, List, Nested, String
from apiflask.validators import OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.decks import CountsSchema
from javumbo.api.ids import ID_PATH, id_field
from javumbo.collection import Collection
from javumbo.collection.adding import set_current_deck
from javumbo.collection.card_actions import MARKED_TAG
from javumbo.collection.cards import Card
from javumbo.collection.deck_preset import deck_preset
from javumbo.collection.scheduler import Scheduler
from javumbo.collection.templates import render_card
from javumbo.collection.typed_answers import TypedAnswer

MAX_TIME_MS = 24 * 3600 * 1000
FLAG_MASK = 0b111  # Anki's user flag bits of cards.flags
_KIND_BY_QUEUE = {0: "new", 1: "learning", 3: "learning", 2: "review"}

bp = APIBlueprint("review", __name__, tag="Review", url_prefix="/api/review")


class QueueQuerySchema(Schema):
    limit = Integer(load_default=10, validate=[Range(min=1, max=100)])


class TypedAnswerSchema(Schema):
    field = String(required=True, metadata={"description": "the field the learner types"})
    expected = String(
        required=True,
        metadata={"description": "the text compared with what was typed: the field as text"},
    )
    combining = Boolean(
        required=True,
        metadata={"description": "false for {{type:nc:…}}: accents are ignored when comparing"},
    )


class AudioSchema(Schema):
    autoplay = Boolean(
        required=True, metadata={"description": "the preset plays a side's sounds when shown"}
    )
    replay_question = Boolean(
        required=True,
        metadata={"description": "the answer side replays the question's sounds too (replayq)"},
    )


class TimerSchema(Schema):
    show = Boolean(required=True, metadata={"description": "show the answer timer (timer)"})
    stop_on_answer = Boolean(
        required=True, metadata={"description": "the timer stops when the answer is shown"}
    )
    max_secs = Integer(
        required=True,
        metadata={"description": "the time counted for an answer is capped here (maxTaken)"},
    )


class AutoAdvanceSchema(Schema):
    question_secs = Float(
        required=True,
        metadata={"description": "seconds before the question action runs (0 = never)"},
    )
    answer_secs = Float(
        required=True,
        metadata={"description": "seconds before the answer action runs (0 = never)"},
    )
    wait_for_audio = Boolean(required=True)
    question_action = Integer(
        required=True, metadata={"description": "0 show answer, 1 show reminder"}
    )
    answer_action = Integer(
        required=True,
        metadata={"description": "0 bury card, 1 answer again, 2 good, 3 hard, 4 show reminder"},
    )


class ReviewCardSchema(Schema):
    card_id = Integer(required=True)
    note_id = Integer(required=True)
    deck_id = Integer(required=True)
    home_deck_id = Integer(
        required=True,
        metadata={
            "description": "the deck whose preset the card follows (odid in a filtered deck)"
        },
    )
    question = String(required=True, metadata={"description": "rendered question HTML"})
    answer = String(required=True, metadata={"description": "rendered answer HTML"})
    css = String(required=True)
    intervals = List(
        String(), required=True, metadata={"description": "labels for again, hard, good, easy"}
    )
    interval_seconds = List(Integer(), required=True)
    queue = Integer(required=True)
    kind = String(
        required=True,
        validate=[OneOf(["new", "learning", "review"])],
        metadata={"description": "new, learning or review"},
    )
    audio = Nested(AudioSchema, required=True)
    timer = Nested(TimerSchema, required=True)
    auto_advance = Nested(AutoAdvanceSchema, required=True)
    flag = Integer(
        required=True, metadata={"description": "the card's flag 0-7 (0 none, 1 red ... 7 purple)"}
    )
    marked = Boolean(required=True, metadata={"description": "the note has the 'marked' tag"})
    typed_answer = Nested(
        TypedAnswerSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "set when the card asks for the answer to be typed ({{type:…}}): "
            'the question and answer then hold <span class="javumbo-typeans"></span> where '
            "the answer box and the comparison go"
        },
    )


class QueueSchema(Schema):
    cards = List(Nested(ReviewCardSchema), required=True)
    counts = Nested(CountsSchema, required=True)


class AnswerSchema(Schema):
    card_id = id_field(required=True)
    rating = Integer(
        required=True,
        strict=True,
        validate=[Range(min=1, max=4)],
        metadata={"description": "1 again, 2 hard, 3 good, 4 easy"},
    )
    time_ms = Integer(
        load_default=0,
        strict=True,
        validate=[Range(min=0, max=MAX_TIME_MS)],
        metadata={"description": "time taken to answer, in milliseconds"},
    )


class AnsweredSchema(Schema):
    success = Boolean(required=True)
    card_id = Integer(required=True)
    rating = Integer(required=True)
    revlog_id = Integer(required=True)
    queue = Integer(required=True)
    type = Integer(required=True)
    due = Integer(required=True)
    ivl = Integer(required=True, metadata={"description": "interval: days (review cards)"})
    leeched = Boolean(required=True)


class UndoneSchema(Schema):
    card_id = Integer(allow_none=True, required=True)


def _review_card(col: Collection, scheduler: Scheduler, card: Card) -> dict[str, Any]:
    rendered = render_card(col, card)
    seconds = scheduler.next_intervals(card)
    collapse_labels = scheduler.labels_of(seconds)
    return {
        "card_id": card.id,
        "note_id": card.nid,
        "deck_id": card.did,
        "home_deck_id": card.odid or card.did,
        "question": rendered.question,
        "answer": rendered.answer,
        "css": rendered.css,
        "intervals": collapse_labels,
        "interval_seconds": seconds,
        "queue": card.queue,
        "kind": _KIND_BY_QUEUE.get(card.queue, "learning"),
        "typed_answer": _typed_answer(rendered.typed_answer),
        "flag": card.flags & FLAG_MASK,
        "marked": _is_marked(col, card.nid),
        **_display_options(col, card),
    }


def _is_marked(col: Collection, note_id: int) -> bool:
    row = col.db.execute("select tags from notes where id = ?", (note_id,)).fetchone()
    return row is not None and MARKED_TAG in str(row[0]).lower().split()


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _display_options(col: Collection, card: Card) -> dict[str, dict[str, Any]]:
    """The home deck's preset's options for the review screen, as Anki's reviewer reads them
    (``config_dict_for_deck_id(card.current_deck_id())``): audio, timer, auto advance."""
    deck = col.decks.get(str(card.odid or card.did)) or {}
    preset = deck_preset(col, deck)
    return {
        "audio": {
            "autoplay": bool(preset.get("autoplay", True)),
            "replay_question": bool(preset.get("replayq", True)),
        },
        "timer": {
            "show": bool(preset.get("timer", 0)),
            "stop_on_answer": bool(preset.get("stopTimerOnAnswer", False)),
            "max_secs": int(_number(preset.get("maxTaken"), 60)),
        },
        "auto_advance": {
            "question_secs": _number(preset.get("secondsToShowQuestion"), 0.0),
            "answer_secs": _number(preset.get("secondsToShowAnswer"), 0.0),
            "wait_for_audio": bool(preset.get("waitForAudio", True)),
            "question_action": int(_number(preset.get("questionAction"), 0)),
            "answer_action": int(_number(preset.get("answerAction"), 0)),
        },
    }


def _typed_answer(typed: TypedAnswer | None) -> dict[str, Any] | None:
    if typed is None:
        return None
    return {"field": typed.field, "expected": typed.expected, "combining": typed.combining}


@bp.get(f"/<{ID_PATH}:deck_id>")
@bp.input(QueueQuerySchema, location="query", arg_name="query")
@bp.output(QueueSchema)
@user_collection
def next_cards(handle: CollectionHandle, deck_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """The next cards to study in a deck and its subdecks, in Anki's order. Studying a deck
    makes it the current deck, the one the Add screen starts on (a write only on a change)."""
    with handle.read() as col:
        scheduler = Scheduler(col)
        cards = scheduler.next_cards(deck_id, limit=query["limit"])
        counts = scheduler.due_counts(deck_id)
        studied = {
            "cards": [_review_card(col, scheduler, card) for card in cards],
            "counts": {"new": counts.new, "learning": counts.learning, "review": counts.review},
        }
        current = col.conf.get("curDeck")
    if current != deck_id:
        handle.write(lambda col: set_current_deck(col, deck_id))
    return studied


@bp.post("")
@bp.input(AnswerSchema, arg_name="body")
@bp.output(AnsweredSchema)
@user_collection
def answer(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Answer a card; the review is journaled before this returns."""

    def run(col: Collection) -> dict[str, Any]:
        result = Scheduler(col).answer_card(body["card_id"], body["rating"], body["time_ms"])
        card = result.card
        return {
            "success": True,
            "card_id": card.id,
            "rating": result.rating,
            "revlog_id": result.revlog_id,
            "queue": card.queue,
            "type": card.type,
            "due": card.due,
            "ivl": card.ivl,
            "leeched": result.leeched,
        }

    return handle.write(run)


@bp.post("/undo")
@bp.output(UndoneSchema)
@user_collection
def undo(handle: CollectionHandle) -> dict[str, Any]:
    """Undo the latest step (an answer or an action, as POST /api/undo); ``card_id`` is the
    card to show again, null when there was nothing to undo or the step had no card."""
    return handle.write(lambda col: {"card_id": Scheduler(col).undo_last_answer()})
