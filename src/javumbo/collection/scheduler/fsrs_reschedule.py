"""What Anki does to a preset's cards when its FSRS settings change (rslib
``fsrs/memory_state.rs``: ``update_memory_state``): every card that is not new gets its memory
state recomputed from its history with the new parameters, plus the preset's desired retention
and decay; with "reschedule cards on change", review cards also get a new due date from their
new stability (through the load balancer when it is on, else fuzzed as Anki fuzzes a
reschedule) and a "Rescheduled" revlog entry. With FSRS off, the FSRS keys are removed from
the cards' data instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset_id
from javumbo.collection.errors import ValidationError
from javumbo.collection.scheduler.fsrs_items import (
    DAY_SECS,
    RevlogEntry,
    by_card,
    reviews_for_fsrs,
)
from javumbo.collection.scheduler.fsrs_memory import (
    CardHistory,
    MemoryState,
    decay_of,
    memory_for_card,
    next_interval,
    stored_float,
    valid_parameters,
)
from javumbo.collection.scheduler.fsrs_presets import (
    fsrs_enabled,
    fsrs_preset,
    ignore_before_ms,
    preset_card_ids,
    preset_conf,
    preset_deck_ids,
    revlog_rows,
)
from javumbo.collection.scheduler.fsrs_rescheduler import Rescheduler
from javumbo.collection.scheduler.fuzz import f32, fuzz_factor, fuzz_seed, with_review_fuzz
from javumbo.collection.scheduler.options import (
    deck_desired_retention,
    option_number,
    option_numbers,
    preset_fsrs_params,
)
from javumbo.collection.scheduler.states import minimum_review_fuzz_interval
from javumbo.collection.search.parser import parse

CARD_TYPE_REVIEW = 2
QUEUE_SUSPENDED = -1
REVLOG_RESCHEDULED = 5
_FSRS_KEYS = ("s", "d", "dr", "decay")
_DATA_KEY_ORDER = ("pos", "s", "d", "dr", "decay", "lrt")
FSRS_RESCHEDULE_DESCRIPTION = (
    "Anki's 'Reschedule cards on change': with FSRS on, review cards whose memory states "
    "this change updates get due dates from them"
)


@dataclass(frozen=True)
class MemoryUpdate:
    cards: int  # cards whose FSRS data was rewritten
    rescheduled: int  # review cards given a new due date


def _last_review(entries: list[RevlogEntry]) -> tuple[int | None, int | None]:
    """Anki's ``get_last_revlog_info``: (seconds of the last answer, interval before it)."""
    last_at: int | None = None
    previous: int | None = None
    for entry in entries:
        if entry.affects_scheduling:
            last_at = entry.id // 1000
            previous = (
                entry.last_interval
                if entry.last_interval >= 0 and entry.button_chosen > 1
                else None
            )
        elif entry.is_reset:
            last_at, previous = None, None
    return last_at, previous


def _data_with(
    data: dict[str, Any], memory: MemoryState | None, dr: float | None, decay: float | None
) -> str:
    merged = {k: v for k, v in data.items() if k not in _FSRS_KEYS}
    if memory is not None:
        merged["s"] = stored_float(memory.stability, 4)
        merged["d"] = stored_float(memory.difficulty, 3)
    if dr is not None and decay is not None:
        merged["dr"] = stored_float(dr, 2)
        merged["decay"] = stored_float(decay, 3)
    ordered = {k: merged[k] for k in _DATA_KEY_ORDER if k in merged}
    ordered.update((k, v) for k, v in merged.items() if k not in ordered)
    return json.dumps(ordered, separators=(",", ":")) if ordered else ""


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _balancing_order(
    card_ids: list[int],
    revlog: dict[int, list[RevlogEntry]],
    next_day_at: int,
    ignore_before_ms: int,
) -> list[int]:
    """The order Anki updates (and so load-balances) cards in: by the length of their
    memory-state item (Anki sorts the items by it, with Rust's unstable sort: equal lengths
    keep card order up to 20 cards, the length Rust sorts by insertion; beyond that Anki's
    order among equal lengths is its sort's own)."""

    def length(cid: int) -> int:
        reviews = reviews_for_fsrs(revlog.get(cid, []), next_day_at, False, ignore_before_ms)
        if reviews is None:
            return 0
        size = len(reviews.items[-1][1].reviews)
        return size if reviews.complete else size - 1

    return sorted(card_ids, key=length)


