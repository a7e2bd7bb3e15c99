"""Every error the API answers, in one shape: ``{"error": {"code", "message", "details"?}}``.

This is the only place that decides which exception becomes which status, so that a bad input
can never surface as a 500 and a client can branch on ``code`` without parsing messages:

* domain errors (``CollectionError``): ``NotFoundError`` 404, other validation problems 400;
* storage engine: ``ConflictError`` 409 and ``StoreUnavailableError`` 503, both with a
  ``Retry-After`` hint (the web client retries them with the same ``Idempotency-Key``);
* schema validation of a request: 422 with the offending fields in ``details``;
* anything else unexpected: 500, logged with its traceback, the message kept generic.
"""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask, HTTPError, Schema
from apiflask.fields import Dict, Nested, String
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from javumbo.collection.errors import CollectionError, NotFoundError
from javumbo.stores.ports import StoreUnavailableError
from javumbo.userdb.errors import ConflictError, InconsistentStoreError

log = logging.getLogger(__name__)

CONFLICT_RETRY_AFTER_SECONDS = 1
UNAVAILABLE_RETRY_AFTER_SECONDS = 5

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ErrorBodySchema(Schema):
    code = String(required=True, metadata={"description": "stable, machine-readable error code"})
    message = String(required=True, metadata={"description": "what went wrong, in words"})
    details = Dict(metadata={"description": "per-field problems of a rejected request"})


class ErrorSchema(Schema):
    error = Nested(ErrorBodySchema, required=True)


def api_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> HTTPError:
    """An error to ``raise`` from a view: it is answered in the common shape."""
    return HTTPError(
        status,
        message,
        detail=details or {},
        headers=headers or {},
        extra_data={"code": code or _CODES_BY_STATUS.get(status, f"http_{status}")},
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_http_error(error: HTTPError) -> Response:
    status = error.status_code
    code = str(error.extra_data.get("code") or _CODES_BY_STATUS.get(status, f"http_{status}"))
    message = error.message or "error"
    details: dict[str, Any] | None = None
    if status == 422 and error.detail:
        # A schema rejection: say which fields, and keep the message short.
        details = dict(error.detail)
        message = "the request did not match the expected schema"
    elif isinstance(error.detail, dict) and error.detail:
        details = dict(error.detail)
    headers = {k: str(v) for k, v in dict(error.headers).items() if k.lower() != "content-type"}
    return error_response(status, code, message, details=details, headers=headers)


def _from_werkzeug(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(
        status,
        _CODES_BY_STATUS.get(status, f"http_{status}"),
        error.description or error.name,
        headers=headers,
    )


def _only_the_web_app_matched(app: APIFlask) -> bool:
    """A 405 for ``/api/...`` whose only match is the web app's catch-all (GET) page route:
    no API route has this path (say ``/api/decks/abc``), so the honest answer is 404."""
    if not request.path.startswith("/api/"):
        return False
    try:
        endpoint, _ = app.url_map.bind("localhost").match(request.path, method="GET")
    except HTTPException:
        return False
    return str(endpoint).startswith("webapp.")


def register_error_handlers(app: APIFlask) -> None:
    app.config["HTTP_ERROR_SCHEMA"] = ErrorSchema
    app.config["VALIDATION_ERROR_SCHEMA"] = ErrorSchema
    app.error_processor(_from_http_error)

    @app.errorhandler(HTTPException)
    def werkzeug_error(error: HTTPException) -> Response:
        if isinstance(error, MethodNotAllowed) and _only_the_web_app_matched(app):
            return error_response(404, "not_found", "No such route.")
        return _from_werkzeug(error)

    @app.errorhandler(NotFoundError)
    def not_found(error: NotFoundError) -> Response:
        return error_response(404, "not_found", str(error) or "not found")

    @app.errorhandler(CollectionError)
    def invalid(error: CollectionError) -> Response:
        return error_response(400, "invalid_request", str(error) or "invalid request")

    @app.errorhandler(ConflictError)
    def conflict(error: ConflictError) -> Response:
        return error_response(
            409,
            "conflict",
            "your collection was changed elsewhere at the same moment; retry",
            headers={"Retry-After": str(CONFLICT_RETRY_AFTER_SECONDS)},
        )

    @app.errorhandler(StoreUnavailableError)
    def unavailable(error: StoreUnavailableError) -> Response:
        log.warning("store unavailable: %s", error)
        return error_response(
            503,
            "store_unavailable",
            "the storage backend is unavailable; retry shortly",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )

    @app.errorhandler(InconsistentStoreError)
    def inconsistent(error: InconsistentStoreError) -> Response:
        log.error("inconsistent store: %s", error)
        return error_response(
            503,
            "store_inconsistent",
            "the stored collection is not readable right now; retry later",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _from_werkzeug(error)
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error happened")
