"""The Flask side of the sync server: ``/sync/<method>`` and ``/msync/<method>`` in the same app
as the API, so a user's custom sync server setting is simply the Javumbo base URL.

``register_sync(app, deps)`` mounts it; the server object lives in
``app.extensions["javumbo_sync"]``. Every failure the client can cause is a 4xx with a short
text body (bad header, body not zstd or not JSON, unknown host key, rows that do not fit);
store outages are 503, lost races 409.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint
from flask import Flask, Response, current_app, request

from javumbo.collection.errors import CollectionError, NotFoundError
from javumbo.stores.ports import StoreUnavailableError, UserRecord
from javumbo.sync.protocol import (
    SYNC_HEADER,
    SyncHeader,
    SyncHttpError,
    decode_body,
    dump_json,
    encode_body,
    parse_object,
    parse_sync_header,
)
from javumbo.sync.server import SyncDependencies, SyncLimits, SyncServer
from javumbo.userdb import ConflictError, InvalidNameError

EXTENSION_KEY = "javumbo_sync"
BODY_MARGIN_BYTES = 1024 * 1024
log = logging.getLogger(__name__)

# Not part of the JSON API's OpenAPI document: Anki's clients speak this protocol.
bp = APIBlueprint("sync", __name__, enable_openapi=False)


def register_sync(
    app: Flask, deps: SyncDependencies, limits: SyncLimits | None = None
) -> SyncServer:
    server = SyncServer(deps, limits)
    app.extensions[EXTENSION_KEY] = server
    app.register_blueprint(bp)
    return server


def _server() -> SyncServer:
    found: SyncServer = current_app.extensions[EXTENSION_KEY]
    return found


@bp.before_request
def _allow_collection_sized_bodies() -> None:
    # The app's default body limit is for JSON; a full upload is a whole collection.
    request.max_content_length = _server().limits.max_collection_bytes + BODY_MARGIN_BYTES


@bp.errorhandler(SyncHttpError)
def _sync_error(exc: SyncHttpError) -> Response:
    return Response(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


def _answer(value: Any) -> Response:
    data = value if isinstance(value, bytes) else dump_json(value)
    body, headers = encode_body(data)
    return Response(body, status=200, headers=headers)


def _read_request() -> tuple[SyncHeader, bytes]:
    header = parse_sync_header(request.headers.get(SYNC_HEADER))
    # A little above the collection limit, so an oversized upload still gets its message.
    limit = _server().limits.max_collection_bytes + BODY_MARGIN_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise SyncHttpError(413, "request body too large")
    raw = request.get_data(cache=False)
    return header, decode_body(raw, limit)


def _guarded(handler: Callable[[], Response]) -> Response:
    """Map the lower layers' errors to statuses the client understands."""
    try:
        return handler()
    except SyncHttpError:
        raise
    except ConflictError as exc:
        raise SyncHttpError(409, f"the collection is busy; sync again ({exc})") from exc
    except StoreUnavailableError as exc:
        raise SyncHttpError(503, "storage is unavailable; try again later") from exc
    except (InvalidNameError, NotFoundError, CollectionError) as exc:
        raise SyncHttpError(400, f"op failed: {exc}") from exc


_COLLECTION_METHODS = {
    "meta",
    "start",
    "applyGraves",
    "applyChanges",
    "chunk",
    "applyChunk",
    "sanityCheck2",
    "finish",
    "abort",
    "upload",
    "download",
}


@bp.post("/sync/<method>")
def sync_method(method: str) -> Response:
    if method != "hostKey" and method not in _COLLECTION_METHODS:
        raise SyncHttpError(404, f"unknown sync method {method}")
    return _guarded(lambda: _collection_call(method))


def _collection_call(method: str) -> Response:
    header, data = _read_request()
    server = _server()
    if method == "hostKey":
        return _answer(server.host_key(parse_object(data), request.remote_addr or "unknown"))
    user = server.user(header.host_key, header.session, first_call=method == "meta")
    if method in ("upload", "download"):
        if method == "upload":
            return _answer(server.upload(user, data).encode("utf-8"))
        return _answer(server.download(user))
    body = parse_object(data) if data else {}
    return _answer(_dispatch(server, user, header.session, method, body))


def _dispatch(
    server: SyncServer, user: UserRecord, session: str, method: str, body: dict[str, Any]
) -> Any:
    if method == "meta":
        return server.meta(user, body)
    if method == "start":
        return server.start(user, session, body)
    if method == "applyGraves":
        server.apply_graves(user, session, body)
        return None
    if method == "applyChanges":
        return server.apply_changes(user, session, body)
    if method == "chunk":
        return server.chunk(user, session)
    if method == "applyChunk":
        server.apply_chunk(user, session, body)
        return None
    if method == "sanityCheck2":
        return server.sanity_check(user, session, body)
    if method == "finish":
        return server.finish(user, session)
    server.abort(user)
    return None


_MEDIA_METHODS = {"begin", "mediaChanges", "uploadChanges", "downloadFiles", "mediaSanity"}


@bp.route("/msync/<method>", methods=["GET", "POST"])
def media_method(method: str) -> Response:
    if method not in _MEDIA_METHODS:
        raise SyncHttpError(404, f"unknown media sync method {method}")
    return _guarded(lambda: _media_call(method))


def _media_call(method: str) -> Response:
    header, data = _read_request()
    server = _server()
    user = server.user(header.host_key)
    if method == "uploadChanges":
        return _answer(server.media_upload(user, data))
    body = parse_object(data) if data else {}
    if method == "begin":
        return _answer(server.media_begin(user, header.host_key))
    if method == "mediaChanges":
        return _answer(server.media_changes(user, body))
    if method == "downloadFiles":
        return _answer(server.media_download(user, body))
    return _answer(server.media_sanity(user, body))
