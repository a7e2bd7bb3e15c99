"""``GET /api/tags``: the collection's tags, for the tag editor's completion."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import List, String

from javumbo.api.collection_handle import CollectionHandle, user_collection

bp = APIBlueprint("tags", __name__, tag="Tags", url_prefix="/api/tags")


class TagListSchema(Schema):
    tags = List(
        String(),
        required=True,
        metadata={"description": "every tag, sorted without regard to case (``a::b`` nested)"},
    )


@bp.get("")
@bp.output(TagListSchema)
@user_collection
def list_tags(handle: CollectionHandle) -> dict[str, list[str]]:
    """The tags of the collection's tag list (the one Anki's browser sidebar shows)."""
    with handle.read() as col:
        return {"tags": sorted(col.tags, key=lambda tag: (tag.lower(), tag))}
