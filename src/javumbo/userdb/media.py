"""A user's media files (images, sounds) on the blob store under ``users/<id>/media/<name>``.

Media never passes through the journal: files are content the client uploads whole, and the
collection only refers to them by name.
"""

from __future__ import annotations

from javumbo.stores.ports import BlobNotFoundError, BlobStore
from javumbo.userdb.names import check_segment, media_prefix


class UserMedia:
    def __init__(self, blobs: BlobStore, user_id: str) -> None:
        self.blobs = blobs
        self.prefix = media_prefix(user_id)

    def _key(self, name: str) -> str:
        return self.prefix + check_segment(name, "media file name")

    def put(self, name: str, data: bytes) -> str:
        """Store (replacing) a file; returns its ETag."""
        return self.blobs.put(self._key(name), data)

    def get(self, name: str) -> bytes:
        """The file's bytes; ``BlobNotFoundError`` if there is none."""
        return self.blobs.get(self._key(name)).data

    def get_or_none(self, name: str) -> bytes | None:
        try:
            return self.get(name)
        except BlobNotFoundError:
            return None

    def exists(self, name: str) -> bool:
        return self.blobs.head(self._key(name)) is not None

    def delete(self, name: str) -> None:
        self.blobs.delete(self._key(name))

    def list(self) -> list[str]:
        """File names, sorted."""
        return [info.key[len(self.prefix) :] for info in self.blobs.list(self.prefix)]
