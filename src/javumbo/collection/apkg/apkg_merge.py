"""Importing ``.apkg`` packages into a collection the way Anki merges them.

What happens to each kind of object follows Anki's importer (``FORMAT.md`` §9 and
``rslib/src/import_export/package/apkg/import``):

* note types are matched by id; the same fields and templates (by name) → the existing one is
  kept (replaced when the incoming one is newer); different → added as a new note type with a
  new id. A new note type whose name is taken gets ``+`` appended ("Basic+").
* notes are matched by ``guid``: newer incoming → updated, otherwise kept ("skipped"); a note
  whose note type had to be added anew never overwrites an existing note.
* decks are matched by name (without regard to case); missing parents are created.
* cards are added for imported notes unless the note already has a card with that template;
  day-number dues are shifted from the source collection's day count to ours.
* revlog rows are added unless a row with the same id exists; cards whose note is missing and
  revlog rows of cards not imported are dropped.

Everything is written in one ``col.transaction()``; the media the imported notes use are handled
by ``merge_media``. Card rows are rewritten on the way in by ``card_rewrites``.
"""

from __future__ import annotations

import copy
import os
import sqlite3
from pathlib import Path
from typing import Any

from javumbo.collection import decks as decks_mod
from javumbo.collection import notetypes, schema
from javumbo.collection.apkg import card_rewrites as cr
from javumbo.collection.apkg import media as media_mod
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.import_report import ImportReport
from javumbo.collection.apkg.media import MediaStore, resolve_media_store
from javumbo.collection.apkg.merge_media import MediaImport
from javumbo.collection.apkg.package import (
    DEFAULT_LIMITS,
    MediaEntry,
    PackageLimits,
    PackageReader,
)
from javumbo.collection.apkg.progress import Progress, no_progress
from javumbo.collection.apkg.source import SourceCollection
from javumbo.collection.collection import Collection
from javumbo.collection.errors import CollectionError, ValidationError
from javumbo.collection.notes import (
    FIELD_SEPARATOR,
    field_checksum,
    join_tags,
    sort_field_value,
    split_tags,
)

BATCH = 500