def update_memory_states(
    col: Collection, preset_id: int, *, reschedule: bool, deck_ids: list[int] | None = None
) -> MemoryUpdate:
    """Recompute (or, with FSRS off, clear) the FSRS data of the preset's cards (of
    ``deck_ids`` only, when given: decks using the preset); one transaction."""
    preset = fsrs_preset(col, preset_id)
    card_ids = preset_card_ids(col, preset_id, include_new=False, deck_ids=deck_ids)
    enabled = fsrs_enabled(col)
    timing = col.sched_timing()
    revlog = dict(by_card(revlog_rows(col, card_ids)))
    deck_retention = {
        did: own
        for did in preset_deck_ids(col, preset_id)
        if (own := deck_desired_retention(col.decks[str(did)])) is not None
    }
    decay = decay_of(preset.params)
    rescheduled = 0
    touched = 0
    now_secs = col.now_secs()
    balancer = Rescheduler.for_collection(col) if reschedule and enabled else None
    with col.transaction():
        order = (
            _balancing_order(card_ids, revlog, timing.next_day_at, preset.ignore_before_ms)
            if balancer is not None
            else card_ids
        )
        for cid in order:
            row = col.db.execute(
                "select did, odid, type, queue, ivl, factor, reps, due, odue, data "
                "from cards where id = ?",
                (cid,),
            ).fetchone()
            did, odid, ctype, queue, ivl, factor, reps, due, odue, data_text = row
            data = _parse(data_text)
            entries = revlog.get(cid, [])
            if not entries:  # Anki's search goes through the review log: such cards are left
                continue
            touched += 1
            if not enabled:
                text = _data_with(data, None, None, None)
                col.db.execute(
                    "update cards set data = ?, mod = ?, usn = -1 where id = ?",
                    (text, now_secs, cid),
                )
                continue
            history = CardHistory(entries, False, int(ivl), int(factor))
            memory = memory_for_card(
                preset.params,
                history,
                timing.next_day_at,
                preset.historical_retention,
                preset.ignore_before_ms,
                sm2_fallback=False,
            )
            dr = deck_retention.get(int(odid or did), preset.desired_retention)
            new_ivl, new_due, new_odue = ivl, due, odue
            last_at, previous = _last_review(entries)
            if (
                reschedule
                and memory is not None
                and last_at is not None
                and ctype == CARD_TYPE_REVIEW
                and queue != QUEUE_SUSPENDED
            ):
                days_elapsed = max((timing.next_day_at - last_at) // DAY_SECS, 0)
                interval = next_interval(preset.params, memory.stability, dr)
                minimum = max(
                    minimum_review_fuzz_interval(interval, previous or 0, preset.maximum_interval),
                    1,
                )
                seed = fuzz_seed(cid, max(int(reps) - 1, 0))
                balanced = (
                    balancer.find_interval(
                        interval, minimum, preset.maximum_interval, days_elapsed, preset_id, seed
                    )
                    if balancer is not None
                    else None
                )
                new_ivl = (
                    balanced
                    if balanced is not None
                    else with_review_fuzz(
                        fuzz_factor(seed), interval, minimum, preset.maximum_interval
                    )
                )
                target = timing.days_elapsed - days_elapsed + new_ivl
                if balancer is not None:
                    balancer.moved(int(odue or due), target, preset_id)
                if odue:
                    new_odue = target
                else:
                    new_due = target
                shifted = f32(f32(f32(memory.difficulty) - 1.0) / 9.0) + 0.1
                revlog_factor = int(f32(f32(shifted) * 1000.0))
                col.db.execute(
                    "insert into revlog values (?, ?, -1, 0, ?, ?, ?, 0, ?)",
                    (
                        col.new_id("revlog"),
                        cid,
                        new_ivl,
                        int(ivl),
                        revlog_factor,
                        REVLOG_RESCHEDULED,
                    ),
                )
                rescheduled += 1
            text = _data_with(data, memory, dr, decay)
            col.db.execute(
                "update cards set data = ?, ivl = ?, due = ?, odue = ?, mod = ?, usn = -1 "
                "where id = ?",
                (text, new_ivl, new_due, new_odue, now_secs, cid),
            )
    return MemoryUpdate(cards=touched, rescheduled=rescheduled)


def _params_keys(params: list[float]) -> dict[str, list[float]]:
    """Anki keeps one list per FSRS generation and uses the newest non-empty one."""
    lists: dict[str, list[float]] = {"fsrsParams6": [], "fsrsParams5": [], "fsrsWeights": []}
    key = {21: "fsrsParams6", 19: "fsrsParams5", 17: "fsrsWeights"}.get(len(params))
    if key is not None:
        lists[key] = list(params)
    return lists


@dataclass(frozen=True)
class DeckFsrs:
    """What a normal deck's cards' memory states follow from (Anki compares these per deck
    before and after saving options)."""

    preset_id: int
    params: tuple[float, ...]
    desired_retention: float  # the deck's own, else its preset's
    easy_days: tuple[float, ...]


@dataclass(frozen=True)
class FsrsSnapshot:
    enabled: bool
    decks: dict[int, DeckFsrs]


def fsrs_snapshot(col: Collection) -> FsrsSnapshot:
    """The FSRS switch and each normal deck's preset, parameters and desired retention."""
    decks: dict[int, DeckFsrs] = {}
    for key, deck in col.decks.items():
        if deck.get("dyn"):
            continue
        preset_id = deck_preset_id(col, deck)
        conf = col.dconf[str(preset_id)]
        own = deck_desired_retention(deck)
        decks[int(key)] = DeckFsrs(
            preset_id=preset_id,
            params=preset_fsrs_params(conf),
            desired_retention=(
                own if own is not None else option_number(conf.get("desiredRetention"), 0.9)
            ),
            easy_days=tuple(option_numbers(conf.get("easyDaysPercentages"), [])),
        )
    return FsrsSnapshot(enabled=fsrs_enabled(col), decks=decks)


def follow_options_change(
    col: Collection, before: FsrsSnapshot, *, reschedule: bool
) -> MemoryUpdate:
    """After presets, decks' presets or the FSRS switch changed: update the memory states of
    the decks whose FSRS inputs changed, as Anki's ``update_deck_configs`` does (every deck
    when FSRS was switched; a deck whose parameters or desired retention changed, or whose
    easy days changed when rescheduling); call inside the same transaction."""
    after = fsrs_snapshot(col)
    toggled = after.enabled != before.enabled
    by_preset: dict[int, list[int]] = {}
    for did, now in after.decks.items():
        was = before.decks.get(did)
        if (
            toggled
            or was is None
            or was.params != now.params
            or was.desired_retention != now.desired_retention
            or (reschedule and was.easy_days != now.easy_days)
        ):
            by_preset.setdefault(now.preset_id, []).append(did)
    total = MemoryUpdate(0, 0)
    for preset_id, deck_ids in sorted(by_preset.items()):
        done = update_memory_states(col, preset_id, reschedule=reschedule, deck_ids=deck_ids)
        total = MemoryUpdate(total.cards + done.cards, total.rescheduled + done.rescheduled)
    return total


def save_fsrs_settings(
    col: Collection, preset_id: int, changes: dict[str, Any], *, reschedule: bool
) -> MemoryUpdate:
    """Save a preset's FSRS settings (and the collection's FSRS switch) as Anki's deck options
    do, then update the cards' memory states where Anki would (:func:`follow_options_change`)."""
    conf = dict(preset_conf(col, preset_id))
    if "params" in changes:
        params = [float(p) for p in changes["params"]]
        if not valid_parameters(params):
            raise ValidationError(
                "FSRS parameters must be empty or 17, 19 or 21 numbers fsrs-rs accepts"
            )
        conf.update(_params_keys(params))
    if "desired_retention" in changes:
        conf["desiredRetention"] = float(changes["desired_retention"])
    if "historical_retention" in changes:
        conf["sm2Retention"] = float(changes["historical_retention"])
    if "ignore_revlogs_before_date" in changes:
        date = str(changes["ignore_revlogs_before_date"])
        ignore_before_ms(date)  # refuses a malformed date
        conf["ignoreRevlogsBeforeDate"] = date
    if "param_search" in changes:
        search = str(changes["param_search"])
        if search:
            parse(search)  # refuses a search Anki would not run
        conf["weightSearch"] = search
    with col.transaction():
        before = fsrs_snapshot(col)
        if "enabled" in changes and bool(changes["enabled"]) != before.enabled:
            col.save_json("conf", {**col.conf, "fsrs": bool(changes["enabled"])})
        conf["mod"] = col.now_secs()
        conf["usn"] = -1
        col.save_json("dconf", {**col.dconf, str(preset_id): conf})
        return follow_options_change(col, before, reschedule=reschedule)
