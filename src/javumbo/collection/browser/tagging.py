"""Adding and removing tags on chosen notes as one undoable step, labelled as Anki labels it
("Update Tag" for adding, "Remove Tag" for removing)."""

from __future__ import annotations

from collections.abc import Sequence

from javumbo.collection import notes as note_ops
from javumbo.collection.collection import Collection
from javumbo.collection.errors import ValidationError
from javumbo.collection.undo import undoable


def tag_notes(
    col: Collection, note_ids: Sequence[int], add: Sequence[str], remove: Sequence[str]
) -> list[int]:
    """Add ``add`` and remove ``remove`` on the notes (every note must exist, else nothing
    changes); returns the notes acted on, each once."""
    if not add and not remove:
        raise ValidationError("give tags to add or to remove")
    nids = list(dict.fromkeys(int(n) for n in note_ids))
    with undoable(col, "Update Tag" if add else "Remove Tag", note_ids=nids):
        if add:
            note_ops.add_tags(col, nids, add)
        if remove:
            note_ops.remove_tags(col, nids, remove)
    return nids
