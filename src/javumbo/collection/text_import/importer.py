"""Importing the rows of a text file as notes, following Anki's ``ForeignData`` import
(``rslib/src/import_export/text/import.rs``) as its CSV import drives it.

Each row becomes a note of the file's (or the chosen) note type in its deck. A row whose first
field is empty is left out. A row is a duplicate of an existing note with the same guid (when
the file has a guid column), else of notes of the same note type (and deck, with the
``notetype_and_deck`` scope) whose first field, HTML stripped, is the same. Then, as the user
chose: ``update`` writes the row's fields and tags into the existing note, ``preserve`` leaves
it and skips the row, ``duplicate`` adds the row as a new note anyway (a guid match is still
skipped). Everything is written in one transaction: all or nothing.
"""

from __future__ import annotations

import html
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from javumbo.collection import decks as deck_ops
from javumbo.collection import notetypes
from javumbo.collection.apkg.progress import Progress, no_progress
from javumbo.collection.cards import CARD_COLUMNS, generate_cards, placeholders
from javumbo.collection.collection import Collection
from javumbo.collection.html_text import strip_html_media
from javumbo.collection.notes import (
    FIELD_SEPARATOR,
    Note,
    field_checksum,
    join_tags,
    new_guid,
    sort_field_value,
)
from javumbo.collection.text_import.metadata import (
    TextMetadata,
    deck_id_by_name_or_id,
    notetype_by_name_or_id,
    parse_name_or_id,
)
from javumbo.collection.text_import.records import iter_records, without_legacy_tags_line
from javumbo.collection.text_import.report import TextImportReport

PROGRESS_EVERY = 200


@dataclass
class ForeignNote:
    """One row as the import sees it: ``None`` fields are columns the mapping leaves out."""

    row: int
    fields: list[str | None]
    tags: list[str] | None
    notetype: int | str  # "" = the import's note type
    deck: int | str  # "" = the import's deck
    guid: str


@dataclass
class _Duplicate:
    note: Note
    identical: bool
    first_field_match: bool


def rows_of(text: str, meta: TextMetadata) -> list[ForeignNote]:
    """Every record of the file, read through the column mapping."""
    notes = []
    meta_columns = meta.meta_columns()
    for row, record in enumerate(
        iter_records(without_legacy_tags_line(text), meta.delimiter.char), start=1
    ):

        def cell(column: int, record: list[str] = record) -> str | None:
            return record[column - 1] if 0 < column <= len(record) else None

        if meta.notetype_column:
            picked = [i for i in range(1, len(record) + 1) if i not in meta_columns]
        else:
            picked = meta.field_columns
        fields = [_stringify(cell(c), meta.is_html) for c in picked]
        tags_cell = cell(meta.tags_column)
        notes.append(
            ForeignNote(
                row=row,
                fields=fields,
                tags=tags_cell.split() if tags_cell is not None else None,
                notetype=parse_name_or_id(cell(meta.notetype_column) or ""),
                deck=parse_name_or_id(cell(meta.deck_column) or ""),
                guid=cell(meta.guid_column) or "",
            )
        )
    return notes


def _stringify(value: str | None, is_html: bool) -> str | None:
    """Plain text becomes HTML that shows it (Anki's ``encode_minimal`` and ``<br>``)."""
    if value is None or is_html:
        return value
    return html.escape(value, quote=True).replace("\n", "<br>")


def import_text(
    col: Collection, text: str, meta: TextMetadata, progress: Progress | None = None
) -> TextImportReport:
    """Import the file's rows into ``col`` as ``meta`` says; all or nothing."""
    report_progress = progress or no_progress
    foreign = rows_of(text, meta)
    report = TextImportReport(found_notes=len(foreign), dupe_resolution=meta.dupe_resolution)
    with col.transaction():
        run = _TextImport(col, meta, report)
        for index, note in enumerate(foreign):
            if index % PROGRESS_EVERY == 0:
                report_progress(index, len(foreign), "importing notes")
            run.import_row(note)
        run.register_tags()
        col.touch()
    report_progress(len(foreign), len(foreign), "done")
    return report


