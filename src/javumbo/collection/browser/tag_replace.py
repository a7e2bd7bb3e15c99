"""Find and replace in tags, as Anki's ``find_and_replace_tag`` (its Find and Replace dialog
with "Tags" chosen): the search runs over each tag of the chosen notes on its own; a tag
replaced by nothing leaves the note, the others are spelled as Anki spells tags (NFC, no
control characters, blank ``::`` parts named ``blank``, the case of a tag or parent already
known) and registered, and each note's tags come out sorted. One undo step, "Update Tag" as
Anki names it; undo also unregisters the tags it registered.
"""

from __future__ import annotations

from collections.abc import Sequence

from javumbo.collection.browser.find_replace import (
    compile_search,
    replacement_template,
    substitute,
)
from javumbo.collection.cards import chunks, placeholders
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.notes import join_tags, split_tags
from javumbo.collection.tags import TAG_SEPARATORS, TagRegistry
from javumbo.collection.undo import undoable

UNDO_LABEL = "Update Tag"


def find_and_replace_tags(
    col: Collection,
    note_ids: Sequence[int],
    search: str,
    replacement: str,
    *,
    regex_search: bool = False,
    match_case: bool = False,
) -> int:
    """Replace in the tags of ``note_ids`` (every note when empty); the number of notes whose
    tags matched (Anki counts a match even where the result spells the tags as before)."""
    if any(sep in replacement for sep in TAG_SEPARATORS):
        raise ValidationError("a tag replacement cannot contain a space")
    pattern = compile_search(search, regex_search=regex_search, match_case=match_case)
    template = replacement_template(replacement, regex_search=regex_search)
    ids = list(dict.fromkeys(int(n) for n in note_ids))
    if not ids:
        ids = [int(r[0]) for r in col.db.execute("select id from notes order by id")]
    matched: list[tuple[int, list[str]]] = []
    for batch in chunks(ids):
        rows = col.db.execute(
            f"select id, tags from notes where id in ({placeholders(batch)}) order by id", batch
        ).fetchall()
        for nid, text in rows:
            replaced: list[str] = []
            hits = 0
            for tag in split_tags(str(text)):
                new, count = substitute(pattern, template, tag)
                hits += count
                replaced.append(new)
            if hits:
                matched.append((int(nid), replaced))
    if not matched:
        return 0
    with undoable(col, UNDO_LABEL, note_ids=[nid for nid, _ in matched]):
        registry = TagRegistry(col)
        now = col.now_secs()
        for nid, replaced in matched:
            col.db.execute(
                "update notes set tags = ?, mod = ?, usn = -1 where id = ?",
                (join_tags(registry.canonify(replaced)), now, nid),
            )
        registry.save()
        col.touch()
    return len(matched)
