"""What an import did, as counted by the ``.apkg`` merge and the ``.colpkg`` restore."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    notes_added: int = 0
    notes_updated: int = 0
    notes_skipped: int = 0  # already present and not older, or a conflicting note type
    cards_added: int = 0
    revlog_added: int = 0
    decks_added: list[str] = field(default_factory=list)
    notetypes_added: list[str] = field(default_factory=list)
    notetypes_updated: list[str] = field(default_factory=list)
    media_added: int = 0
    media_unchanged: int = 0  # same name and same content already in the store
    media_renamed: dict[str, str] = field(default_factory=dict)  # package name → stored name
    cards_dropped: int = 0  # their note was missing from the package
    replaced_collection: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
