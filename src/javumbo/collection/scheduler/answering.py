"""Answering a card: the new state written to the card, one revlog row as Anki writes it, leech
handling, sibling burying; each answer is one step of the collection's undo
(``javumbo.collection.undo``), kept inside the collection file.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from javumbo.collection.cards import (
    CARD_COLUMNS,
    CARD_TYPE_NEW,
    QUEUE_DAY_LEARN,
    QUEUE_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
    Card,
    get_card,
)
from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler import deck_stats, fsrs_memory, fsrs_presets
from javumbo.collection.scheduler.card_state import (
    Moment,
    apply_state,
    current_state,
    memory_of,
    parse_card_data,
    updated_card_data,
)
from javumbo.collection.scheduler.deck_tree import options_for_preset
from javumbo.collection.scheduler.fuzz import (
    fuzz_factor,
    fuzz_seed,
    learning_fuzz_secs,
    round_half_away,
)
from javumbo.collection.scheduler.load_balancer import balance_context, follow_answer
from javumbo.collection.scheduler.options import SchedulingOptions, with_deck_overrides
from javumbo.collection.scheduler.queues import LAST_UNBURIED_KEY
from javumbo.collection.scheduler.states import (
    CardState,
    Interval,
    NextStates,
    RelearnState,
    ReviewState,
    StateContext,
    next_states,
)
from javumbo.collection.undo import NothingToUndoError, UndoStep, undo, undoable

ANSWER_LABEL = "Answer Card"
QUEUE_SCHED_BURIED = -2
QUEUE_USER_BURIED = -3
QUEUE_PREVIEW = 4
REVLOG_FILTERED = 3
LEECH_TAG = "leech"
_DAY = 86_400
_card_row = attrgetter(*CARD_COLUMNS)
_UPDATE_CARD = (
    "update cards set " + ", ".join(f"{c} = ?" for c in CARD_COLUMNS[1:]) + " where id = ?"
)


@dataclass(frozen=True)
class AnswerResult:
    card: Card
    revlog_id: int
    rating: int
    revlog_interval: int  # days, or negative seconds for learning steps
    leeched: bool
    buried_sibling_ids: tuple[int, ...]


def check_rating(rating: Any) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 4:
        raise ValidationError(
            f"rating must be 1 (again), 2 (hard), 3 (good) or 4 (easy), not {rating!r}"
        )
    return rating


def check_time_taken(time_ms: Any) -> int:
    if isinstance(time_ms, bool) or not isinstance(time_ms, int) or time_ms < 0:
        raise ValidationError(
            f"time taken must be a whole number of milliseconds >= 0, not {time_ms!r}"
        )
    return time_ms


def home_options(col: Collection, card: Card) -> SchedulingOptions:
    """The preset of the card's home deck (its original deck while in a filtered deck), with
    that deck's own desired retention when it has one, as Anki answers."""
    deck = col.decks.get(str(card.odid or card.did)) or {}
    return with_deck_overrides(options_for_preset(col, deck_preset_id(col, deck)), deck)


def fsrs_enabled(col: Collection) -> bool:
    """Anki's FSRS switch is collection-wide (``conf.fsrs``); parameters are per preset."""
    return bool(col.conf.get("fsrs", False))


def moment_now(col: Collection) -> Moment:
    timing = col.sched_timing()
    now = col.now_secs()
    return Moment(now, timing.days_elapsed, max(timing.next_day_at - now, 0))


def _last_review_secs(col: Collection, card: Card, data: dict[str, Any]) -> int | None:
    lrt = data.get("lrt")
    if isinstance(lrt, int) and lrt > 0:
        return lrt
    # Anki's time_of_last_review: answers only, cramming without rescheduling excluded
    row = col.db.execute(
        "select max(id) from revlog where cid = ? and ease between 1 and 4 "
        "and (type != 3 or factor != 0)",
        (card.id,),
    ).fetchone()
    return int(row[0]) // 1000 if row and row[0] else None


def _replayed_memory(
    col: Collection, card: Card, next_day_at: int
) -> fsrs_memory.MemoryState | None:
    """Anki gives a card without a memory state one from its review history (or its SM-2
    interval and ease) before answering it under FSRS."""
    deck = col.decks.get(str(card.odid or card.did)) or {}
    preset = fsrs_presets.fsrs_preset(col, deck_preset_id(col, deck))
    return fsrs_presets.card_memory(col, card.id, preset, next_day_at)


