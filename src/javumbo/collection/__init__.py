"""Anki schema-11 collections: a pure domain package (sqlite3 only, no HTTP, no AWS)."""

from javumbo.collection.clock import Clock, FixedClock, SystemClock
from javumbo.collection.collection import Collection
from javumbo.collection.errors import (
    CollectionError,
    InvalidCollectionError,
    NotFoundError,
    ValidationError,
)

__all__ = [
    "Clock",
    "Collection",
    "CollectionError",
    "FixedClock",
    "InvalidCollectionError",
    "NotFoundError",
    "SystemClock",
    "ValidationError",
]
