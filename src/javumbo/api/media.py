"""``GET /api/media/<name>``: a file of the user's media (images, sounds), behind the token.

Served with ``nosniff`` and a sandboxing Content-Security-Policy: media comes from imported
packages, so an SVG or HTML file must not run script in the app's origin.
"""

from __future__ import annotations

import mimetypes

from apiflask import APIBlueprint
from apiflask.schemas import FileSchema
from flask import Response

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import api_error
from javumbo.stores.ports import BlobNotFoundError

MEDIA_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

bp = APIBlueprint("media", __name__, tag="Media", url_prefix="/api/media")


@bp.get("/<name>")
@bp.output(FileSchema(type="string", format="binary"), content_type="application/octet-stream")
@user_collection
def get_media(handle: CollectionHandle, name: str) -> Response:
    """The file's bytes, with a content type guessed from its name."""
    try:
        data = handle.media().get(name)
    except BlobNotFoundError as exc:
        raise api_error(404, f"no media file named {name!r}") from exc
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = Response(data, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
