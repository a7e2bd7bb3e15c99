"""Importing notes from text files (``.csv``, ``.tsv``, ``.txt``) by Anki's rules: the file's
header lines, separator and HTML detection, field mapping, duplicate handling (``metadata``
reads the file's intent, ``records`` splits rows, ``importer`` writes the notes)."""

from javumbo.collection.text_import.importer import import_text
from javumbo.collection.text_import.metadata import (
    DUPE_RESOLUTIONS,
    MATCH_SCOPES,
    TextImportChoices,
    TextMetadata,
    read_metadata,
)
from javumbo.collection.text_import.records import DELIMITER_NAMES, decode_text
from javumbo.collection.text_import.report import TextImportReport

__all__ = [
    "DELIMITER_NAMES",
    "DUPE_RESOLUTIONS",
    "MATCH_SCOPES",
    "TextImportChoices",
    "TextImportReport",
    "TextMetadata",
    "decode_text",
    "import_text",
    "read_metadata",
]
