"""Field HTML reduced to text the way Anki's Rust core does it (``rslib/src/text.rs``).

Sort fields, duplicate checksums, the ``text:`` filter and "is this field empty" all depend on
these exact rules, so they follow Anki's regexes rather than a full HTML parser.
"""

from __future__ import annotations

import html
import re

_HTML = re.compile(
    r"<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>",
    re.IGNORECASE | re.DOTALL,
)

# <img>, <audio>, <video>, <object> with a src/data attribute: keep the file name.
_MEDIA_TAG = re.compile(
    r"""<\b(?:img|audio|video|object)\b
        (?:[^>"']|"[^"]*?"|'[^']*?')*?
        \b(?:src|data)\b=
        (?:"([^"]+?)"[^>]*>
          |'([^']+?)'[^>]*>
          |([^ >]+?)(?:\x20[^>]*>|>)
        )""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)

_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.IGNORECASE | re.DOTALL | re.ASCII)

_ATTRIBUTE_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def decode_entities(text: str) -> str:
    """Entities decoded and no-break spaces made plain (only when there was an entity)."""
    if "&" not in text:
        return text
    return html.unescape(text).replace("\xa0", " ")


def strip_html(text: str) -> str:
    """Tags, comments, styles and scripts removed; entities decoded."""
    return decode_entities(_HTML.sub("", text))


def strip_html_media(text: str) -> str:
    """Like ``strip_html`` but media tags leave their file name (`` cell.png ``) behind, so
    that sorting and duplicate checks still see an image-only field."""
    with_names = _MEDIA_TAG.sub(lambda m: f" {m.group(1) or m.group(2) or m.group(3) or ''} ", text)
    return strip_html(with_names)


def field_is_empty(text: str) -> bool:
    """Anki's notion of an empty field: only whitespace, ``<br>`` and ``<div>`` tags."""
    return _EMPTY_FIELD.match(text) is not None


def encode_attribute(text: str) -> str:
    """Escape text for an HTML attribute as Anki's ``htmlescape::encode_attribute`` does:
    ASCII letters and digits stay, other characters below 256 become ``&#xHH;``."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ATTRIBUTE_NAMED:
            out.append(_ATTRIBUTE_NAMED[char])
        elif code >= 256 or (char.isascii() and char.isalnum()):
            out.append(char)
        else:
            out.append(f"&#x{code:X};")
    return "".join(out)
