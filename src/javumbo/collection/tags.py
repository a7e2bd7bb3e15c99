"""Tags as Anki spells, orders and registers them (its ``tags`` module in rslib).

Anki's tags are case-insensitive: a tag already in the collection's tag list keeps the spelling
it was registered with, and a new tag under a known parent takes the parent's spelling
(``Foo`` known, ``foo::bar`` becomes ``Foo::bar``). Every ``::`` part is normalized (NFC, no
control characters, trimmed, ``blank`` where nothing is left). A note's tags are stored sorted
case-insensitively whenever Anki rewrites them (adding a note, saving it, bulk adding), while
bulk removal keeps the order of the tags left. Removing a tag also removes its children
(``foo`` takes ``foo::bar`` with it), and only from the notes: the tag list keeps it, as Anki's
"Remove Tags" does, until "Check Database" or "Clear Unused Tags" tidies it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from javumbo.collection.collection import Collection

TAG_SEPARATORS = (" ", "\u3000")


class TagRegistry:
    """The collection's tag list while tags are being registered: Anki's ``canonify_tags``.
    Changes are kept in memory until ``save``, so one registry serves a whole batch."""

    def __init__(self, col: Collection) -> None:
        self.col = col
        self.names = dict(col.tags)
        self.by_folded = {name.casefold(): name for name in self.names}
        self.added = False

    def canonify(self, tags: Iterable[str]) -> list[str]:
        """The tags split, normalized, spelled as registered (registering new ones), without
        case-insensitive repeats (the first spelling wins), sorted case-insensitively."""
        seen: dict[str, str] = {}
        for name in self.register_all(tags):
            seen.setdefault(name.casefold(), name)
        return sort_tags(seen.values())

    def register_all(self, tags: Iterable[str]) -> list[str]:
        """Each tag of ``tags`` (split on Anki's separators) registered, in order."""
        return [self.register(tag) for item in tags for tag in split_on_separators(item)]

    def register(self, tag: str) -> str:
        name = normalize_tag_name(tag)
        known = self.by_folded.get(name.casefold())
        if known is not None:
            return known
        name = self._parent_case(name)
        self.names[name] = -1
        self.by_folded[name.casefold()] = name
        self.added = True
        return name

    def save(self) -> None:
        if self.added:
            self.col.save_json("tags", self.names)
            self.added = False

    def _parent_case(self, name: str) -> str:
        """A new tag under a known parent takes the parent's spelling, as Anki's
        ``adjusted_case_for_parents`` (the nearest known ancestor wins)."""
        parts = name.split("::")
        for depth in range(len(parts) - 1, 0, -1):
            parent = self.by_folded.get("::".join(parts[:depth]).casefold())
            if parent is not None:
                return "::".join([parent, *parts[depth:]])
        return name


def sort_tags(tags: Iterable[str]) -> list[str]:
    """Anki's order for a note's tags: case-insensitive."""
    return sorted(tags, key=str.casefold)


def with_tags_added(current: Sequence[str], extra: Sequence[str]) -> list[str] | None:
    """A note's tags after a bulk add (Anki's ``add_missing_tags``): the tags it lacks added
    and all sorted; ``None`` when it already has every one, so the note is left untouched."""
    have: dict[str, str] = {}
    for tag in current:
        have.setdefault(tag.casefold(), tag)
    missing = [tag for tag in extra if tag.casefold() not in have]
    if not missing:
        return None
    for tag in missing:
        have.setdefault(tag.casefold(), tag)
    return sort_tags(have.values())


def removal_matcher(names: Iterable[str]) -> re.Pattern[str] | None:
    """What Anki's "Remove Tags" removes: each name, in any case, and its children."""
    parts = [re.escape(tag) for item in names for tag in split_on_separators(item)]
    if not parts:
        return None
    return re.compile(f"(?:{'|'.join(parts)})(?:::|$)", re.IGNORECASE)


def normalize_tag_name(tag: str) -> str:
    """Anki's ``normalize_tag_name``: each ``::`` part in NFC without control characters or
    separators, trimmed, and ``blank`` where nothing is left."""
    return "::".join(_normalize_part(part) for part in tag.split("::"))


def split_on_separators(text: str) -> list[str]:
    for sep in TAG_SEPARATORS[1:]:
        text = text.replace(sep, " ")
    return [t for t in text.split(" ") if t]


def _normalize_part(part: str) -> str:
    text = unicodedata.normalize("NFC", part)
    text = "".join(ch for ch in text if not _invalid_in_tag(ch)).strip()
    return text or "blank"


def _invalid_in_tag(ch: str) -> bool:
    return ord(ch) < 32 or ch == "\x7f" or ch in TAG_SEPARATORS
