"""What a learner does to cards while reviewing or in the browser, exactly as Anki does it:
bury and unbury (cards, notes, a deck), forget (reset to new), set due date, reposition new
cards and toggle the "marked" tag. Each is one undoable step (``javumbo.collection.undo``).

The rules follow Anki's Rust scheduler (``rslib/src/scheduler``: bury_and_suspend, new,
reviews), checked against the ``anki`` package on the same collection in the tests.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from javumbo.collection.browser.reposition_choice import (
    REPOSITION_KEYS,
    remember_reposition_choice,
)
from javumbo.collection.cards import (
    CARD_COLUMNS,
    CARD_TYPE_NEW,
    CARD_TYPE_RELEARN,
    CARD_TYPE_REVIEW,
    QUEUE_NEW,
    QUEUE_REVIEW,
    QUEUE_SUSPENDED,
    Card,
    chunks,
    placeholders,
    unsuspend_cards,
)
from javumbo.collection.collection import Collection
from javumbo.collection.decks import child_deck_ids, config_for_deck
from javumbo.collection.dialog_choices import (
    ForgetChoice,
    due_days_key,
    forget_keys,
    remember_due_days,
    remember_forget_choice,
)
from javumbo.collection.errors import NotFoundError, ValidationError
from javumbo.collection.notes import add_tags, remove_tags
from javumbo.collection.scheduler.answering import (
    QUEUE_SCHED_BURIED,
    QUEUE_USER_BURIED,
    moment_now,
    unbury_if_new_day,
)
from javumbo.collection.scheduler.card_state import parse_card_data
from javumbo.collection.undo import undoable

MARKED_TAG = "marked"
REVLOG_MANUAL = 4
MAX_DUE_DAYS = 100_000  # Anki's day spec is a u32; far past any real schedule
MAX_POSITION = 1_000_000_000  # new-card positions stay below learning timestamps
UNBURY_MODES = ("all", "user", "sched")
# Anki's CardData field order (original position, FSRS memory, desired retention, decay,
# last review time, custom data), so the rows we write read back as Anki's.
_DATA_ORDER = ("pos", "s", "d", "dr", "decay", "lrt", "cd")
_DUE_SPEC = re.compile(r"^(?P<min>\d+)(?:-(?P<max>\d+))?(?P<bang>!)?$")
_SELECT = f"select {', '.join(CARD_COLUMNS)} from cards"
_UPDATE = "update cards set " + ", ".join(f"{c} = ?" for c in CARD_COLUMNS[1:]) + " where id = ?"


@dataclass(frozen=True)
class DueSpec:
    """Anki's set-due-date text: ``"0"`` today, ``"1-7"`` a random day in a range, a trailing
    ``!`` also sets the interval to the new delay."""

    min_days: int
    max_days: int
    reset_interval: bool


def parse_due_spec(text: str) -> DueSpec:
    match = _DUE_SPEC.match(text)
    if match is None:
        raise ValidationError(
            f"due date {text!r} is not a number of days (0 = today), a range such as 1-7, "
            "or one of those followed by ! to also set the interval"
        )
    low = int(match["min"])
    high = int(match["max"]) if match["max"] is not None else low
    if max(low, high) > MAX_DUE_DAYS:
        raise ValidationError(f"a due date can be at most {MAX_DUE_DAYS} days away")
    return DueSpec(min(low, high), max(low, high), match["bang"] is not None)


# ----------------------------------------------------------------- reading cards


def cards_by_id(col: Collection, card_ids: Iterable[int]) -> list[Card]:
    """The cards, in the order given (duplicates dropped); 404 if any does not exist."""
    wanted = list(dict.fromkeys(int(c) for c in card_ids))
    found: dict[int, Card] = {}
    for batch in chunks(wanted):
        for row in col.db.execute(f"{_SELECT} where id in ({placeholders(batch)})", batch):
            found[int(row[0])] = Card.from_row(row)
    missing = [c for c in wanted if c not in found]
    if missing:
        shown = ", ".join(str(c) for c in missing[:5])
        raise NotFoundError(
            f"no card with id {shown}" + (" (and more)" if len(missing) > 5 else "")
        )
    return [found[c] for c in wanted]


def note_ids_of(cards: Sequence[Card]) -> list[int]:
    return list(dict.fromkeys(c.nid for c in cards))


def cards_of_notes(col: Collection, note_ids: Sequence[int]) -> list[int]:
    """Every card of these notes (Anki's "bury note" / "suspend note" act on all of them)."""
    out: list[int] = []
    for batch in chunks(note_ids):
        out += [
            int(r[0])
            for r in col.db.execute(
                f"select id from cards where nid in ({placeholders(batch)}) order by nid, ord",
                batch,
            )
        ]
    return out


def _write(col: Collection, card: Card) -> None:
    card.mod = col.now_secs()
    card.usn = -1
    col.db.execute(_UPDATE, (*card.as_row()[1:], card.id))


def _data_text(data: dict[str, Any]) -> str:
    ordered = {k: data[k] for k in _DATA_ORDER if k in data}
    ordered.update((k, v) for k, v in data.items() if k not in ordered)
    return json.dumps(ordered, separators=(",", ":"))


def _last_position(card: Card, data: dict[str, Any]) -> int | None:
    """Anki's ``Card::last_position``: a new card's place in the new queue, else the position
    it had before it was first studied (kept in ``data.pos``)."""
    if card.type == CARD_TYPE_NEW:
        return card.odue if card.odid else card.due
    pos = data.get("pos")
    return pos if isinstance(pos, int) and not isinstance(pos, bool) else None


def _leave_filtered_deck(card: Card) -> None:
    """Rescheduling by hand sends a card home from a filtered deck (Anki does the same)."""
    if card.odid:
        card.did = card.odid
        card.odid = 0
        card.odue = 0


def _log_manual(col: Collection, card: Card, last_ivl: int) -> None:
    """Anki's revlog row for a rescheduling by hand (type Manual, no button, no time)."""
    col.db.execute(
        "insert into revlog values (?, ?, -1, 0, ?, ?, ?, 0, ?)",
        (col.new_id("revlog"), card.id, card.ivl, last_ivl, card.factor, REVLOG_MANUAL),
    )


def _unbury_stale(col: Collection) -> None:
    """Write the day's unburying before burying anew, or today's burials would count as
    yesterday's (the queues treat stale burials as gone until the first answer)."""
    conf = unbury_if_new_day(col, moment_now(col).today)
    if conf is not None:
        col.save_json("conf", conf)


# ----------------------------------------------------------------- bury, suspend


def bury_cards(
    col: Collection,
    card_ids: Sequence[int],
    *,
    label: str = "Bury",
    card_id: int | None = None,
) -> int:
    """Bury by hand (queue -3) until the next day; suspended cards stay suspended. Returns
    how many cards changed. ``card_id``: the card acted on (the reviewer's card when its whole
    note is buried), shown again on undo."""
    cards = cards_by_id(col, card_ids)
    with undoable(col, label, card_ids=[c.id for c in cards], card_id=card_id):
        _unbury_stale(col)
        changed = 0
        for card in cards_by_id(col, card_ids):
            if card.queue in (QUEUE_USER_BURIED, QUEUE_SUSPENDED):
                continue
            card.queue = QUEUE_USER_BURIED
            _write(col, card)
            changed += 1
        if changed:
            col.touch()
    return changed


def suspend_cards(
    col: Collection,
    card_ids: Sequence[int],
    *,
    label: str = "Suspend",
    card_id: int | None = None,
) -> int:
    """Suspend; ``card_id`` as for ``bury_cards``."""
    cards = cards_by_id(col, card_ids)
    with undoable(col, label, card_ids=[c.id for c in cards], card_id=card_id):
        changed = 0
        for card in cards:
            if card.queue == QUEUE_SUSPENDED:
                continue
            card.queue = QUEUE_SUSPENDED
            _write(col, card)
            changed += 1
        if changed:
            col.touch()
    return changed


def unbury_cards(col: Collection, card_ids: Sequence[int], *, label: str = "Unbury") -> int:
    """Put buried (and, as Anki's unbury does, suspended) cards back in their queue."""
    cards = cards_by_id(col, card_ids)
    changed = [c.id for c in cards if c.queue < 0]
    with undoable(col, label, card_ids=changed):
        if changed:
            unsuspend_cards(col, changed)
    return len(changed)


def unbury_deck(col: Collection, deck_id: int, mode: str = "all") -> int:
    """Anki's "Unbury" on a deck (and its subdecks): by-hand burials, the scheduler's
    sibling burials, or both."""
    if mode not in UNBURY_MODES:
        raise ValidationError(f"unbury mode must be one of {', '.join(UNBURY_MODES)}")
    queues = {
        "all": (QUEUE_USER_BURIED, QUEUE_SCHED_BURIED),
        "user": (QUEUE_USER_BURIED,),
        "sched": (QUEUE_SCHED_BURIED,),
    }[mode]
    dids = child_deck_ids(col, deck_id)
    found: list[int] = []
    for batch in chunks(dids):
        found += [
            int(r[0])
            for r in col.db.execute(
                f"select id from cards where queue in ({placeholders(queues)}) and "
                f"did in ({placeholders(batch)})",
                (*queues, *batch),
            )
        ]
    with undoable(col, "Unbury", card_ids=found):
        if found:
            unsuspend_cards(col, found)
    return len(found)


# ----------------------------------------------------------------- forget


def forget_cards(
    col: Collection,
    card_ids: Sequence[int],
    *,
    restore_position: bool = True,
    reset_counts: bool = False,
    remember: str | None = None,
) -> int:
    """Anki's "Reset" (forget): back to new, at the position the card had before it was
    first studied when ``restore_position`` (else at the end of the new queue), review and
    lapse counts zeroed when ``reset_counts``. Logs a Manual revlog row per card.
    ``remember`` ("reviewer"/"browser"): keep the options for that dialog, within the step."""
    cards = cards_by_id(col, card_ids)
    with undoable(col, "Forget", card_ids=[c.id for c in cards]) as step:
        step.config_changing(["nextPos", *(forget_keys(remember) if remember else ())])
        if remember:
            remember_forget_choice(col, remember, ForgetChoice(restore_position, reset_counts))
        position = col.conf_int("nextPos", 1) or 1
        next_position = position
        for card in cards:
            data = parse_card_data(card.data)
            last_ivl = card.ivl
            restored = _last_position(card, data) if restore_position else None
            _leave_filtered_deck(card)
            if restored is None:
                restored = next_position
                next_position += 1
            card.due = restored
            card.type = CARD_TYPE_NEW
            card.queue = QUEUE_NEW
            card.ivl = 0
            card.factor = 0
            if reset_counts:
                card.reps = 0
                card.lapses = 0
            for key in ("pos", "s", "d"):
                data.pop(key, None)
            card.data = _data_text(data) if data or card.data else card.data
            _write(col, card)
            _log_manual(col, card, last_ivl)
        if next_position != position:
            conf = dict(col.conf)
            conf["nextPos"] = next_position
            col.save_json("conf", conf)
        col.touch()
    return len(cards)


# ----------------------------------------------------------------- set due date


def set_due_date(
    col: Collection,
    card_ids: Sequence[int],
    days: str,
    rng: random.Random | None = None,
    *,
    remember: str | None = None,
) -> int:
    """Anki's "Set Due Date": each card becomes a review card due in a day of ``days`` (see
    ``DueSpec``); new and learning cards get that delay as interval, review cards keep theirs
    unless the spec ends with ``!``. Logs a Manual revlog row per card. ``remember``
    ("reviewer"/"browser"): keep ``days`` for that dialog, within the step."""
    spec = parse_due_spec(days)
    cards = cards_by_id(col, card_ids)
    pick = rng or random.Random()
    with undoable(col, "Set Due Date", card_ids=[c.id for c in cards]) as step:
        if remember:
            step.config_changing([due_days_key(remember)])
            remember_due_days(col, remember, days.strip())
        today = moment_now(col).today
        eases: dict[int, int] = {}
        for card in cards:
            home = card.odid or card.did
            if home not in eases:
                eases[home] = _initial_ease(col, home)
            data = parse_card_data(card.data)
            last_ivl = card.ivl
            delay = pick.randint(spec.min_days, spec.max_days)
            keeps = card.type in (CARD_TYPE_REVIEW, CARD_TYPE_RELEARN) and not spec.reset_interval
            interval = card.ivl if keeps else delay
            position = _last_position(card, data)
            if position is None:
                data.pop("pos", None)
            else:
                data["pos"] = position
            _leave_filtered_deck(card)
            card.ivl = max(interval, 1)
            card.due = today + delay
            card.type = CARD_TYPE_REVIEW
            card.queue = QUEUE_REVIEW
            if card.factor == 0:
                card.factor = eases[home]
            card.data = _data_text(data)
            _write(col, card)
            _log_manual(col, card, last_ivl)
        col.touch()
    return len(cards)


def _initial_ease(col: Collection, deck_id: int) -> int:
    deck = col.decks.get(str(deck_id))
    if deck is None or deck.get("dyn"):
        raise ValidationError(f"card's home deck {deck_id} is missing or filtered")
    ease = config_for_deck(col, deck_id).get("new", {}).get("initialFactor", 2500)
    return int(ease)


# ----------------------------------------------------------------- reposition


def reposition_new_cards(
    col: Collection,
    card_ids: Sequence[int],
    *,
    start: int = 0,
    step: int = 1,
    randomize: bool = False,
    shift: bool = False,
    rng: random.Random | None = None,
) -> int:
    """Anki's "Reposition" of new cards: notes numbered from ``start`` by ``step`` in the
    order given (or shuffled), siblings sharing a position; ``shift`` first moves every new
    card at or after ``start`` back to make room. Cards that are not new are left alone (they
    still take a number, as in Anki). Returns how many cards moved."""
    for name, value, low in (("start", start, 0), ("step", step, 1)):
        if not low <= value <= MAX_POSITION:
            raise ValidationError(f"{name} must be from {low} to {MAX_POSITION}")
    cards = cards_by_id(col, card_ids)
    nids = note_ids_of(cards)
    if randomize:
        (rng or random.Random()).shuffle(nids)
    if start + step * len(nids) > MAX_POSITION:
        raise ValidationError(f"new-card positions must stay below {MAX_POSITION}")
    positions = {nid: start + i * step for i, nid in enumerate(nids)}
    with undoable(col, "Reposition", card_ids=[c.id for c in cards]) as step_record:
        if shift:
            _shift_new_cards(col, start, step * len(cards), step_record)
        moved = 0
        for card in cards_by_id(col, card_ids):
            if card.type != CARD_TYPE_NEW:
                continue
            if card.odid:
                card.odue = positions[card.nid]
            else:
                card.due = positions[card.nid]
            _write(col, card)
            moved += 1
        step_record.config_changing(REPOSITION_KEYS)
        remember_reposition_choice(col, randomize=randomize, shift=shift)
        col.touch()
    return moved


def _shift_new_cards(col: Collection, start: int, by: int, step: Any) -> None:
    ids = [
        int(r[0])
        for r in col.db.execute(
            f"select id from cards where type = {CARD_TYPE_NEW} and due >= ?", (start,)
        )
    ]
    step.cards_changing(ids)
    for card in cards_by_id(col, ids):
        if card.odid:
            card.odue = card.due + by
        else:
            card.due += by
        _write(col, card)


# ----------------------------------------------------------------- mark


def set_marked(col: Collection, card_ids: Sequence[int], marked: bool | None = None) -> bool:
    """Add or remove Anki's "marked" tag on the cards' notes; ``marked=None`` toggles as
    Anki's reviewer and browser do (by the first card's note). Returns the new state."""
    cards = cards_by_id(col, card_ids)
    nids = note_ids_of(cards)
    if not nids:
        return bool(marked)
    if marked is None:
        row = col.db.execute("select tags from notes where id = ?", (nids[0],)).fetchone()
        tags = str(row[0]).lower().split() if row else []
        marked = MARKED_TAG not in tags
    with undoable(col, "Toggle Mark", note_ids=nids):
        if marked:
            add_tags(col, nids, [MARKED_TAG])
        else:
            remove_tags(col, nids, [MARKED_TAG])
    return marked
