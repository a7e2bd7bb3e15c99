"""A user's media files (images, sounds) on the blob store under ``users/<id>/media/<name>``.

Media never passes through the journal: files are content the client uploads whole, and the
collection only refers to them by name.

Change marker. Media sync must notice files written here (web uploads, package imports) without
listing the whole store on every sync. So every write or deletion is followed by a check of a
tiny per-user blob, ``users/<id>/media-changed``: if it is not the one this ``UserMedia`` last
wrote, a new one (random content, so a new ETag) replaces it. Media sync, when the marker's ETag
is not the one it recorded, writes a marker of its own, lists the store and records that
marker's ETag. A write is thus always followed by a marker the sync has not seen, unless the
sync's marker came after the write's check, in which case its listing saw the write. An import
of many files (one ``UserMedia``) writes the marker once plus one HEAD per file.
"""

from __future__ import annotations

import unicodedata
import uuid

from javumbo.stores.ports import BlobNotFoundError, BlobStore
from javumbo.userdb.names import check_segment, media_prefix, user_prefix


def media_marker_key(user_id: str) -> str:
    """The user's media change marker (outside the media prefix, so never listed as a file)."""
    return user_prefix(user_id) + "media-changed"


def write_media_marker(blobs: BlobStore, user_id: str) -> str:
    """Replace the user's change marker with a new one; returns its ETag."""
    return blobs.put(media_marker_key(user_id), uuid.uuid4().hex.encode("ascii"))


class UserMedia:
    def __init__(self, blobs: BlobStore, user_id: str, *, marks_changes: bool = True) -> None:
        """``marks_changes=False`` is for media sync, which logs its own writes."""
        self.blobs = blobs
        self.user_id = user_id
        self.prefix = media_prefix(user_id)
        self.marks_changes = marks_changes
        self._marker_etag: str | None = None

    def _key(self, name: str) -> str:
        return self.prefix + check_segment(name, "media file name")

    def put(self, name: str, data: bytes) -> str:
        """Store (replacing) a file; returns its ETag."""
        etag = self.blobs.put(self._key(name), data)
        self._mark_changed()
        return etag

    def get(self, name: str) -> bytes:
        """The file's bytes; ``BlobNotFoundError`` if there is none. A decomposed (NFD) name
        finds the file stored under its NFC form, the form Anki and our importer store: a note
        typed on macOS may refer to it either way."""
        try:
            return self.blobs.get(self._key(name)).data
        except BlobNotFoundError:
            nfc = unicodedata.normalize("NFC", name)
            if nfc == name:
                raise
            return self.blobs.get(self._key(nfc)).data

    def get_or_none(self, name: str) -> bytes | None:
        try:
            return self.get(name)
        except BlobNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self.blobs.head(self._key(name)) is not None

    def delete(self, name: str) -> None:
        self.blobs.delete(self._key(name))
        self._mark_changed()

    def list(self) -> list[str]:
        """File names, sorted."""
        return [info.key[len(self.prefix) :] for info in self.blobs.list(self.prefix)]

    def _mark_changed(self) -> None:
        """Make sure a marker media sync has not seen follows this change (see the module
        docstring); only a HEAD when this object's marker is still the current one."""
        if not self.marks_changes:
            return
        if self._marker_etag is not None:
            current = self.blobs.head(media_marker_key(self.user_id))
            if current is not None and current.etag == self._marker_etag:
                return
        self._marker_etag = write_media_marker(self.blobs, self.user_id)
