"""Full sync: the client's whole collection replaces ours (upload), or ours replaces the
client's (download).

Upload. Anki 26 sends its collection in schema 18 (note types, decks, presets, config and tags
in protobuf tables). It is read with the package importer's reader (``SourceCollection``, which
checks the file and translates those tables into schema 11's JSON the way Anki's downgrade
does), the uploaded file itself is downgraded in place (only the small tables change), and that
file becomes the user's collection with ``StorageEngine.replace_collection``: one snapshot upload
and one fenced journal marker, instead of journaling every row as a change (which was 12 times
slower than Anki's server). A web write racing the upload is ordered before it (replaced, as a
full upload means) or after it (kept, on top of the uploaded collection). A file that cannot be
read or fails the checks leaves the collection untouched and the client is told why (Anki shows
the server's text). The file arrives as a stream into the sync server's private work folder
(never whole in memory) and is stripped of triggers and views before anything else runs on it;
collections are always opened with ``trusted_schema`` off as well.

Download. Rows changed by the web app (usn -1) get the current usn and the usn moves one up, as
Anki's server does on download; then a consistent image of the file is taken in memory (SQLite's
serialize) and upgraded there to schema 18, the file Anki's own server sends (Anki would open
schema 11 too, but upgrades it first: 15 ms for 10,000 cards on the client).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from javumbo.collection import Collection
from javumbo.collection.apkg.errors import PackageError
from javumbo.collection.apkg.schema11_downgrade import downgrade_in_place
from javumbo.collection.apkg.schema18_writer import upgrade_to_schema18
from javumbo.collection.apkg.source import SourceCollection
from javumbo.collection.collection import SQLITE_MAGIC
from javumbo.collection.undo import UNDO_CONF_KEYS
from javumbo.userdb import StorageEngine

CORRUPT_MESSAGE = "Your upload was corrupt. Please use Check Database, or restore from backup."
DEFAULT_MAX_COLLECTION_BYTES = 300 * 1024 * 1024
log = logging.getLogger(__name__)


class UploadRejected(Exception):
    """The uploaded collection is not acceptable; the message is shown to the user."""


def install_upload(
    engine: StorageEngine,
    user_id: str,
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_COLLECTION_BYTES,
) -> None:
    """Replace the user's collection with the uploaded one at ``path``, a file of the sync
    server's own that this changes in place (``UploadRejected`` if it is unusable)."""
    size = path.stat().st_size
    if size >= max_bytes:
        raise UploadRejected(
            f"Your collection is {size / 1048576:.1f} MB; this server accepts at most"
            f" {max_bytes / 1048576:.0f} MB."
        )
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise UploadRejected(CORRUPT_MESSAGE)
    try:
        source = SourceCollection(path)
    except PackageError as exc:
        raise UploadRejected(f"{CORRUPT_MESSAGE} ({exc})") from exc
    try:
        _check_source(source)
        # a copy of the web's undo steps that the client was sent earlier, stale by now
        for key in UNDO_CONF_KEYS:
            source.conf.pop(key, None)
        downgrade_in_place(source)  # triggers and views go first
    finally:
        source.close()
    engine.replace_collection(user_id, path)


def _check_source(source: SourceCollection) -> None:
    """Refuse a collection whose rows point at things it does not have."""
    db = source.db
    orphan_cards = db.execute(
        "select count() from cards where nid not in (select id from notes)"
    ).fetchone()[0]
    if orphan_cards:
        raise UploadRejected(f"{CORRUPT_MESSAGE} ({orphan_cards} cards have no note)")
    mids = {int(m) for m in source.models}
    for (mid,) in db.execute("select distinct mid from notes"):
        if mid not in mids:
            raise UploadRejected(f"{CORRUPT_MESSAGE} (notes of a missing note type {mid})")
    if not source.decks:
        raise UploadRejected(f"{CORRUPT_MESSAGE} (no decks)")


def prepare_download(engine: StorageEngine, user_id: str) -> bytes:
    """The user's collection as the client will store it."""
    engine.write(user_id, _stamp_unsent_and_bump_usn)
    with engine.read(user_id) as col:
        image = col.to_bytes()
    try:
        return current_schema_image(image)
    except PackageError:  # the client can upgrade it itself, only more slowly
        log.warning("sending %s's collection in schema 11: it does not convert", user_id)
        return image


def current_schema_image(image: bytes) -> bytes:
    """A schema-11 collection file as the schema-18 file Anki's own server would send, without
    the web's undo steps: the client opens it without upgrading (15 ms less for 10,000 cards;
    the upgrade here, in memory, costs ~5 ms)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        db.deserialize(image)
        upgrade_to_schema18(db)
        # the web's undo steps are of no use to a client and must not come back with an upload
        db.executemany("delete from config where KEY = ?", [(k,) for k in UNDO_CONF_KEYS])
        upgraded = bytearray(db.serialize())
    except sqlite3.DatabaseError as exc:
        raise PackageError(f"the collection cannot be upgraded: {exc}") from exc
    finally:
        db.close()
    # Flagged WAL in the header (bytes 18-19), as Anki's server sends it: Anki opens such a
    # file in WAL mode straight away instead of switching journal modes first.
    upgraded[18:20] = b"\x02\x02"
    return bytes(upgraded)


def _stamp_unsent_and_bump_usn(col: Collection) -> None:
    db = col.db
    usn = int(db.execute("select usn from col").fetchone()[0])
    for table in ("notes", "cards", "revlog", "graves"):
        db.execute(f"update {table} set usn = ? where usn = -1", (usn,))
    updates: dict[str, Any] = {}
    for column in ("models", "decks", "dconf"):
        objects = json.loads(json.dumps(getattr(col, column)))
        for obj in objects.values():
            if isinstance(obj, dict) and obj.get("usn") == -1:
                obj["usn"] = usn
        updates[column] = objects
    updates["tags"] = {name: usn if old == -1 else old for name, old in col.tags.items()}
    updates["usn"] = usn + 1
    col.update_col(updates)
