"""How an imported card row is changed on its way into the collection: day-number dues moved to
our day count, cards taken out of filtered decks, and (without scheduling) cards reset to new.
"""

from __future__ import annotations

import json
from typing import Any

from javumbo.collection.cards import (
    CARD_TYPE_NEW,
    CARD_TYPE_REVIEW,
    QUEUE_DAY_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
)

QUEUE_PREVIEW = 4  # a filtered deck's preview queue (Anki's ``CardQueue::PreviewRepeat``)


def shift_days(card: dict[str, Any], delta: int) -> None:
    """Day-number dues are relative to each collection's creation day."""
    if (
        int(card["queue"]) in (QUEUE_REVIEW, QUEUE_DAY_LEARN)
        or int(card["type"]) == CARD_TYPE_REVIEW
    ):
        card["due"] = int(card["due"]) - delta
    if int(card["type"]) == CARD_TYPE_REVIEW and card["odue"]:
        card["odue"] = int(card["odue"]) - delta


def leave_filtered_deck(card: dict[str, Any]) -> None:
    """Filtered decks are not imported: the card goes home with its original due."""
    if not card["odid"]:
        card["odue"] = 0
        return
    card["did"] = card["odid"]
    if card["odue"]:
        card["due"] = card["odue"]
    card["odid"] = 0
    card["odue"] = 0
    if int(card["queue"]) == QUEUE_PREVIEW:
        card["queue"] = QUEUE_NEW if int(card["type"]) == CARD_TYPE_NEW else QUEUE_REVIEW


def reset_to_new(card: dict[str, Any], position: int) -> None:
    data = card_data(card["data"])
    if int(card["type"]) == CARD_TYPE_NEW:
        position = int(card["due"])
    elif isinstance(data.get("pos"), int):
        position = data["pos"]
    card.update(
        {
            "type": CARD_TYPE_NEW,
            "queue": QUEUE_NEW,
            "due": position,
            "ivl": 0,
            "factor": 0,
            "reps": 0,
            "lapses": 0,
            "left": 0,
            "odue": 0,
            "odid": 0,
            "flags": 0,
            "data": "",
        }
    )


def card_data(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
