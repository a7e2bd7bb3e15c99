"""Javumbo: multi-user, Anki-compatible flashcards served from per-user SQLite collections."""

__version__ = "0.1.0"
