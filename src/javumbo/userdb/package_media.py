"""The user's media (``UserMedia``) as the package importer's and exporter's ``MediaStore``.

Every file passes as a stream: an import writes through ``UserMedia.put_stream`` (hashed while
streaming, held to the user's media allowance), and reading a stored file back (to compare it
with a package's, or to export it) goes through a temporary file under ``scratch``, never
through memory whole.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from javumbo.collection.apkg.media import Readable
from javumbo.stores.ports import BlobNotFoundError
from javumbo.userdb.media import MediaQuotaError, UserMedia, describe_size


class BlobMediaStore:
    """The apkg layer's ``MediaStore`` over one user's media in the blob store."""

    def __init__(self, media: UserMedia, *, scratch: Path | None = None) -> None:
        """``scratch``: where copies of stored files are made while they are read (the
        system's temporary folder by default)."""
        self.media = media
        self.scratch = scratch

    def exists(self, name: str) -> bool:
        return self.media.exists(name)

    def size(self, name: str) -> int | None:
        return self.media.size(name)

    def open(self, name: str) -> IO[bytes]:
        """The stored file, copied to an unnamed temporary file (deleted when closed)."""
        folder = Path(tempfile.mkdtemp(prefix="javumbo-media-", dir=self.scratch))
        copy = folder / "file"
        try:
            try:
                self.media.get_to_file(name, copy)
            except BlobNotFoundError as exc:
                raise FileNotFoundError(name) from exc
            reader = copy.open("rb")
        finally:
            copy.unlink(missing_ok=True)
            os.rmdir(folder)
        return reader

    def ensure_room(self, total_bytes: int, largest_file: int) -> None:
        if largest_file > self.media.limits.max_file_bytes:
            raise MediaQuotaError(
                "media_file_too_large",
                f"the package has a media file of {describe_size(largest_file)}; the largest"
                f" allowed is {describe_size(self.media.limits.max_file_bytes)}",
            )
        self.media.ensure_room(total_bytes)

    def write(self, name: str, stream: Readable) -> None:
        self.media.put_stream(name, stream)

    def sha1(self, name: str) -> bytes | None:
        return self.media.sha1(name, scratch=self.scratch)
