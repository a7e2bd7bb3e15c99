"""Fixtures for the collection tests: a fresh collection on a fixed clock, and collections built
by real Anki (the ``anki`` package) to read back through our layer."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from javumbo.collection import Collection, FixedClock

# 2026-11-14 10:13:20 UTC: a plain daytime moment, far from the 04:00 rollover.
CLOCK_START = 1_794_651_200.0

AnkiBuilder = Callable[[Any], None]
AnkiMadeCollection = Callable[..., Path]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_START)


@pytest.fixture
def col_path(tmp_path: Path) -> Path:
    return tmp_path / "collection.anki2"


@pytest.fixture
def col(col_path: Path, clock: FixedClock) -> Iterator[Collection]:
    """A new, empty collection (stock note types, deck 1 "Default") on ``clock``."""
    collection = Collection.create(col_path, clock=clock)
    try:
        yield collection
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):  # the test closed it already
            collection.close()


@pytest.fixture
def anki_made_collection(tmp_path: Path) -> AnkiMadeCollection:
    """``build(fn, name="anki.anki2") -> Path``: a collection made by real Anki.

    ``fn`` receives an open ``anki.collection.Collection``; afterwards the collection is closed
    with ``close(downgrade=True)`` so the returned path is a schema-11 file our layer can open.
    """

    def build(fn: AnkiBuilder, name: str = "anki.anki2") -> Path:
        from anki.collection import Collection as AnkiCollection

        path = tmp_path / name
        anki_col = AnkiCollection(str(path))
        try:
            fn(anki_col)
        finally:
            anki_col.close(downgrade=True)
        return path

    return build
