"""Anki's Tools → Check Media: which stored media files no note refers to (unused) and which
files notes refer to that are not stored (missing, with the notes). A file whose name starts
with ``_`` is never unused: Anki keeps such files for templates and styling (fonts, scripts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from javumbo.collection.apkg.media import media_references
from javumbo.collection.collection import Collection


@dataclass
class MediaCheck:
    unused: list[str] = field(default_factory=list)
    missing: dict[str, list[int]] = field(default_factory=dict)  # name → note ids


def check_media(col: Collection, stored: Iterable[str]) -> MediaCheck:
    """Compare what notes, templates and styles refer to with the ``stored`` file names."""
    stored_names = set(stored)
    referenced: set[str] = set()
    missing: dict[str, list[int]] = {}
    for nid, flds in col.db.execute("select id, flds from notes order by id"):
        for name in set(media_references(str(flds))):
            referenced.add(name)
            if name not in stored_names:
                missing.setdefault(name, []).append(int(nid))
    for nt in col.models.values():
        texts = [str(nt.get("css", ""))]
        texts += [str(t.get(k, "")) for t in nt.get("tmpls", []) for k in ("qfmt", "afmt")]
        for text in texts:
            referenced.update(media_references(text))
    unused = sorted(n for n in stored_names - referenced if not n.startswith("_"))
    return MediaCheck(unused=unused, missing=dict(sorted(missing.items())))
