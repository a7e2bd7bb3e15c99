"""What each column shows for a card or a note, as Anki's browser shows it
(``rslib/src/browser_table.rs``): text on one line, dates as ``YYYY-MM-DD`` (UTC), intervals as
Anki's time spans, "(new)" and "(learning)" where a number means nothing yet.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from javumbo.collection import notetypes
from javumbo.collection.cards import Card
from javumbo.collection.collection import Collection
from javumbo.collection.errors import CollectionError
from javumbo.collection.html_text import strip_html
from javumbo.collection.templates import render_card

CARD_TYPE_NEW, CARD_TYPE_LEARN, CARD_TYPE_REVIEW, CARD_TYPE_RELEARN = 0, 1, 2, 3
QUEUE_NEW, QUEUE_LEARN, QUEUE_DAY_LEARN = 0, 1, 3
ANSWER_MARKER = "<hr id=answer>"

_SPACERS = re.compile(r"<br\s*/?>|<div>|\n", re.IGNORECASE)
_TYPE_TAG = re.compile(r"\[\[type:[^]]+\]\]")
_SOUND_TAG = re.compile(r"\[sound:([^]]+)\]")


@dataclass(frozen=True)
class NoteFacts:
    id: int
    mid: int
    mod: int
    sfld: str
    tags: list[str]
    flds: str


@dataclass(frozen=True)
class CardFacts:
    card: Card
    note: NoteFacts


def html_to_text_line(html: str) -> str:
    """Card or field HTML as one line of text (Anki's ``html_to_text_line``)."""
    text = _SPACERS.sub(" ", html)
    text = _TYPE_TAG.sub("", text)
    text = _SOUND_TAG.sub("", text)
    return strip_html(text).strip()


def date_string(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def time_span(seconds: float) -> str:
    """Anki's coarse time span: seconds up to years, one decimal where it matters."""
    units = (
        (365 * 86400, "year"),
        (30 * 86400, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    )
    amount: float = round(seconds)
    name = "second"
    for size, unit in units:
        if abs(seconds) >= size:
            amount, name = round(seconds / size, 1), unit
            break
    shown = f"{amount:g}"
    return f"{shown} {name}{'' if shown == '1' else 's'}"


def cells_of_card(col: Collection, facts: CardFacts, shown: list[str]) -> dict[str, str]:
    return {key: _CARD_CELLS[key](col, facts) for key in shown}


def cells_of_note(
    col: Collection, note: NoteFacts, cards: list[Card], shown: list[str]
) -> dict[str, str]:
    return {key: _note_cell(col, key, note, cards) for key in shown}


# ----------------------------------------------------------------- cards


def _question(col: Collection, facts: CardFacts) -> str:
    try:
        return html_to_text_line(render_card(col, facts.card).question)
    except CollectionError:
        return ""


def _answer(col: Collection, facts: CardFacts) -> str:
    try:
        rendered = render_card(col, facts.card)
    except CollectionError:
        return ""
    answer = rendered.answer
    if answer.startswith(rendered.question):
        answer = answer[len(rendered.question) :]
    return html_to_text_line(answer)


def _deck(col: Collection, facts: CardFacts) -> str:
    name = _deck_name(col, facts.card.did)
    if facts.card.odid:
        return f"{name} ({_deck_name(col, facts.card.odid)})"
    return name


def _deck_name(col: Collection, did: int) -> str:
    return str(col.decks.get(str(did), {}).get("name", ""))


def _due_seconds(col: Collection, card: Card) -> float | None:
    if card.queue == QUEUE_LEARN:
        return float(card.due)
    if card.type in (CARD_TYPE_REVIEW, CARD_TYPE_RELEARN) or card.queue == QUEUE_DAY_LEARN:
        return col.now_secs() + (card.due - col.today()) * 86400.0
    return None


def _due(col: Collection, facts: CardFacts) -> str:
    card = facts.card
    if card.odid:
        text = "(filtered)"
    elif card.type == CARD_TYPE_NEW or card.queue == QUEUE_NEW:
        text = f"New #{card.due}"
    else:
        seconds = _due_seconds(col, card)
        if seconds is None:
            return ""
        text = date_string(seconds)
    return f"({text})" if card.queue < 0 else text


def _interval(_col: Collection, facts: CardFacts) -> str:
    card = facts.card
    if card.type == CARD_TYPE_NEW:
        return "(new)"
    if card.type == CARD_TYPE_LEARN:
        return "(learning)"
    return time_span(card.ivl * 86400)


def _ease(_col: Collection, facts: CardFacts) -> str:
    if facts.card.type == CARD_TYPE_NEW:
        return "(new)"
    return f"{facts.card.factor // 10}%"


def _difficulty(_col: Collection, facts: CardFacts) -> str:
    """FSRS difficulty (1-10) as Anki shows it: 0-100 %."""
    try:
        data = json.loads(facts.card.data or "{}")
    except ValueError:
        return ""
    value = data.get("d") if isinstance(data, dict) else None
    if not isinstance(value, int | float):
        return ""
    return f"{(value - 1) / 9 * 100:.0f}%"


def _card_type(col: Collection, facts: CardFacts) -> str:
    nt = col.models.get(str(facts.note.mid))
    if nt is None:
        return ""
    templates = notetypes.templates_of(nt)
    if notetypes.is_cloze(nt):
        name = templates[0]["name"] if templates else "Cloze"
        return f"{name} {facts.card.ord + 1}"
    return next((str(t["name"]) for t in templates if t["ord"] == facts.card.ord), "")


def _notetype_name(col: Collection, mid: int) -> str:
    return str(col.models.get(str(mid), {}).get("name", ""))


_CARD_CELLS: dict[str, Callable[[Collection, CardFacts], str]] = {
    "sort_field": lambda _col, f: html_to_text_line(f.note.sfld),
    "question": _question,
    "answer": _answer,
    "deck": _deck,
    "due": _due,
    "interval": _interval,
    "ease": _ease,
    "difficulty": _difficulty,
    "reviews": lambda _col, f: str(f.card.reps),
    "lapses": lambda _col, f: str(f.card.lapses),
    "created": lambda _col, f: date_string(f.note.id / 1000),
    "modified": lambda _col, f: date_string(f.note.mod),
    "card_modified": lambda _col, f: date_string(f.card.mod),
    "notetype": lambda col, f: _notetype_name(col, f.note.mid),
    "card_type": _card_type,
    "tags": lambda _col, f: " ".join(f.note.tags),
}


# ----------------------------------------------------------------- notes


def _note_cell(col: Collection, key: str, note: NoteFacts, cards: list[Card]) -> str:
    first = CardFacts(cards[0], note)
    if key == "deck":
        decks = {c.did for c in cards}
        return f"({len(decks)})" if len(decks) > 1 else _deck(col, first)
    if key == "due":
        times = [
            seconds
            for c in cards
            if not (c.odid or c.type == CARD_TYPE_NEW or c.queue == QUEUE_NEW or c.queue < 0)
            and (seconds := _due_seconds(col, c)) is not None
        ]
        return date_string(min(times)) if times else ""
    if key == "interval":
        ivls = [c.ivl for c in cards if c.type in (CARD_TYPE_REVIEW, CARD_TYPE_RELEARN)]
        return time_span(sum(ivls) * 86400 // len(ivls)) if ivls else ""
    if key == "ease":
        eases = [c.factor for c in cards if c.type != CARD_TYPE_NEW]
        return f"{sum(eases) // len(eases) // 10}%" if eases else "(new)"
    if key == "reviews":
        return str(sum(c.reps for c in cards))
    if key == "lapses":
        return str(sum(c.lapses for c in cards))
    if key == "card_modified":
        return date_string(max(c.mod for c in cards))
    if key == "card_type":
        return str(len(cards))
    return _CARD_CELLS[key](col, first)
