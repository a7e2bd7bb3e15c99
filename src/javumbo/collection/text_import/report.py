"""What a text import did, in Anki's categories (its ``NoteLog``), and the counts the
``.apkg`` report has, so the import page shows both kinds of import alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LISTED_PROBLEMS = 100


@dataclass
class RowProblem:
    row: int  # the row's number among the file's records, from 1
    reason: str  # empty_first_field, missing_notetype or missing_deck


@dataclass
class TextImportReport:
    found_notes: int = 0
    dupe_resolution: str = "update"
    new: int = 0
    updated: int = 0  # matched by guid and changed
    first_field_match_updated: int = 0  # matched by first field and changed
    first_field_match_added: int = 0  # matched by first field, added anyway ("duplicate")
    first_field_match_skipped: int = 0  # matched by first field, left alone ("preserve")
    duplicate: int = 0  # matched and identical (or a guid match with "duplicate")
    conflicting: int = 0  # matched a note of another note type: left alone
    cards_added: int = 0
    decks_added: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, row: int, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(RowProblem(row, reason))

    def as_dict(self) -> dict[str, Any]:
        """The import job's report: the ``.apkg`` counts plus a ``text`` section."""
        return {
            "notes_added": self.new + self.first_field_match_added,
            "notes_updated": self.updated + self.first_field_match_updated,
            "notes_skipped": self.duplicate
            + self.first_field_match_skipped
            + self.conflicting
            + self.problem_count,
            "cards_added": self.cards_added,
            "revlog_added": 0,
            "decks_added": list(self.decks_added),
            "notetypes_added": [],
            "notetypes_updated": [],
            "media_added": 0,
            "media_unchanged": 0,
            "media_renamed": {},
            "cards_dropped": 0,
            "replaced_collection": False,
            "text": {
                "found_notes": self.found_notes,
                "dupe_resolution": self.dupe_resolution,
                "new": self.new,
                "updated": self.updated,
                "first_field_match_updated": self.first_field_match_updated,
                "first_field_match_added": self.first_field_match_added,
                "first_field_match_skipped": self.first_field_match_skipped,
                "duplicate": self.duplicate,
                "conflicting": self.conflicting,
                "problem_count": self.problem_count,
                "problems": [{"row": p.row, "reason": p.reason} for p in self.problems],
            },
        }