class _TextImport:
    def __init__(self, col: Collection, meta: TextMetadata, report: TextImportReport) -> None:
        self.col = col
        self.meta = meta
        self.report = report
        self.notetypes: dict[int | str, notetypes.NotetypeDict | None] = {}
        self.default_deck = self._default_deck()
        self.guids = {str(g): int(n) for n, g in col.db.execute("select id, guid from notes")}
        self.by_checksum: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        by_deck = meta.match_scope == "notetype_and_deck"
        query = (
            "select distinct n.id, n.mid, n.csum, case when c.odid != 0 then c.odid else c.did end"
            " from notes n join cards c on c.nid = n.id"
            if by_deck
            else "select id, mid, csum, 0 from notes"
        )
        for nid, mid, csum, did in col.db.execute(query):
            self.by_checksum[(int(mid), int(csum), int(did))].append(int(nid))
        self.known_tags = {name.lower(): name for name in col.tags}
        self.new_tags: dict[str, str] = {}

    # ----------------------------------------------------------- where notes go

    def _default_deck(self) -> int | None:
        meta = self.meta
        if meta.deck_id is not None:
            return deck_id_by_name_or_id(self.col, meta.deck_id)
        if meta.deck_name is not None:
            return self._create_deck(meta.deck_name)
        return None

    def _create_deck(self, name: str) -> int:
        found = deck_ops.deck_by_name(self.col, name)
        if found is not None:
            return int(found["id"])
        did = deck_ops.add_deck(self.col, name)
        self.report.decks_added.append(str(deck_ops.get_deck(self.col, did)["name"]))
        return did

    def _deck_for(self, key: int | str) -> int | None:
        if key == "":
            return self.default_deck
        found = deck_id_by_name_or_id(self.col, key)
        if found is not None or isinstance(key, int) or not key.strip():
            return found
        return self._create_deck(key)

    def _notetype_for(self, key: int | str) -> notetypes.NotetypeDict | None:
        if key not in self.notetypes:
            wanted = self.meta.notetype_id if key == "" else key
            self.notetypes[key] = (
                notetype_by_name_or_id(self.col, wanted) if wanted is not None else None
            )
        return self.notetypes[key]

    # ----------------------------------------------------------- one row

    def import_row(self, foreign: ForeignNote) -> None:
        report = self.report
        if foreign.fields and foreign.fields[0] == "":
            report.problem(foreign.row, "empty_first_field")
            return
        nt = self._notetype_for(foreign.notetype)
        if nt is None:
            report.problem(foreign.row, "missing_notetype")
            return
        deck_id = self._deck_for(foreign.deck)
        if deck_id is None:
            report.problem(foreign.row, "missing_deck")
            return
        foreign.fields = [
            unicodedata.normalize("NFC", f) if f is not None else None for f in foreign.fields
        ]
        if foreign.tags is not None:
            foreign.tags = self._canonical_tags(foreign.tags, register=False)
        dupes = self._duplicates(nt, foreign, deck_id)
        resolution = self.meta.dupe_resolution
        if not dupes:
            self._add(nt, foreign, deck_id, first_field_match=False)
        elif resolution == "duplicate":
            if dupes[0].note.guid == foreign.guid:
                report.duplicate += 1
            elif not (foreign.fields and foreign.fields[0]):
                report.problem(foreign.row, "empty_first_field")
            else:
                self._add(nt, foreign, deck_id, first_field_match=True)
        elif resolution == "update":
            self._update(nt, foreign, deck_id, dupes)
        else:
            report.first_field_match_skipped += 1

    def _duplicates(
        self, nt: notetypes.NotetypeDict, foreign: ForeignNote, deck_id: int
    ) -> list[_Duplicate]:
        if foreign.guid:
            nid = self.guids.get(foreign.guid)
            if nid is None:
                return []
            note = self._note(nid)
            return [_Duplicate(note, self._identical(foreign, note), first_field_match=False)]
        first = foreign.fields[0] if foreign.fields else None
        if first is None:
            return []
        stripped = strip_html_media(first)
        scope_deck = deck_id if self.meta.match_scope == "notetype_and_deck" else 0
        key = (int(nt["id"]), field_checksum(first), scope_deck)
        found = []
        for nid in self.by_checksum.get(key, []):
            note = self._note(nid)
            if strip_html_media(note.fields[0]) == stripped:
                found.append(_Duplicate(note, self._identical(foreign, note), True))
        return found

    def _note(self, nid: int) -> Note:
        row = self.col.db.execute(
            "select id, guid, mid, mod, usn, tags, flds, flags, data from notes where id = ?",
            (nid,),
        ).fetchone()
        return Note.from_row(row)

    @staticmethod
    def _identical(foreign: ForeignNote, note: Note) -> bool:
        tags_same = foreign.tags is None or foreign.tags == note.tags
        return tags_same and all(
            new is None or new == old for new, old in zip(foreign.fields, note.fields, strict=False)
        )

    # ----------------------------------------------------------- writing

    def _merged(self, note: Note, foreign: ForeignNote, extra_tags: list[str]) -> Note:
        if foreign.guid:
            note.guid = foreign.guid
        if foreign.tags is not None:
            note.tags = list(foreign.tags)
        note.tags = self._canonical_tags([*note.tags, *extra_tags], register=True)
        for index, value in enumerate(foreign.fields[: len(note.fields)]):
            if value is not None:
                note.fields[index] = value
        return note

    def _add(
        self,
        nt: notetypes.NotetypeDict,
        foreign: ForeignNote,
        deck_id: int,
        *,
        first_field_match: bool,
    ) -> None:
        blank = Note(
            id=self.col.new_id("notes"),
            guid=new_guid(),
            mid=int(nt["id"]),
            mod=self.col.now_secs(),
            usn=-1,
            tags=[],
            fields=[""] * len(notetypes.field_names(nt)),
            flags=0,
            data="",
        )
        note = self._merged(blank, foreign, self.meta.global_tags)
        self.col.db.execute(
            "insert into notes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                note.id,
                note.guid,
                note.mid,
                note.mod,
                note.usn,
                join_tags(note.tags),
                FIELD_SEPARATOR.join(note.fields),
                sort_field_value(nt, note.fields),
                field_checksum(note.fields[0]),
                note.flags,
                note.data,
            ),
        )
        self._cards(note, deck_id)
        if first_field_match:
            self.report.first_field_match_added += 1
        else:
            self.report.new += 1

    def _update(
        self,
        nt: notetypes.NotetypeDict,
        foreign: ForeignNote,
        deck_id: int,
        dupes: list[_Duplicate],
    ) -> None:
        outcome = ""  # Anki logs one outcome per row: the strongest of its duplicates'
        rank = {"": 0, "conflicting": 1, "identical": 2, "first_field": 3, "updated": 3}
        for dupe in dupes:
            if dupe.note.mid != int(nt["id"]):
                found = "conflicting"
            else:
                note = self._merged(
                    Note(**{**dupe.note.__dict__, "fields": list(dupe.note.fields)}),
                    foreign,
                    [*self.meta.global_tags, *self.meta.updated_tags],
                )
                if dupe.identical:
                    found = "identical"
                else:
                    self._write_update(nt, note)
                    found = "first_field" if dupe.first_field_match else "updated"
                self._cards(note, deck_id)
            if rank[found] > rank[outcome]:
                outcome = found
        if outcome == "conflicting":
            self.report.conflicting += 1
        elif outcome == "identical":
            self.report.duplicate += 1
        elif outcome == "first_field":
            self.report.first_field_match_updated += 1
        elif outcome == "updated":
            self.report.updated += 1

    def _write_update(self, nt: notetypes.NotetypeDict, note: Note) -> None:
        self.col.db.execute(
            "update notes set guid = ?, mod = ?, usn = -1, tags = ?, flds = ?, sfld = ?, csum = ?"
            " where id = ?",
            (
                note.guid,
                self.col.now_secs(),
                join_tags(note.tags),
                FIELD_SEPARATOR.join(note.fields),
                sort_field_value(nt, note.fields),
                field_checksum(note.fields[0]),
                note.id,
            ),
        )

    def _cards(self, note: Note, deck_id: int) -> None:
        """The cards the note's fields ask for; a note that would have none gets its first
        template's card, as Anki's card generation ensures."""
        created = generate_cards(self.col, note, deck_id)
        self.report.cards_added += len(created)
        if (
            created
            or self.col.db.execute(
                "select 1 from cards where nid = ? limit 1", (note.id,)
            ).fetchone()
        ):
            return
        conf = dict(self.col.conf)
        position = self.col.conf_int("nextPos", 1)
        conf["nextPos"] = position + 1
        self.col.save_json("conf", conf)
        row = (
            self.col.new_id("cards"), note.id, deck_id, 0, self.col.now_secs(), -1,
            0, 0, position, 0, 0, 0, 0, 0, 0, 0, 0, "{}",
        )  # fmt: skip
        self.col.db.execute(f"insert into cards values ({placeholders(CARD_COLUMNS)})", row)
        self.report.cards_added += 1

    # ----------------------------------------------------------- tags

    def _canonical_tags(self, tags: list[str], *, register: bool) -> list[str]:
        """Anki's canonical tags: split on spaces, spelled as already known, no repeats
        regardless of case, sorted regardless of case."""
        seen: dict[str, str] = {}
        for item in tags:
            for tag in item.split():
                tag = unicodedata.normalize("NFC", tag)
                key = tag.lower()
                known = self.known_tags.get(key) or self.new_tags.get(key)
                if known is None and register:
                    self.new_tags[key] = tag
                    known = tag
                seen.setdefault(key, known or tag)
        return sorted(seen.values(), key=str.casefold)

    def register_tags(self) -> None:
        if self.new_tags:
            registry = dict(self.col.tags)
            registry.update({tag: -1 for tag in self.new_tags.values()})
            self.col.save_json("tags", registry)
