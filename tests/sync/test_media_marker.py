"""The media change marker: a sync lists the user's media store only after a web media change,
and a package import writing many files moves the marker a bounded number of times."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from anki.collection import Collection as AnkiCollection
from anki.collection import ExportAnkiPackageOptions

from javumbo.collection import Collection
from javumbo.collection.apkg import import_apkg
from javumbo.stores.ports import Blob, BlobInfo, BlobStore, ByteSource
from javumbo.userdb import UserMedia
from javumbo.userdb.media import media_marker_key
from javumbo.userdb.package_media import BlobMediaStore
from tests.sync.conftest import Required, RunningServer, sync_media, uploaded_client

MEDIA_FILES = 6


class RecordingBlobs:
    """The server's real blob store, noting the keys written (to count marker writes)."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.put_keys: list[str] = []

    def get(self, key: str) -> Blob:
        return self.inner.get(key)

    def get_to_file(self, key: str, path: Path) -> BlobInfo:
        return self.inner.get_to_file(key, path)

    def put(self, key: str, data: bytes | BinaryIO) -> str:
        self.put_keys.append(key)
        return self.inner.put(key, data)

    def put_stream(self, key: str, stream: ByteSource) -> BlobInfo:
        self.put_keys.append(key)
        return self.inner.put_stream(key, stream)

    def put_if_absent(self, key: str, data: bytes | BinaryIO) -> str:
        self.put_keys.append(key)
        return self.inner.put_if_absent(key, data)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def head(self, key: str) -> BlobInfo | None:
        return self.inner.head(key)

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        return self.inner.list(prefix)


def _user_id(server: RunningServer) -> str:
    user = server.deps.meta.get_user("alice")
    assert user is not None
    return user.user_id


def _lists(server: RunningServer) -> int:
    return int(server.deps.blobs.counters["blob_list"])  # type: ignore[attr-defined]


def _package_with_media(anki_col: Callable[[str], AnkiCollection], out: Path) -> list[str]:
    col = anki_col("packager")
    names = [f"pic{i}.png" for i in range(MEDIA_FILES)]
    notetype = col.models.by_name("Basic")
    assert notetype is not None
    for index, name in enumerate(names):
        stored = col.media.write_data(name, b"\x89PNG picture %d" % index)
        note = col.new_note(notetype)
        note["Front"] = f'picture {index} <img src="{stored}">'
        note["Back"] = "back"
        col.add_note(note, col.decks.id("Pictures"))
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(with_media=True, legacy=True),
        limit=None,
    )
    return names


def test_a_no_op_sync_lists_nothing_and_a_web_change_is_still_seen(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    col_a.sync_collection(auth_a, False)
    sync_media(col_a, auth_a)
    before = _lists(server)
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    sync_media(col_a, auth_a)
    assert _lists(server) == before

    server.deps.engine.media(_user_id(server)).put("from-web.png", b"\x89PNG web")
    assert col_a.sync_collection(auth_a, False).required == Required.NO_CHANGES
    sync_media(col_a, auth_a)
    assert (Path(col_a.media.dir()) / "from-web.png").read_bytes() == b"\x89PNG web"
    assert _lists(server) == before + 1  # one listing for the change, then none again
    col_a.sync_collection(auth_a, False)
    sync_media(col_a, auth_a)
    assert _lists(server) == before + 1


def test_a_web_deletion_after_a_sync_listed_is_still_seen(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection]
) -> None:
    """The same ``UserMedia`` writing before and after a sync: its second change must not
    trust the marker it wrote first, which the sync has since replaced."""
    col_a, auth_a = uploaded_client(server, anki_col)
    media = server.deps.engine.media(_user_id(server))
    media.put("first.png", b"\x89PNG 1")
    sync_media(col_a, auth_a)
    assert (Path(col_a.media.dir()) / "first.png").exists()
    media.delete("first.png")
    sync_media(col_a, auth_a)
    assert not (Path(col_a.media.dir()) / "first.png").exists()


def test_an_import_with_many_media_files_moves_the_marker_once(
    server: RunningServer, anki_col: Callable[[str], AnkiCollection], tmp_path: Path
) -> None:
    col_a, auth_a = uploaded_client(server, anki_col)
    user_id = _user_id(server)
    package = tmp_path / "pictures.apkg"
    names = _package_with_media(anki_col, package)
    blobs = RecordingBlobs(server.deps.blobs)
    store = BlobMediaStore(UserMedia(blobs, user_id))

    def apply(col: Collection) -> int:
        return import_apkg(col, package, media_store=store).media_added

    assert server.deps.engine.write(user_id, apply) == MEDIA_FILES
    media_puts = [k for k in blobs.put_keys if k != media_marker_key(user_id)]
    assert len(media_puts) == MEDIA_FILES
    assert blobs.put_keys.count(media_marker_key(user_id)) == 1

    col_a.sync_collection(auth_a, False)
    sync_media(col_a, auth_a)
    folder = Path(col_a.media.dir())
    assert set(names) <= set(os.listdir(folder))
    assert (folder / names[3]).read_bytes() == b"\x89PNG picture 3"
