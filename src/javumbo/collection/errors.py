"""The collection layer's error types; the API maps each to one HTTP status."""

from __future__ import annotations


class CollectionError(Exception):
    """Base of every error raised on purpose by ``javumbo.collection``."""


class InvalidCollectionError(CollectionError):
    """The file is not a usable Anki collection (not SQLite, no ``col`` row, wrong schema...).

    Raised before anything is written, so the file is left exactly as it was.
    """


class ValidationError(CollectionError):
    """The caller asked for something the collection cannot hold (bad field count, empty name)."""


class NotFoundError(CollectionError):
    """A deck, note, card or note type id that does not exist in this collection."""
