"""The Flask side of the sync server: ``/sync/<method>`` and ``/msync/<method>`` in the same app
as the API, so a user's custom sync server setting is simply the Javumbo base URL.

``register_sync(app, deps)`` mounts it; the server object lives in
``app.extensions["javumbo_sync"]``. A call is checked in the order that costs an attacker
most and the server least: the method, the ``anki-sync`` header, the host key (except for the
login itself), and only then the body, read as a stream with the method's own caps
(``request_body.py``). Every failure the client can cause is a 4xx with a short text body (bad
header, body too large, not zstd or not JSON, unknown host key, rows that do not fit); store
outages are 503, lost races 409.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint
from flask import Flask, Response, current_app, request

from javumbo.collection.errors import CollectionError, NotFoundError
from javumbo.stores.ports import StoreUnavailableError, UserRecord
from javumbo.sync.protocol import (
    SYNC_HEADER,
    SyncHeader,
    SyncHttpError,
    dump_json,
    encode_body,
    parse_object,
    parse_sync_header,
)
from javumbo.sync.request_body import (
    FILE_LIST_LIMIT,
    LOGIN_LIMIT,
    SMALL_LIMIT,
    BodyLimit,
    check_declared_length,
    read_body,
    read_body_into,
)
from javumbo.sync.server import SyncDependencies, SyncLimits, SyncServer
from javumbo.userdb import ConflictError, InvalidNameError

EXTENSION_KEY = "javumbo_sync"
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
def _limit_body_to_the_largest_sync_body() -> None:
    # The app's default body limit is for JSON; each method then reads with its own cap
    # (``request_body.py``), the largest of which is a full upload.
    request.max_content_length = _server().limits.largest_body().wire


@bp.errorhandler(SyncHttpError)
def _sync_error(exc: SyncHttpError) -> Response:
    text = exc.message.encode("utf-8", "replace")  # it may quote the client's own text
    return Response(text, status=exc.status, content_type="text/plain; charset=utf-8")


def _answer(value: Any) -> Response:
    data = value if isinstance(value, bytes) else dump_json(value)
    body, headers = encode_body(data)
    return Response(body, status=200, headers=headers)


def _header() -> SyncHeader:
    return parse_sync_header(request.headers.get(SYNC_HEADER))


def _body(limit: BodyLimit) -> bytes:
    """The decompressed body, read only now (after the header and the host key were checked)."""
    check_declared_length(request.content_length, limit)
    return read_body(request.stream, limit)


def _object(limit: BodyLimit) -> dict[str, Any]:
    data = _body(limit)
    return parse_object(data) if data else {}


@contextlib.contextmanager
def _body_file(limit: BodyLimit) -> Iterator[Path]:
    """The decompressed body in a file of the server's private work folder (removed after)."""
    check_declared_length(request.content_length, limit)
    with _server().temporary_file() as path:
        with path.open("wb") as out:
            read_body_into(request.stream, limit, out)
        yield path


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


# The JSON calls of a sync in progress that may carry many rows or objects; the other
# collection calls carry a few numbers at most.
_BULK_JSON_METHODS = {"start", "applyGraves", "applyChanges", "applyChunk"}
_COLLECTION_METHODS = {
    "meta",
    "chunk",
    "sanityCheck2",
    "finish",
    "abort",
    "upload",
    "download",
    *_BULK_JSON_METHODS,
}


@bp.post("/sync/<method>")
def sync_method(method: str) -> Response:
    if method != "hostKey" and method not in _COLLECTION_METHODS:
        raise SyncHttpError(404, f"unknown sync method {method}")
    return _guarded(lambda: _collection_call(method))


def _collection_call(method: str) -> Response:
    header = _header()
    server = _server()
    if method == "hostKey":
        login = _object(LOGIN_LIMIT)
        return _answer(server.host_key(login, request.remote_addr or "unknown"))
    user = server.user(header.host_key, header.session, first_call=method == "meta")
    if method == "upload":
        with _body_file(server.limits.upload_body()) as path:
            return _answer(server.upload(user, path).encode("utf-8"))
    if method == "download":
        _body(SMALL_LIMIT)  # nothing the server needs
        return _answer(server.download(user))
    body = _object(server.limits.json_body() if method in _BULK_JSON_METHODS else SMALL_LIMIT)
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
    header = _header()
    server = _server()
    user = server.user(header.host_key)
    if method == "uploadChanges":
        with _body_file(server.limits.media_upload_body()) as path:
            return _answer(server.media_upload(user, path))
    body = _object(FILE_LIST_LIMIT if method == "downloadFiles" else SMALL_LIMIT)
    if method == "begin":
        return _answer(server.media_begin(user, header.host_key))
    if method == "mediaChanges":
        return _answer(server.media_changes(user, body))
    if method == "downloadFiles":
        return _answer(server.media_download(user, body))
    return _answer(server.media_sanity(user, body))
