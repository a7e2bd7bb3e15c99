"""What real Anki's own fast answers can leave behind in a test collection, repaired by Anki."""

from __future__ import annotations

from typing import Any


def repair_anki_last_review_times(col: Any) -> None:
    """Let Anki's own check fix what Anki's own answers can leave behind, so a later check
    judges only what our code did.

    Anki stamps a card's last review time (`lrt`) with the answer's second but moves a clashing
    revlog id on by a millisecond; answers given in a fast loop push ids ahead of the clock, and
    now and then a revlog id lands in the next second, which Anki's check then reports as
    "Added last review time to N cards"."""
    message, ok = col.fix_integrity()
    lines = [line for line in message.splitlines() if line != "Database rebuilt and optimized."]
    assert ok or all(line.startswith("Added last review time to") for line in lines), message
