"""Anki's "Card Info": what a card is and how its reviews went, computed as Anki's
``card_stats`` does (``rslib/src/stats/card.rs``): added, first and latest review, due date
or new-queue position, interval, ease (or FSRS difficulty, stability and retrievability),
review and lapse counts, average and total time, and the review history newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from javumbo.collection.cards import CARD_TYPE_NEW, get_card
from javumbo.collection.collection import Collection
from javumbo.collection.deck_preset import deck_preset
from javumbo.collection.notetypes import get_notetype
from javumbo.collection.scheduler.card_state import parse_card_data

_EPOCH_SECONDS_FLOOR = 1_000_000_000
_DAY = 86_400
FSRS5_DEFAULT_DECAY = 0.5


@dataclass(frozen=True)
class ReviewEntry:
    time: int  # epoch seconds of the review
    review_kind: int  # 0 learning, 1 review, 2 relearning, 3 filtered, 4 manual, 5 rescheduled
    button_chosen: int  # 0 for a manual change, else 1-4
    interval: int  # seconds (days * 86400 for day intervals)
    last_interval: int
    ease: int  # permille (SM-2) or FSRS difficulty encoded as Anki stores it
    taken_secs: float


@dataclass(frozen=True)
class CardInfo:
    card_id: int
    note_id: int
    deck: str
    original_deck: str | None
    preset: str
    notetype: str
    card_type: str
    added: int
    first_review: int | None
    latest_review: int | None
    due_date: int | None
    due_position: int | None
    interval: int
    ease: int
    reviews: int
    lapses: int
    average_secs: float
    total_secs: float
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    desired_retention: float | None
    revlog: list[ReviewEntry]


def _interval_secs(value: int) -> int:
    return value * _DAY if value > 0 else -value


def _deck_name(col: Collection, deck_id: int) -> str:
    deck = col.decks.get(str(deck_id)) or {}
    return str(deck.get("name", "")).replace("\x1f", "::")


def card_info(col: Collection, card_id: int) -> CardInfo:
    card = get_card(col, card_id)
    data = parse_card_data(card.data)
    note_row = col.db.execute("select mid from notes where id = ?", (card.nid,)).fetchone()
    notetype: dict[str, Any] = get_notetype(col, int(note_row[0])) if note_row else {}
    templates: list[dict[str, Any]] = list(notetype.get("tmpls", []))
    if notetype.get("type") == 1:  # cloze: one template, named as Anki does
        template_name = str(templates[0]["name"]) if templates else ""
    else:
        template_name = next(
            (str(t["name"]) for t in templates if int(t.get("ord", -1)) == card.ord), ""
        )
    home = card.odid or card.did
    preset = deck_preset(col, col.decks.get(str(home)) or {})

    rows = col.db.execute(
        "select id, ease, ivl, lastIvl, factor, time, type from revlog where cid = ? order by id",
        (card.id,),
    ).fetchall()
    rated = [r for r in rows if r[1] > 0]
    total = sum(int(r[5]) for r in rows) / 1000
    average, total = (0.0, 0.0) if not rated or total == 0 else (total / len(rated), total)

    now = col.now_secs()
    timing = col.sched_timing()
    stability, difficulty, retrievability = _memory(col, data, now)
    return CardInfo(
        card_id=card.id,
        note_id=card.nid,
        deck=_deck_name(col, card.did),
        original_deck=_deck_name(col, card.odid) if card.odid else None,
        preset=str(preset.get("name", "")),
        notetype=str(notetype.get("name", "")),
        card_type=template_name,
        added=card.id // 1000,
        first_review=int(rated[0][0]) // 1000 if rated else None,
        latest_review=int(rated[-1][0]) // 1000 if rated else None,
        due_date=_due_date(card.type, card.odue or card.due, timing.days_elapsed, now),
        due_position=_position(card.type, card.due, data),
        interval=card.ivl,
        ease=card.factor,
        reviews=card.reps,
        lapses=card.lapses,
        average_secs=average,
        total_secs=total,
        stability=stability,
        difficulty=difficulty,
        retrievability=retrievability,
        desired_retention=_float_or_none(data.get("dr")),
        revlog=[
            ReviewEntry(
                time=int(r[0]) // 1000,
                review_kind=int(r[6]),
                button_chosen=int(r[1]),
                interval=_interval_secs(int(r[2])),
                last_interval=_interval_secs(int(r[3])),
                ease=int(r[4]),
                taken_secs=int(r[5]) / 1000,
            )
            for r in reversed(rows)
        ],
    )


def _due_date(card_type: int, due: int, today: int, now: int) -> int | None:
    if card_type == CARD_TYPE_NEW:
        return None
    if due > _EPOCH_SECONDS_FLOOR:
        return due
    return now + (due - today) * _DAY


def _position(card_type: int, due: int, data: dict[str, Any]) -> int | None:
    pos = data.get("pos")
    if isinstance(pos, int) and not isinstance(pos, bool):
        return pos
    return due if card_type == CARD_TYPE_NEW else None


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _memory(
    col: Collection, data: dict[str, Any], now: int
) -> tuple[float | None, float | None, float | None]:
    """FSRS stability, difficulty and today's retrievability, when FSRS is on and the card
    has a memory state (FSRS-6's power forgetting curve with the card's decay)."""
    stability, difficulty = _float_or_none(data.get("s")), _float_or_none(data.get("d"))
    if not col.conf.get("fsrs", False) or stability is None or difficulty is None:
        return None, None, None
    last = data.get("lrt")
    elapsed_days = max(now - int(last), 0) / _DAY if isinstance(last, int) else 0.0
    decay = _float_or_none(data.get("decay")) or FSRS5_DEFAULT_DECAY
    factor = 0.9 ** (-1 / decay) - 1
    retrievability = (1 + factor * elapsed_days / stability) ** -decay if stability > 0 else 0.0
    return stability, difficulty, retrievability
