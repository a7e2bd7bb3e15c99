"""Find duplicates as Anki's ``find_dupes``: among the notes matching a search whose field of
the given name is not empty, those whose field text (HTML stripped, media names kept) is the
same; groups in the order their second note is met, notes oldest first."""

from __future__ import annotations

from javumbo.collection.collection import Collection
from javumbo.collection.html_text import strip_html_media
from javumbo.collection.notes import FIELD_SEPARATOR
from javumbo.collection.search.queries import find_notes
from javumbo.collection.search.sql_writer import ids_json


def find_duplicates(
    col: Collection, field: str, search: str = "", *, notetype_id: int | None = None
) -> list[tuple[str, list[int]]]:
    """``[(text, [note ids])]`` for every text held by two notes or more."""
    restriction = f"mid:{notetype_id}" if notetype_id is not None else ""
    query = " ".join(
        part for part in (f"({search})" if search.strip() else "", restriction) if part
    )
    nids = find_notes(col, query)
    ords: dict[int, int | None] = {}
    for mid, model in col.models.items():
        names = [str(f["name"]).lower() for f in model.get("flds", [])]
        ords[int(mid)] = names.index(field.lower()) if field.lower() in names else None
    seen: dict[str, list[int]] = {}
    found: list[tuple[str, list[int]]] = []
    for nid, mid, flds in col.db.execute(
        "select id, mid, flds from notes where id in (select value from json_each(?)) order by id",
        [ids_json(nids)],
    ):
        index = ords.get(int(mid))
        values = str(flds).split(FIELD_SEPARATOR)
        if index is None or index >= len(values):
            continue
        text = strip_html_media(values[index])
        if not text:
            continue
        group = seen.setdefault(text, [])
        group.append(int(nid))
        if len(group) == 2:
            found.append((text, group))
    return found
