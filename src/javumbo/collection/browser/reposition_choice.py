"""What Anki's Reposition New Cards dialog shows and starts from: the new queue's first and last
positions, and the "randomize" and "shift" choices of the last reposition, kept under Anki's own
config keys (``randomOrderReposition``, ``shiftPositionOfExistingCards``) so real Anki starts
from the same choice."""

from __future__ import annotations

from dataclasses import dataclass

from javumbo.collection.collection import Collection

RANDOM_KEY = "randomOrderReposition"
SHIFT_KEY = "shiftPositionOfExistingCards"
REPOSITION_KEYS = (RANDOM_KEY, SHIFT_KEY)
CARD_TYPE_NEW = 0


@dataclass(frozen=True)
class RepositionDefaults:
    queue_top: int
    queue_bottom: int
    randomize: bool
    shift: bool


def reposition_defaults(col: Collection) -> RepositionDefaults:
    """Anki's dialog: "Queue top" and "Queue bottom" are the smallest and largest positions of
    new cards outside filtered decks (0 when there are none), then the remembered choices."""
    low, high = col.db.execute(
        "select min(due), max(due) from cards where type = ? and odid = 0", (CARD_TYPE_NEW,)
    ).fetchone()
    randomize, shift = col.conf.get(RANDOM_KEY), col.conf.get(SHIFT_KEY)
    return RepositionDefaults(
        queue_top=max(int(low or 0), 0),
        queue_bottom=int(high or 0),
        randomize=randomize is True,
        shift=shift is True,
    )


def remember_reposition_choice(col: Collection, *, randomize: bool, shift: bool) -> None:
    """Keep the choices for the next Reposition dialog, as Anki's reposition does."""
    if col.conf.get(RANDOM_KEY) is randomize and col.conf.get(SHIFT_KEY) is shift:
        return
    conf = dict(col.conf)
    conf[RANDOM_KEY] = randomize
    conf[SHIFT_KEY] = shift
    col.save_json("conf", conf)
