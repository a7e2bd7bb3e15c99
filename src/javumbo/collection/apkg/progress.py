"""How long imports and exports report how far they got: ``progress(done, total, stage)``."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, stage: str) -> None:
    """The ``Progress`` of a caller that does not listen."""
    return None
