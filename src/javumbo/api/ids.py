"""Anki ids (epoch milliseconds) in paths, queries and bodies: positive 64-bit integers.

SQLite stores signed 64-bit integers; a larger number would fail inside the driver, so every id
the API accepts is bounded here, before it reaches the collection.
"""

from __future__ import annotations

from typing import Any

from apiflask.fields import Integer, List
from apiflask.validators import Length, Range

MAX_ID = 2**63 - 1
MAX_IDS_PER_REQUEST = 10_000
ID_PATH = f"int(max={MAX_ID})"


def id_field(**kwargs: Any) -> Integer:
    """An id in a JSON body: a real integer, not a string or a float."""
    return Integer(strict=True, validate=[Range(min=1, max=MAX_ID)], **kwargs)


def query_id_field(**kwargs: Any) -> Integer:
    """An id in a query string, where everything arrives as text."""
    return Integer(validate=[Range(min=1, max=MAX_ID)], **kwargs)


def id_list_field(**kwargs: Any) -> List[Any]:
    return List(id_field(), validate=[Length(min=1, max=MAX_IDS_PER_REQUEST)], **kwargs)
