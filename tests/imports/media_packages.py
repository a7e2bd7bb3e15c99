"""Packages with media for the import tests: a small real collection whose notes refer to the
media, and media entries of any size written a chunk at a time (never whole in memory)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

from javumbo.collection import Collection
from javumbo.collection.decks import add_deck
from javumbo.collection.notes import add_note
from javumbo.collection.notetypes import notetype_by_name

MiB = 1024 * 1024
# One MiB of media: 16 KiB of random bytes, then zeros. Deflate packs it about 60 to 1, under
# the package reader's 200-to-1 rule, so a big entry stays a small package without being
# refused as a zip bomb.
_RANDOM_PART = 16 * 1024


def collection_referring_to(tmp_path: Path, names: list[str]) -> bytes:
    """A schema-11 collection with one note per media name, showing it as a sound."""
    path = tmp_path / "media-notes-source.anki2"
    col = Collection.create(path)
    basic = notetype_by_name(col, "Basic")
    assert basic is not None
    deck_id = add_deck(col, "With media")
    for index, name in enumerate(names):
        add_note(col, basic["id"], [f"note {index}", f"[sound:{name}]"], deck_id)
    col.close()
    data = path.read_bytes()
    path.unlink()
    return data


def _seeded(seed: int) -> bytes:
    return random.Random(seed).randbytes(_RANDOM_PART)


def write_media_package(path: Path, tmp_path: Path, media: dict[str, int | bytes]) -> Path:
    """An ``.apkg`` (legacy layout) whose notes refer to every file of ``media``: a file is
    given as its bytes, or as a size in MiB generated chunk by chunk."""
    names = list(media)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.writestr("collection.anki2", collection_referring_to(tmp_path, names))
        for index, content in enumerate(media.values()):
            if isinstance(content, bytes):
                zf.writestr(str(index), content)
                continue
            info = zipfile.ZipInfo(str(index))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as out:
                for chunk_index in range(content):
                    out.write(_seeded(chunk_index) + bytes(MiB - _RANDOM_PART))
        zf.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
    return path


def generated_media(size_mib: int) -> bytes:
    """The bytes ``write_media_package`` generates for a file of ``size_mib`` MiB (small sizes
    only: this is whole in memory)."""
    return b"".join(_seeded(i) + bytes(MiB - _RANDOM_PART) for i in range(size_mib))
