"""Which preset a deck uses, read as Anki reads it. Its own module because the card, deck and
scheduler modules all need it and ``decks`` already depends on ``cards``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from javumbo.collection.collection import Collection

DEFAULT_PRESET_ID = 1


def deck_preset_id(col: Collection, deck: Mapping[str, Any]) -> int:
    """The id of the preset a normal deck uses: its ``conf`` when that names a preset of the
    collection, else the Default preset's, as Anki falls back (a deck synced with a preset
    that is gone, or a ``conf`` that is not an id)."""
    conf = deck.get("conf", DEFAULT_PRESET_ID)
    if isinstance(conf, bool) or not isinstance(conf, int | str):
        return DEFAULT_PRESET_ID
    try:
        preset_id = int(conf)
    except ValueError:
        return DEFAULT_PRESET_ID
    return preset_id if isinstance(col.dconf.get(str(preset_id)), dict) else DEFAULT_PRESET_ID


def deck_preset(col: Collection, deck: Mapping[str, Any]) -> dict[str, Any]:
    """The preset a normal deck uses (see :func:`deck_preset_id`); empty if even the Default
    preset is missing."""
    found = col.dconf.get(str(deck_preset_id(col, deck)))
    return found if isinstance(found, dict) else {}
