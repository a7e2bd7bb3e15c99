"""Media file names as Anki makes them, and what kind of file some bytes are.

Naming follows Anki's Rust core (``rslib/src/media/files.rs``): a name is made NFC, loses the
characters some platforms refuse, gets ``_`` after a Windows device name or a trailing dot or
space, and is cut to 120 bytes. Adding a file under a name already holding other content gives
it the name ``<stem>-<sha1 hex>.<ext>``; the same content under the same name is reused.

The kind of a file is read from its first bytes, never from its name, so that an upload named
``x.png`` holding HTML is refused, and a picture named ``x.txt`` is stored as ``x.png``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_MEDIA_NAME_BYTES = 120
_SHA1_HEX_CHARS = 40
_MAX_EXTENSION_BYTES = 10
_DISALLOWED = frozenset('[]<>:"/?*^\\|')
_WINDOWS_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)", re.IGNORECASE)

IMAGE, AUDIO, VIDEO = "image", "audio", "video"


@dataclass(frozen=True)
class MediaKind:
    """What a file is: ``kind`` (image, audio or video), its usual extension and the
    extensions a name may keep for it."""

    kind: str
    extension: str
    extensions: frozenset[str]


def _kind(kind: str, *extensions: str) -> MediaKind:
    return MediaKind(kind, extensions[0], frozenset(extensions))


PNG = _kind(IMAGE, "png")
JPEG = _kind(IMAGE, "jpg", "jpeg", "jpe", "jfif")
GIF = _kind(IMAGE, "gif")
WEBP = _kind(IMAGE, "webp")
AVIF = _kind(IMAGE, "avif")
TIFF = _kind(IMAGE, "tif", "tiff")
BMP = _kind(IMAGE, "bmp")
ICO = _kind(IMAGE, "ico")
SVG = _kind(IMAGE, "svg")
MP3 = _kind(AUDIO, "mp3")
OGG = _kind(AUDIO, "ogg", "oga", "opus", "spx", "ogx", "ogv")
WAV = _kind(AUDIO, "wav")
FLAC = _kind(AUDIO, "flac")
M4A = _kind(AUDIO, "m4a", "aac", "mp4", "3gp")
AAC = _kind(AUDIO, "aac")
WEBM = _kind(AUDIO, "webm", "mkv")
MP4 = _kind(VIDEO, "mp4", "m4v", "mov", "3gp", "m4a")

SNIFF_BYTES = 512
_SVG_PROLOGUE = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def sniff(head: bytes) -> MediaKind | None:
    """The kind of file whose first bytes (``SNIFF_BYTES`` are enough) are ``head``, or None
    when it is no picture, sound or video Anki shows."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:2] == b"BM" and len(head) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return BMP
    if head[:4] == b"\x00\x00\x01\x00" and len(head) >= 6 and head[4] > 0:
        return ICO
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return AVIF
        if brand in (b"M4A ", b"M4B "):
            return M4A
        return MP4
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return AAC
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if _SVG_PROLOGUE.match(head):
        return SVG
    return None


def _disallowed(ch: str) -> bool:
    return ch in _DISALLOWED or ord(ch) < 32 or ord(ch) == 127 or unicodedata.category(ch) == "Cn"


def _cut_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def split_name(name: str, max_bytes: int) -> tuple[str, str]:
    """Stem and extension (without the dot), cut so that ``stem.ext_`` fits ``max_bytes``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = ext, ""
    ext = _cut_utf8(ext, _MAX_EXTENSION_BYTES)
    stem = _cut_utf8(stem, max_bytes - len(ext.encode("utf-8")) - 2)
    return stem, ext


def _fits(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_MEDIA_NAME_BYTES:
        return name
    stem, ext = split_name(name, MAX_MEDIA_NAME_BYTES)
    cut = f"{stem}.{ext}" if ext else stem
    return cut + "_" if cut.endswith((" ", ".")) else cut


def normalize_name(name: str) -> str:
    """The name Anki would store a file under (see the module docstring)."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if not _disallowed(ch)).replace("\xa0", " ")
    name = _WINDOWS_DEVICE.sub(lambda m: f"{m.group(1)}_{m.group(2)}", name)
    if name.endswith((" ", ".")):
        name += "_"
    return _fits(name)


def with_hash_suffix(name: str, sha1_hex: str) -> str:
    """``foo.jpg`` -> ``foo-<sha1 hex>.jpg``: Anki's name for other content under a taken name."""
    stem, ext = split_name(name, MAX_MEDIA_NAME_BYTES - _SHA1_HEX_CHARS - 1)
    return f"{stem}-{sha1_hex}.{ext}"


def upload_name(original: str, kind: MediaKind) -> str:
    """The name an upload asks for: its own name, normalized, with the extension of what it
    really is when its own extension says something else (``photo`` from a paste, a PNG
    named ``.txt``); ``pasted`` when nothing of the name is left."""
    name = normalize_name(original.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem.strip() or "pasted"
    if ext.lower() in kind.extensions:
        return normalize_name(f"{stem}.{ext}")
    return normalize_name(f"{stem}.{kind.extension}")