def state_context(
    col: Collection,
    card: Card,
    data: dict[str, Any],
    options: SchedulingOptions,
    moment: Moment,
) -> StateContext:
    seed = fuzz_seed(card.id, card.reps)
    factor = fuzz_factor(seed)
    balance = balance_context(col, card.odid or card.did, card.nid, options.bury_reviews, seed)
    if not fsrs_enabled(col):
        return StateContext(options, factor, balance=balance)
    memory = memory_of(data)
    next_day_at = moment.now + moment.secs_until_rollover
    if memory is None and card.type != CARD_TYPE_NEW:
        memory = _replayed_memory(col, card, next_day_at)
    last = _last_review_secs(col, card, data)
    days_elapsed = max((next_day_at - last) // _DAY, 0) if last is not None else 0
    fsrs_states = fsrs_memory.next_states(
        options.fsrs_params, options.desired_retention, memory, days_elapsed
    )
    return StateContext(options, factor, fsrs_states, balance)


def scheduling_states(col: Collection, card: Card) -> NextStates:
    options = home_options(col, card)
    moment = moment_now(col)
    data = parse_card_data(card.data)
    ctx = state_context(col, card, data, options, moment)
    return next_states(current_state(card, data, options, moment.today), ctx)


def _revlog_factor(chosen: CardState, use_fsrs: bool) -> int:
    if use_fsrs and chosen.memory is not None:
        return fsrs_memory.revlog_factor(chosen.memory)
    if isinstance(chosen, ReviewState):
        return round_half_away(chosen.ease_factor * 1000)
    if isinstance(chosen, RelearnState):
        return round_half_away(chosen.review.ease_factor * 1000)
    return 0


def unbury_if_new_day(col: Collection, today: int) -> dict[str, Any] | None:
    """On the first answer of a day, put cards buried on earlier days back in their queues
    (Anki's ``lastUnburied``). Returns the conf to save, or None when nothing is due."""
    if int(col.conf.get(LAST_UNBURIED_KEY, 0) or 0) >= today:
        return None
    col.db.execute(
        "update cards set mod = ?, usn = -1, queue = case type "
        f"when 0 then {QUEUE_NEW} when 2 then {QUEUE_REVIEW} else "
        f"(case when due > 1000000000 then {QUEUE_LEARN} else {QUEUE_DAY_LEARN} end) end "
        f"where queue in ({QUEUE_SCHED_BURIED}, {QUEUE_USER_BURIED})",
        (col.now_secs(),),
    )
    conf = dict(col.conf)
    conf[LAST_UNBURIED_KEY] = today
    return conf


def _bury_siblings(
    col: Collection, card: Card, options: SchedulingOptions, moment: Moment, step: UndoStep
) -> list[list[Any]]:
    if not options.any_burying:
        return []
    rows = col.db.execute(
        f"select {', '.join(CARD_COLUMNS)} from cards where nid = ? and id != ? and ("
        "(queue = 0 and ?) or (queue = 2 and due <= ? and ?) or (queue = 3 and due <= ? and ?))",
        (
            card.nid,
            card.id,
            options.bury_new,
            moment.today,
            options.bury_reviews,
            moment.today,
            options.bury_interday_learning,
        ),
    ).fetchall()
    if rows:
        step.cards_changing(int(r[0]) for r in rows)
        col.db.executemany(
            f"update cards set queue = {QUEUE_SCHED_BURIED}, mod = ?, usn = -1 where id = ?",
            [(moment.now, r[0]) for r in rows],
        )
    return [list(r) for r in rows]


def _tag_leech(col: Collection, nid: int) -> None:
    from javumbo.collection.notes import add_tags

    add_tags(col, [nid], [LEECH_TAG])


def answer(col: Collection, card_id: int, rating: int, time_ms: int) -> AnswerResult:
    check_rating(rating)
    check_time_taken(time_ms)
    if isinstance(card_id, bool) or not isinstance(card_id, int):
        raise ValidationError(f"card id must be an integer, not {card_id!r}")
    with undoable(col, ANSWER_LABEL, card_ids=[card_id], card_id=card_id) as step:
        moment = moment_now(col)
        conf = unbury_if_new_day(col, moment.today)
        if conf is not None:
            col.save_json("conf", conf)
        card = get_card(col, card_id)
        if card.queue < 0:
            what = "suspended" if card.queue == -1 else "buried"
            raise ValidationError(f"card {card_id} is {what} and cannot be answered")
        options = home_options(col, card)
        studied = (card.did, card.queue)  # Anki counts the answer by its deck and queue
        placed = (card.did, card.due)
        preview = preview_delays(col, card)
        if preview is not None:
            return _answer_preview(col, card, rating, time_ms, preview, options, moment, step)
        data = parse_card_data(card.data)
        ctx = state_context(col, card, data, options, moment)
        current = current_state(card, data, options, moment.today)
        chosen = next_states(current, ctx).for_rating(rating)
        seed = fuzz_seed(card.id, card.reps)
        apply_state(card, current, chosen, options, moment, seed)
        if card.odid:
            # still in a rescheduling filtered deck: Anki keeps the new due as ``odue``
            card.odue = card.due
        use_fsrs = ctx.fsrs is not None
        fsrs_data = (
            (options.desired_retention, fsrs_memory.decay_of(options.fsrs_params))
            if use_fsrs
            else None
        )
        # Anki's check database wants the last review time to be the second of the last
        # revlog id, which may be a second past ``moment.now`` (or pushed on by a taken id).
        revlog_id = col.new_id("revlog")
        card.data = updated_card_data(data, current, chosen, revlog_id // 1000, fsrs_data)
        card.mod = moment.now
        card.usn = -1
        col.db.execute(_UPDATE_CARD, (*_card_row(card)[1:], card.id))
        if ctx.balance is not None:
            follow_answer(
                col, ctx.balance.balancer, (card.id, card.nid), placed, (card.did, card.due)
            )

        ivl = chosen.interval.as_days_if_past_rollover(moment.secs_until_rollover)
        last = current.interval.as_days_if_past_rollover(moment.secs_until_rollover)
        taken = min(time_ms, options.cap_answer_secs * 1000)
        _count_studied(col, studied, taken, moment.today, step)
        col.db.execute(
            "insert into revlog values (?, ?, -1, ?, ?, ?, ?, ?, ?)",
            (
                revlog_id,
                card.id,
                rating,
                ivl.revlog_value(),
                last.revlog_value(),
                _revlog_factor(chosen, use_fsrs),
                taken,
                current.revlog_kind,
            ),
        )
        siblings = _bury_siblings(col, card, options, moment, step)
        if chosen.leeched:
            step.notes_changing([card.nid])
            _tag_leech(col, card.nid)
    return AnswerResult(
        card=card,
        revlog_id=revlog_id,
        rating=rating,
        revlog_interval=ivl.revlog_value(),
        leeched=chosen.leeched,
        buried_sibling_ids=tuple(int(r[0]) for r in siblings),
    )


def _count_studied(
    col: Collection, studied: tuple[int, int], taken_ms: int, today: int, step: UndoStep
) -> None:
    """Today's counters of the card's deck and its parents, for Anki's clients (our limits
    count from the revlog)."""
    deck_id, queue_before = studied
    delta = deck_stats.StudiedDelta.of_answer(queue_before, taken_ms)
    deck_stats.record_answer(col, deck_id, today, delta, step)


def preview_delays(col: Collection, card: Card) -> tuple[int, int, int, int] | None:
    """Seconds until the card comes back after again/hard/good/easy when it sits in a
    filtered deck that does not reschedule (0 = back to its home deck); None otherwise."""
    if not card.odid:
        return None
    deck = col.decks.get(str(card.did)) or {}
    if not deck.get("dyn") or deck.get("resched", True):
        return None
    return (
        int(deck.get("previewAgainSecs", 60) or 0),
        int(deck.get("previewHardSecs", 600) or 0),
        int(deck.get("previewGoodSecs", 0) or 0),
        0,
    )


def _answer_preview(
    col: Collection,
    card: Card,
    rating: int,
    time_ms: int,
    delays: tuple[int, int, int, int],
    options: SchedulingOptions,
    moment: Moment,
    step: UndoStep,
) -> AnswerResult:
    """Anki's ``apply_preview_state``: the card's scheduling is left alone (no reps, no last
    review time); it comes back after the button's delay, or goes home on a 0 delay."""
    taken = min(time_ms, options.cap_answer_secs * 1000)
    _count_studied(col, (card.did, card.queue), taken, moment.today, step)
    delay = delays[rating - 1]
    current = Interval(delays[0], False).as_days_if_past_rollover(moment.secs_until_rollover)
    chosen = Interval(delay, False).as_days_if_past_rollover(moment.secs_until_rollover)
    if delay == 0:
        from javumbo.collection.filtered_decks import return_cards_home

        return_cards_home(col, [card.id])
    else:
        seed = fuzz_seed(card.id, card.reps)
        col.db.execute(
            f"update cards set queue = {QUEUE_PREVIEW}, due = ?, mod = ?, usn = -1 where id = ?",
            (moment.now + learning_fuzz_secs(seed, delay), moment.now, card.id),
        )
    revlog_id = col.new_id("revlog")
    col.db.execute(
        "insert into revlog values (?, ?, -1, ?, ?, ?, 0, ?, ?)",
        (
            revlog_id,
            card.id,
            rating,
            chosen.revlog_value(),
            current.revlog_value(),
            taken,
            REVLOG_FILTERED,
        ),
    )
    siblings = _bury_siblings(col, card, options, moment, step)
    return AnswerResult(
        card=get_card(col, card.id),
        revlog_id=revlog_id,
        rating=rating,
        revlog_interval=chosen.revlog_value(),
        leeched=False,
        buried_sibling_ids=tuple(int(r[0]) for r in siblings),
    )


def undo_last_answer(col: Collection) -> int | None:
    """Undo the latest undoable step (an answer or an action, see ``collection.undo``); the
    card to show again, or None when there was nothing to undo."""
    try:
        return undo(col).card_id
    except NothingToUndoError:
        return None
