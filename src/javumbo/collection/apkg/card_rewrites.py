"""How an imported card row is changed on its way into the collection: day-number dues moved to
our day count, cards taken out of filtered decks, and (without scheduling) cards reset to new.
"""

from __future__ import annotations

import json
from typing import Any

from javumbo.collection import schema
from javumbo.collection.cards import (
    CARD_TYPE_NEW,
    CARD_TYPE_REVIEW,
    QUEUE_DAY_LEARN,
    QUEUE_NEW,
    QUEUE_REVIEW,
)

QUEUE_PREVIEW = 4  # a filtered deck's preview queue (Anki's ``CardQueue::PreviewRepeat``)

# A card row is a list in the cards table's column order (tuples are what SQLite hands out and
# takes; a dict per row cost more than its insert).
CardRow = list[Any]
(ID, NID, DID, ORD, MOD, USN, TYPE, QUEUE, DUE, IVL, FACTOR, REPS, LAPSES, LEFT, ODUE, ODID,
 FLAGS, DATA) = range(len(schema.COLUMNS["cards"]))  # fmt: skip


def shift_days(card: CardRow, delta: int) -> None:
    """Day-number dues are relative to each collection's creation day."""
    if int(card[QUEUE]) in (QUEUE_REVIEW, QUEUE_DAY_LEARN) or int(card[TYPE]) == CARD_TYPE_REVIEW:
        card[DUE] = int(card[DUE]) - delta
    if int(card[TYPE]) == CARD_TYPE_REVIEW and card[ODUE]:
        card[ODUE] = int(card[ODUE]) - delta


def leave_filtered_deck(card: CardRow) -> None:
    """Filtered decks are not imported: the card goes home with its original due."""
    if not card[ODID]:
        card[ODUE] = 0
        return
    card[DID] = card[ODID]
    if card[ODUE]:
        card[DUE] = card[ODUE]
    card[ODID] = 0
    card[ODUE] = 0
    if int(card[QUEUE]) == QUEUE_PREVIEW:
        card[QUEUE] = QUEUE_NEW if int(card[TYPE]) == CARD_TYPE_NEW else QUEUE_REVIEW


def reset_to_new(card: CardRow, position: int) -> None:
    data = card_data(card[DATA])
    if int(card[TYPE]) == CARD_TYPE_NEW:
        position = int(card[DUE])
    elif isinstance(data.get("pos"), int):
        position = data["pos"]
    card[TYPE], card[QUEUE], card[DUE] = CARD_TYPE_NEW, QUEUE_NEW, position
    for column in (IVL, FACTOR, REPS, LAPSES, LEFT, ODUE, ODID, FLAGS):
        card[column] = 0
    card[DATA] = ""


def card_data(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
