"""Check Media over HTTP: ``GET /api/media-check`` lists unused and missing files,
``POST /api/media-check/delete`` deletes unused files (all, or those named) from the user's
media store. A named file some note uses is refused, so nothing a card shows can go."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, Nested, String

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import api_error
from javumbo.collection.media_check import check_media

bp = APIBlueprint("media_check", __name__, tag="Media", url_prefix="/api/media-check")


class MissingFileSchema(Schema):
    name = String(required=True)
    note_ids = List(Integer(), required=True)


class MediaCheckSchema(Schema):
    unused = List(String(), required=True)
    missing = List(Nested(MissingFileSchema), required=True)


class DeleteUnusedSchema(Schema):
    names = List(String(), metadata={"description": "these unused files; else all unused"})


class MediaDeletedSchema(Schema):
    deleted = List(String(), required=True)


def _check(handle: CollectionHandle) -> tuple[list[str], dict[str, list[int]]]:
    stored = handle.media().list()
    with handle.read() as col:
        result = check_media(col, stored)
    return result.unused, result.missing


@bp.get("")
@bp.output(MediaCheckSchema)
@user_collection
def media_check(handle: CollectionHandle) -> dict[str, Any]:
    """Unused files (no note, template or style refers to them) and missing ones."""
    unused, missing = _check(handle)
    return {
        "unused": unused,
        "missing": [{"name": name, "note_ids": ids} for name, ids in missing.items()],
    }


@bp.post("/delete")
@bp.input(DeleteUnusedSchema, arg_name="body")
@bp.output(MediaDeletedSchema)
@user_collection
def delete_unused(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Delete unused files: the ``names`` given (each must be unused), else every one."""
    unused, _missing = _check(handle)
    wanted = body.get("names")
    if wanted is not None:
        in_use = [n for n in wanted if n not in unused]
        if in_use:
            raise api_error(400, f"{in_use[0]!r} is not an unused media file")
        unused = list(dict.fromkeys(wanted))
    media = handle.media()
    for name in unused:
        media.delete(name)
    return {"deleted": unused}
