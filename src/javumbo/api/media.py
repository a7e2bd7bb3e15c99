"""``GET /api/media/<name>``: a file of the user's media (images, sounds), behind the token;
``POST /api/media``: a picture or sound added from the editor, named as Anki names it.

Served with ``nosniff`` and a sandboxing Content-Security-Policy: media comes from imported
packages, so an SVG or HTML file must not run script in the app's origin.
"""

from __future__ import annotations

import hashlib
import mimetypes
from typing import IO, Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import File, String
from apiflask.schemas import FileSchema
from apiflask.validators import OneOf
from flask import Response

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import ErrorCode, api_error
from javumbo.collection import media_names
from javumbo.stores.ports import BlobNotFoundError
from javumbo.userdb.media import MediaQuotaError, UserMedia, describe_size

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


class MediaUploadSchema(Schema):
    file = File(  # type: ignore[no-untyped-call]
        required=True, metadata={"description": "a picture, sound or video"}
    )


class MediaStoredSchema(Schema):
    name = String(required=True, metadata={"description": "the name the field refers to"})
    kind = String(
        required=True,
        validate=[OneOf([media_names.IMAGE, media_names.AUDIO, media_names.VIDEO])],
        metadata={"description": "image (``<img src>``) or audio/video (``[sound:]``)"},
    )


def _same_content(media: UserMedia, name: str, size: int, sha1: bytes) -> bool | None:
    """None when ``name`` is free, else whether it holds exactly these bytes."""
    existing = media.size(name)
    if existing is None:
        return None
    return existing == size and media.sha1(name) == sha1


def _measure(stream: IO[bytes], cap: int) -> tuple[bytes, int, bytes]:
    """The first bytes (for sniffing), size and SHA-1 of an upload, read in chunks; stops
    with ``media_file_too_large`` past ``cap``."""
    digest = hashlib.sha1()
    head = b""
    size = 0
    while chunk := stream.read(1024 * 1024):
        if not head:
            head = chunk[: media_names.SNIFF_BYTES]
        size += len(chunk)
        if size > cap:
            raise MediaQuotaError(
                ErrorCode.MEDIA_FILE_TOO_LARGE.value,
                f"a media file is larger than the largest allowed, {describe_size(cap)}",
            )
        digest.update(chunk)
    stream.seek(0)
    return head, size, digest.digest()


@bp.post("")
@bp.input(MediaUploadSchema, location="files", arg_name="form")
@bp.output(MediaStoredSchema, status_code=201)
@bp.doc(responses=[413, 415])
@user_collection
def add_media(handle: CollectionHandle, form: dict[str, Any]) -> dict[str, str]:
    """Store a picture or sound. Its kind is read from its bytes (anything else: 415
    ``unsupported_media_type``); the name is Anki's: the same name and content is reused, another
    content under a taken name becomes ``name-<sha1>.ext``. Counts against the media
    allowance (413 ``media_quota_exceeded`` / ``media_file_too_large``)."""
    upload = form["file"]
    media = handle.media()
    stream: IO[bytes] = upload.stream
    head, size, sha1 = _measure(stream, media.limits.max_file_bytes)
    if size == 0:
        raise api_error(400, "the file is empty", code=ErrorCode.INVALID_REQUEST.value)
    kind = media_names.sniff(head)
    if kind is None:
        raise api_error(
            415,
            "only pictures, sounds and videos can be added (this file is none of them)",
            code=ErrorCode.UNSUPPORTED_MEDIA_TYPE.value,
        )
    name = media_names.upload_name(upload.filename or "", kind)
    same = _same_content(media, name, size, sha1)
    if same is False:
        name = media_names.with_hash_suffix(name, sha1.hex())
        same = _same_content(media, name, size, sha1)
    if same is None:
        media.put_stream(name, stream)
    return {"name": name, "kind": kind.kind}