def import_apkg(
    col: Collection,
    package_path: str | os.PathLike[str],
    *,
    media_dir: Path | None = None,
    media_store: MediaStore | None = None,
    scheduling: bool = True,
    progress: Progress | None = None,
    limits: PackageLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """Merge a deck package into ``col``; all or nothing. ``scheduling=False`` imports every
    card as new, without review history, flags or suspension (Anki's default)."""
    report_progress = progress or no_progress
    store = resolve_media_store(media_dir, media_store)
    with (
        PackageReader(Path(package_path), limits) as package,
        media_mod.staging_folder() as work,
    ):
        report_progress(0, 1, "reading package")
        source = SourceCollection(package.extract_collection(work / "source.anki2"))
        try:
            entries = package.media_entries() if store is not None else []
            merge = _Merge(col, source, package, entries, store, scheduling, limits)
            merge.progress = report_progress
            merge.run()
        finally:
            source.close()
    return merge.report


class _Merge:
    """One import: planned and written inside the target collection's transaction."""

    def __init__(
        self,
        col: Collection,
        source: SourceCollection,
        package: PackageReader,
        entries: list[MediaEntry],
        store: MediaStore | None,
        scheduling: bool,
        limits: PackageLimits,
    ) -> None:
        self.col = col
        self.source = source
        self.package = package
        self.store = store
        self.scheduling = scheduling
        self.limits = limits
        self.report = ImportReport()
        self.progress: Progress = no_progress
        self.media = MediaImport(package, entries, store, self.report)
        self.notetype_map: dict[int, int] = {}  # source mid → target mid (all imported)
        self.remapped_notetypes: set[int] = set()  # source mids added under a new id
        self.deck_map: dict[int, int] = {}
        self.note_map: dict[int, int] = {}
        self.card_map: dict[int, int] = {}
        self.new_tags: dict[str, str] = {}

    def run(self) -> None:
        self.media.plan_renames()
        try:
            with self.col.transaction():
                self._import_notetypes()
                self._import_decks()
                self._import_notes()
                self._import_cards()
                if self.scheduling:
                    self._import_revlog()
                self._register_tags()
                self.media.store_used(self.progress)
                self.col.touch()
        except ValidationError:
            raise
        except (CollectionError, sqlite3.DatabaseError, ValueError, TypeError, KeyError) as exc:
            raise PackageError(f"the package's collection could not be imported: {exc}") from exc

    # ------------------------------------------------------------- note types

    def _import_notetypes(self) -> None:
        used = {r[0] for r in self.source.db.execute("select distinct mid from notes")}
        models = dict(self.col.models)
        for mid in sorted(used):
            incoming = self.source.models.get(str(mid))
            if not isinstance(incoming, dict):
                raise PackageError(f"the package's notes use note type {mid}, which it lacks")
            _check_notetype(incoming)
            existing = models.get(str(mid))
            if existing is None:
                self.notetype_map[mid] = self._add_notetype(models, incoming, keep_id=True)
            elif _schema_key(existing) == _schema_key(incoming):
                self.notetype_map[mid] = mid
                if int(incoming.get("mod", 0)) > int(existing.get("mod", 0)):
                    updated = copy.deepcopy(incoming)
                    updated.update({"name": existing["name"], "usn": -1})
                    models[str(mid)] = updated
                    self.report.notetypes_updated.append(str(existing["name"]))
            else:
                self.notetype_map[mid] = self._add_notetype(models, incoming, keep_id=False)
                self.remapped_notetypes.add(mid)
        self.col.save_json("models", models, schema_change=bool(self.report.notetypes_added))

    def _add_notetype(
        self, models: dict[str, Any], incoming: dict[str, Any], *, keep_id: bool
    ) -> int:
        nt = copy.deepcopy(incoming)
        names = {str(m.get("name")) for m in models.values()}
        name = str(nt.get("name") or "Imported").strip() or "Imported"
        while name in names:
            name += "+"
        mid = int(nt["id"]) if keep_id else self.col.now_ms()
        while str(mid) in models:
            mid += 1
        nt.update({"id": mid, "name": name, "usn": -1, "mod": self.col.now_secs()})
        models[str(mid)] = nt
        self.report.notetypes_added.append(name)
        return mid

    # ------------------------------------------------------------- decks

    def _import_decks(self) -> None:
        used = {
            int(r[0])
            for r in self.source.db.execute(
                "select did from cards union select odid from cards where odid != 0"
            )
        }
        wanted: dict[int, dict[str, Any]] = {}
        for did in used:
            deck = self.source.decks.get(str(did))
            if isinstance(deck, dict) and isinstance(deck.get("name"), str):
                wanted[did] = deck
        for did, deck in sorted(wanted.items(), key=lambda kv: str(kv[1]["name"]).count("::")):
            self.deck_map[did] = self._import_deck(deck)
        for did in used - set(wanted):
            self.deck_map[did] = decks_mod.DEFAULT_DECK_ID  # Anki would recreate it; we file it

    def _import_deck(self, incoming: dict[str, Any]) -> int:
        try:
            name = decks_mod.normalize_deck_name(str(incoming["name"]))
        except ValidationError as exc:
            raise PackageError(f"the package has a bad deck name: {exc}") from exc
        existing = decks_mod.deck_by_name(self.col, name)
        if existing is not None and not existing.get("dyn"):
            if self.scheduling:
                self._adopt_deck_options(int(existing["id"]), incoming)
            return int(existing["id"])
        if existing is not None:
            name = f"{name} {self.col.now_secs()}"
        try:
            did = decks_mod.add_deck(self.col, name)
        except ValidationError as exc:
            raise PackageError(f"deck {name!r} from the package cannot be added: {exc}") from exc
        self.report.decks_added.append(name)
        decks = dict(self.col.decks)
        deck = dict(decks[str(did)])
        deck["desc"] = str(incoming.get("desc", ""))
        decks[str(did)] = deck
        self.col.save_json("decks", decks)
        if self.scheduling and not incoming.get("dyn"):
            self._adopt_deck_options(did, incoming)
        return did

    def _adopt_deck_options(self, did: int, incoming: dict[str, Any]) -> None:
        """The incoming deck's options preset, added when its id is new (as Anki does)."""
        conf_id = incoming.get("conf")
        if not isinstance(conf_id, int) or conf_id == decks_mod.DEFAULT_CONFIG_ID:
            return
        preset = self.source.dconf.get(str(conf_id))
        if not isinstance(preset, dict):
            return
        if str(conf_id) not in self.col.dconf:
            dconf = dict(self.col.dconf)
            new = copy.deepcopy(preset)
            new.update({"id": conf_id, "usn": -1})
            dconf[str(conf_id)] = new
            self.col.save_json("dconf", dconf)
        decks = dict(self.col.decks)
        deck = dict(decks[str(did)])
        deck["conf"] = conf_id
        decks[str(did)] = deck
        self.col.save_json("decks", decks)

    # ------------------------------------------------------------- notes

    def _import_notes(self) -> None:
        db = self.col.db
        by_guid = {
            str(guid): (int(nid), int(mod), int(mid))
            for guid, nid, mod, mid in db.execute("select guid, id, mod, mid from notes")
        }
        taken_ids = {int(r[0]) for r in db.execute("select id from notes")}
        total = self.source.db.execute("select count() from notes").fetchone()[0]
        models = self.col.models
        known_tags = {t.lower(): t for t in self.col.tags}
        inserts: list[tuple[Any, ...]] = []
        done = 0
        for nid, guid, mid, mod, tags, flds in self.source.db.execute(
            "select id, guid, mid, mod, tags, flds from notes order by id"
        ):
            done += 1
            if done % BATCH == 0:
                self.progress(done, total, "notes")
            self._check_field_size(nid, flds)
            target_mid = self.notetype_map[int(mid)]
            existing = by_guid.get(str(guid))
            if existing is not None:
                target_id, target_mod, target_nt = existing
                if int(mid) in self.remapped_notetypes or target_nt != target_mid:
                    self.report.notes_skipped += 1  # conflicting note type: never overwritten
                    continue
                self.note_map[int(nid)] = target_id
                if target_mod < int(mod):
                    values = self._note_values(models[str(target_mid)], flds, tags, known_tags)
                    db.execute(
                        "update notes set mod = ?, usn = -1, tags = ?, flds = ?, sfld = ?,"
                        " csum = ? where id = ?",
                        (int(mod), *values, target_id),
                    )
                    self.report.notes_updated += 1
                else:
                    self.report.notes_skipped += 1
                continue
            new_id = int(nid)
            while new_id in taken_ids:
                new_id += 999
            taken_ids.add(new_id)
            values = self._note_values(models[str(target_mid)], flds, tags, known_tags)
            inserts.append((new_id, str(guid), target_mid, int(mod), *values))
            self.note_map[int(nid)] = new_id
            self.report.notes_added += 1
            if len(inserts) >= BATCH:
                self._insert_notes(inserts)
        self._insert_notes(inserts)
        self.progress(total, total, "notes")

    def _insert_notes(self, rows: list[tuple[Any, ...]]) -> None:
        self.col.db.executemany(
            "insert into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)"
            " values (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')",
            rows,
        )
        rows.clear()

    def _check_field_size(self, nid: int, flds: object) -> None:
        if not isinstance(flds, str):
            raise PackageError(f"note {nid} in the package has non-text fields")
        if len(flds) > self.limits.max_field_bytes:
            raise PackageError(
                f"note {nid} in the package has {len(flds):,} characters of fields"
                f" (limit {self.limits.max_field_bytes:,}); refusing a huge field"
            )

    def _note_values(
        self, nt: dict[str, Any], flds: str, tags: object, known_tags: dict[str, str]
    ) -> tuple[str, str, str, int]:
        """(tags, flds, sfld, csum) as stored in the target: media references renamed, the
        field count fitted to the note type, derived columns recomputed."""
        count = len(nt["flds"])
        fields = flds.split(FIELD_SEPARATOR)
        fields = fields[:count] + [""] * (count - len(fields))
        fields = [media_mod.rewrite_references(f, self.media.rename_reference) for f in fields]
        canonical = []
        for tag in split_tags(str(tags or "")):
            spelled = known_tags.setdefault(tag.lower(), tag)
            if spelled not in self.col.tags:
                self.new_tags[spelled] = spelled
            canonical.append(spelled)
        return (
            join_tags(canonical),
            FIELD_SEPARATOR.join(fields),
            sort_field_value(nt, fields),
            field_checksum(fields[0]),
        )

    def _register_tags(self) -> None:
        if self.new_tags:
            registry = dict(self.col.tags)
            registry.update({t: -1 for t in self.new_tags})
            self.col.save_json("tags", registry)

    # ------------------------------------------------------------- cards and revlog

    def _import_cards(self) -> None:
        db = self.col.db
        existing = {(int(n), int(o)) for n, o in db.execute("select nid, ord from cards")}
        taken_ids = {int(r[0]) for r in db.execute("select id from cards")}
        delta = self.source.days_elapsed(self.col.now_secs()) - self.col.today()
        next_pos = self.col.conf_int("nextPos", 1) or 1
        max_new_due = 0
        rows: list[tuple[Any, ...]] = []
        total = self.source.db.execute("select count() from cards").fetchone()[0]
        note_map, deck_map = self.note_map, self.deck_map
        columns = ", ".join(schema.COLUMNS["cards"])  # checked when the source was opened
        for done, row in enumerate(
            self.source.db.execute(f"select {columns} from cards order by id"), 1
        ):
            if done % BATCH == 0:
                self.progress(done, total, "cards")
            card = list(row)
            nid = note_map.get(int(card[cr.NID]))
            if nid is None:
                if not self.source.db.execute(
                    "select 1 from notes where id = ?", (card[cr.NID],)
                ).fetchone():
                    self.report.cards_dropped += 1
                continue
            if (nid, int(card[cr.ORD])) in existing:
                continue
            existing.add((nid, int(card[cr.ORD])))
            card[cr.NID] = nid
            card[cr.DID] = deck_map.get(int(card[cr.DID]), decks_mod.DEFAULT_DECK_ID)
            card[cr.ODID] = deck_map.get(int(card[cr.ODID]), 0) if card[cr.ODID] else 0
            cr.leave_filtered_deck(card)
            if self.scheduling:
                cr.shift_days(card, delta)
            else:
                cr.reset_to_new(card, next_pos + done)
            if int(card[cr.QUEUE]) == 0:
                max_new_due = max(max_new_due, int(card[cr.DUE]))
            source_id = int(card[cr.ID])
            new_id = source_id
            while new_id in taken_ids:
                new_id += 999
            taken_ids.add(new_id)
            self.card_map[source_id] = new_id
            card[cr.ID], card[cr.USN] = new_id, -1
            rows.append(tuple(card))
            self.report.cards_added += 1
            if len(rows) >= BATCH:
                self._insert("cards", rows)
        self._insert("cards", rows)
        self.progress(total, total, "cards")
        if max_new_due >= next_pos:
            conf = dict(self.col.conf)
            conf["nextPos"] = max_new_due + 1
            self.col.save_json("conf", conf)

    def _insert(self, table: str, rows: list[tuple[Any, ...]], *, ignore: bool = False) -> None:
        if not rows:
            return
        marks = ", ".join("?" * len(rows[0]))
        verb = "insert or ignore" if ignore else "insert"
        # rowcount counts only this statement's rows; total_changes would include rows written
        # by triggers (the storage engine's change capture).
        inserted = self.col.db.executemany(f"{verb} into {table} values ({marks})", rows).rowcount
        if table == "revlog":
            self.report.revlog_added += inserted
        rows.clear()

    def _import_revlog(self) -> None:
        # Rows as tuples (the most numerous rows of a package: a dict per row cost more than
        # their insert); the source's columns are schema 11's, checked when it was opened.
        card_map = self.card_map
        rows: list[tuple[Any, ...]] = []
        for rid, source_cid, _usn, *rest in self.source.db.execute(
            f"select {', '.join(schema.COLUMNS['revlog'])} from revlog order by id"
        ):
            cid = card_map.get(int(source_cid))
            if cid is None:
                continue
            rows.append((rid, cid, -1, *rest))
            if len(rows) >= BATCH:
                self._insert("revlog", rows, ignore=True)
        self._insert("revlog", rows, ignore=True)


# ----------------------------------------------------------------- helpers


def _schema_key(nt: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What Anki's ``schema_hash`` covers: field names and template names, in order."""
    flds = sorted(nt.get("flds") or [], key=lambda f: int(f.get("ord", 0)))
    tmpls = sorted(nt.get("tmpls") or [], key=lambda t: int(t.get("ord", 0)))
    return tuple(str(f.get("name")) for f in flds), tuple(str(t.get("name")) for t in tmpls)


def _check_notetype(nt: dict[str, Any]) -> None:
    try:
        notetypes._check_notetype_shape(nt)
    except ValidationError as exc:
        raise PackageError(f"the package has a broken note type: {exc}") from exc
