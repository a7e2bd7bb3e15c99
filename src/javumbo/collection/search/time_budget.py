"""A time budget for one search: SQLite stops a query that runs past it.

A search is user input run against SQLite; some are legitimately slow on a big collection, and a
slow one holds the collection (and, in Python code, the interpreter) while others wait. SQLite
calls a progress handler every few thousand virtual-machine steps; past the deadline it answers
"stop", the statement ends with an ``interrupted`` error, and the search answers
``SearchTooExpensiveError`` instead of running on.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from javumbo.collection.search.parser import SearchError

SEARCH_TIME_BUDGET_SECONDS = 1.5
# SQLite steps between two looks at the clock: ~a millisecond of work, a negligible cost.
PROGRESS_STEPS = 10_000
# SQLite's answers to a statement beyond its limits (nesting, size): the search is too big.
TOO_BIG_FOR_SQLITE = (
    "parser stack overflow",
    "Expression tree is too large",
    "too many SQL variables",
    "string or blob too big",
    "LIKE or GLOB pattern too complex",
)


class SearchTooExpensiveError(SearchError):
    """The search ran past its time budget and was stopped; a narrower search may work."""


@contextmanager
def time_budget(db: sqlite3.Connection, seconds: float | None = None) -> Iterator[None]:
    """Run the statements of the block under one deadline, ``seconds`` from now."""
    budget = SEARCH_TIME_BUDGET_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + budget
    stopped = False

    def past_deadline() -> int:
        nonlocal stopped
        stopped = stopped or time.monotonic() > deadline
        return 1 if stopped else 0

    db.set_progress_handler(past_deadline, PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if stopped:
            raise SearchTooExpensiveError(
                f"this search takes more than {budget:g} s; narrow it down"
                " (fewer wildcards, a deck or a tag)"
            ) from None
        if str(exc).startswith(TOO_BIG_FOR_SQLITE):
            raise SearchError(f"this search is too big to run ({exc}); make it shorter") from None
        raise
    finally:
        db.set_progress_handler(None, 0)
