"""The user's media as the package importer's media store: files streamed from the package
into the blob store (memory bounded whatever their size), held to the media allowance, and an
import refused by it changing nothing."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import pytest

from javumbo.collection import Collection
from javumbo.collection.apkg import import_apkg, import_colpkg
from javumbo.stores.local import LocalBlobStore
from javumbo.userdb.media import MediaLimits, MediaQuotaError, UserMedia
from javumbo.userdb.package_media import BlobMediaStore
from tests.imports.media_packages import MiB, generated_media, write_media_package


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    return Collection.create(tmp_path / "target.anki2")


def _note_count(col: Collection) -> int:
    return int(col.db.execute("select count() from notes").fetchone()[0])


def test_a_big_media_file_is_streamed_with_bounded_memory(
    tmp_path: Path, blobs: LocalBlobStore, col: Collection
) -> None:
    """A 64 MiB file goes through with a Python heap peak under 16 MiB (holding the file whole,
    as the import did before, peaks above 64 MiB)."""
    package = write_media_package(tmp_path / "big.apkg", tmp_path, {"big.mp3": 64})
    media = UserMedia(blobs, "u1", limits=MediaLimits(max_file_bytes=100 * MiB))
    store = BlobMediaStore(media, scratch=tmp_path)
    tracemalloc.start()
    try:
        report = import_apkg(col, package, media_store=store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.media_added == 1 and report.notes_added == 1
    assert peak < 16 * MiB, f"import peak {peak / MiB:.1f} MiB"
    info = blobs.head("users/u1/media/big.mp3")
    assert info is not None and info.size == 64 * MiB
    expected = hashlib.sha1(generated_media(64)).digest()
    assert media.sha1("big.mp3") == expected


def test_importing_again_finds_the_big_file_already_there(
    tmp_path: Path, blobs: LocalBlobStore, col: Collection
) -> None:
    package = write_media_package(tmp_path / "p.apkg", tmp_path, {"a.mp3": 3, "b.png": b"png"})
    media = UserMedia(blobs, "u1")
    import_apkg(col, package, media_store=BlobMediaStore(media))
    other = Collection.create(tmp_path / "other.anki2")
    again = import_apkg(other, package, media_store=BlobMediaStore(UserMedia(blobs, "u1")))
    assert (again.media_added, again.media_unchanged, again.media_renamed) == (0, 2, {})
    # same name, other content of the same size: renamed with Anki's hash suffix
    changed = write_media_package(tmp_path / "q.apkg", tmp_path, {"b.png": b"PNG"})
    third = Collection.create(tmp_path / "third.anki2")
    report = import_apkg(third, changed, media_store=BlobMediaStore(UserMedia(blobs, "u1")))
    assert report.media_renamed == {"b.png": f"b-{hashlib.sha1(b'PNG').hexdigest()}.png"}


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (MediaLimits(quota_bytes=5 * MiB, max_file_bytes=4 * MiB), "media_quota_exceeded"),
        (MediaLimits(quota_bytes=50 * MiB, max_file_bytes=2 * MiB), "media_file_too_large"),
    ],
    ids=["allowance", "largest-file"],
)
def test_an_import_past_the_media_allowance_changes_nothing(
    tmp_path: Path, blobs: LocalBlobStore, col: Collection, limits: MediaLimits, code: str
) -> None:
    UserMedia(blobs, "u1").put("mine.png", b"x" * (2 * MiB))
    package = write_media_package(
        tmp_path / "p.apkg", tmp_path, {"small.png": b"tiny", "a.mp3": 3, "b.mp3": 1}
    )
    notes_before = _note_count(col)
    media = UserMedia(blobs, "u1", limits=limits)
    with pytest.raises(MediaQuotaError) as raised:
        import_apkg(col, package, media_store=BlobMediaStore(media))
    assert raised.value.code == code
    assert _note_count(col) == notes_before
    assert UserMedia(blobs, "u1").list() == ["mine.png"]
    assert list((blobs.root / "tmp").iterdir()) == []


def test_the_bytes_are_counted_as_they_stream_not_only_the_declared_sizes(
    tmp_path: Path, blobs: LocalBlobStore, col: Collection
) -> None:
    """A package's sizes are claims (the current layout's media map states its own): with the
    check of the declared sizes out of the way, streaming still stops at the cap."""
    package = write_media_package(tmp_path / "p.apkg", tmp_path, {"a.mp3": 3})
    media = UserMedia(blobs, "u1", limits=MediaLimits(max_file_bytes=2 * MiB))
    store = BlobMediaStore(media)
    store.ensure_room = lambda total, largest: None  # type: ignore[method-assign]
    with pytest.raises(MediaQuotaError, match="larger than the largest allowed"):
        import_apkg(col, package, media_store=store)
    assert _note_count(col) == 0
    assert media.list() == []


def test_a_colpkg_past_the_allowance_leaves_the_old_collection(
    tmp_path: Path, blobs: LocalBlobStore, col: Collection
) -> None:
    package = write_media_package(tmp_path / "all.colpkg", tmp_path, {"a.mp3": 3, "b.png": b"b"})
    col.close()
    before = col.path.read_bytes()
    media = UserMedia(blobs, "u1", limits=MediaLimits(quota_bytes=2 * MiB))
    with pytest.raises(MediaQuotaError, match="allowance"):
        import_colpkg(package, col.path, media_store=BlobMediaStore(media), confirm=True)
    assert col.path.read_bytes() == before
    assert media.list() == []
    fits = UserMedia(blobs, "u1", limits=MediaLimits(quota_bytes=4 * MiB))
    report = import_colpkg(package, col.path, media_store=BlobMediaStore(fits), confirm=True)
    assert (report.notes_added, report.media_added) == (2, 2)
    assert fits.get("b.png") == b"b"
