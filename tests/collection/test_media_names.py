"""Media names and kinds, with real Anki's media folder as referee for the names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from javumbo.collection import media_names
from javumbo.collection.media_names import normalize_name, sniff, upload_name, with_hash_suffix

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    "name",
    [
        "foo.jpg",
        'con.jpg[]<>:"?*^|\r\n',
        "test.",
        "test ",
        "a" * 200 + ".png",
        "café\u0301.png",
        "nbsp\xa0name.mp3",
        "lpt3.wav",
        "x" * 300,
    ],
)
def test_names_are_normalized_as_real_anki_stores_them(tmp_path: Path, name: str) -> None:
    from anki.collection import Collection as AnkiCollection

    acol = AnkiCollection(str(tmp_path / "c.anki2"))
    try:
        assert normalize_name(name) == acol.media.write_data(name, b"data")
    finally:
        acol.close()


def test_other_content_under_a_taken_name_gets_anki_hash_suffix(tmp_path: Path) -> None:
    from anki.collection import Collection as AnkiCollection

    acol = AnkiCollection(str(tmp_path / "c.anki2"))
    try:
        acol.media.write_data("test.mp3", b"hello")
        anki_name = acol.media.write_data("test.mp3", b"hello1")
    finally:
        acol.close()
    ours = with_hash_suffix("test.mp3", hashlib.sha1(b"hello1").hexdigest())
    assert ours == anki_name == "test-88fdd585121a4ccb3d1540527aee53a77c77abb8.mp3"


@pytest.mark.parametrize(
    ("head", "kind", "extension"),
    [
        (PNG_HEAD, "image", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "jpg"),
        (b"GIF89a\x01\x00", "image", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image", "webp"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">', "image", "svg"),
        (b"ID3\x04\x00\x00\x00", "audio", "mp3"),
        (b"\xff\xfb\x90\x00", "audio", "mp3"),
        (b"OggS\x00\x02", "audio", "ogg"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio", "wav"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "audio", "webm"),
        (b"\x00\x00\x00\x20ftypM4A \x00", "audio", "m4a"),
        (b"\x00\x00\x00\x20ftypisom\x00", "video", "mp4"),
    ],
)
def test_kind_is_read_from_the_bytes(head: bytes, kind: str, extension: str) -> None:
    found = sniff(head)
    assert found is not None and (found.kind, found.extension) == (kind, extension)


@pytest.mark.parametrize(
    "head", [b"<html><script>alert(1)</script>", b"%PDF-1.7", b"PK\x03\x04", b"plain text", b""]
)
def test_anything_else_is_no_media(head: bytes) -> None:
    assert sniff(head) is None


def test_upload_names_follow_the_content_not_the_extension() -> None:
    assert upload_name("photo.PNG", media_names.PNG) == "photo.PNG"
    assert upload_name("photo.jpeg", media_names.JPEG) == "photo.jpeg"
    assert upload_name("notes.txt", media_names.PNG) == "notes.png"
    assert upload_name("image", media_names.PNG) == "image.png"
    assert upload_name("", media_names.MP3) == "pasted.mp3"
    assert upload_name("C:\\Users\\me\\voice.ogg", media_names.OGG) == "voice.ogg"
    assert upload_name("../../etc/passwd.png", media_names.PNG) == "passwd.png"
