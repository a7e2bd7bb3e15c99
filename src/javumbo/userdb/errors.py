"""Errors of the storage engine; the API maps ``ConflictError`` to 409 and
``StoreUnavailableError`` (re-exported from ``javumbo.stores``) to 503."""

from __future__ import annotations

from javumbo.collection.errors import ValidationError
from javumbo.stores.ports import StoreUnavailableError


class StorageEngineError(Exception):
    """Base of errors raised on purpose by ``javumbo.userdb``."""


class ConflictError(StorageEngineError):
    """Another instance kept winning the race for this user's journal; the client may retry."""


class InconsistentStoreError(StorageEngineError):
    """The stores disagree in a way retrying will not fix (a snapshot whose ETag is not the one
    the head records, a journal entry missing in the middle)."""


class InvalidNameError(ValidationError):
    """A user id or media file name that cannot be used as one path segment."""


__all__ = [
    "ConflictError",
    "InconsistentStoreError",
    "InvalidNameError",
    "StorageEngineError",
    "StoreUnavailableError",
]
