"""Every error the API answers, in one shape: ``{"error": {"code", "message", "details"?}}``.

This is the only place that decides which exception becomes which status, so that a bad input
can never surface as a 500 and a client can branch on ``code`` without parsing messages:

* domain errors (``CollectionError``): ``NotFoundError`` 404, other validation problems 400;
* storage engine: ``ConflictError`` 409 and ``StoreUnavailableError`` 503, both with a
  ``Retry-After`` hint (the web client retries them with the same ``Idempotency-Key``);
* schema validation of a request: 422 with the offending fields in ``details``;
* anything else unexpected: 500, logged with its traceback, the message kept generic.

``ErrorCode`` is the one list of codes the API answers; the OpenAPI document publishes it as an
enum, so the web client's types know every code (a test checks each code raised is listed).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from apiflask import APIFlask, HTTPError, Schema
from apiflask.fields import Dict, List, Nested, String
from apiflask.validators import OneOf
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from javumbo.collection.errors import CollectionError, NotFoundError
from javumbo.collection.search import SearchTooExpensiveError
from javumbo.stores.ports import StoreUnavailableError
from javumbo.userdb.errors import ConflictError, InconsistentStoreError
from javumbo.userdb.media import MediaQuotaError

log = logging.getLogger(__name__)

CONFLICT_RETRY_AFTER_SECONDS = 1
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


class ErrorCode(StrEnum):
    """Every ``error.code`` the API (and an import job's ``error``) can answer."""

    # by HTTP status, when nothing more precise applies
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    GONE = "gone"
    LENGTH_REQUIRED = "length_required"
    PRECONDITION_FAILED = "precondition_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    VALIDATION_ERROR = "validation_error"
    TOO_MANY_REQUESTS = "too_many_requests"
    INTERNAL_ERROR = "internal_error"
    NOT_IMPLEMENTED = "not_implemented"
    UNAVAILABLE = "unavailable"
    # request and domain
    INVALID_REQUEST = "invalid_request"
    INVALID_JSON = "invalid_json"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    SEARCH_TOO_EXPENSIVE = "search_too_expensive"
    TEMPLATE_ERROR = "template_error"
    # storage engine (retry after Retry-After)
    STORE_UNAVAILABLE = "store_unavailable"
    STORE_INCONSISTENT = "store_inconsistent"
    # accounts and tokens
    INVALID_USERNAME = "invalid_username"
    USERNAME_TAKEN = "username_taken"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    TOKEN_EXPIRED = "token_expired"
    WEAK_PASSWORD = "weak_password"
    WRONG_PASSWORD = "wrong_password"
    REGISTRATION_CLOSED = "registration_closed"
    # sessions
    SESSION_NOT_FOUND = "session_not_found"
    # import jobs
    INVALID_PACKAGE = "invalid_package"
    INVALID_TEXT_FILE = "invalid_text_file"
    IMPORT_INTERRUPTED = "import_interrupted"
    TOO_MANY_IMPORTS = "too_many_imports"
    IMPORTS_BUSY = "imports_busy"
    DIRECT_TRANSFERS_UNAVAILABLE = "direct_transfers_unavailable"
    # media allowance (413)
    MEDIA_QUOTA_EXCEEDED = "media_quota_exceeded"
    MEDIA_FILE_TOO_LARGE = "media_file_too_large"
    # deck options presets
    INVALID_OPTION = "invalid_option"
    DEFAULT_PRESET = "default_preset"
    # undo (409)
    NOTHING_TO_UNDO = "nothing_to_undo"
    UNDO_TOO_LARGE = "undo_too_large"
    UNDO_CONFLICT = "undo_conflict"
    # FSRS optimizer
    TOO_MANY_REVIEWS = "too_many_reviews"
    FSRS_BUSY = "fsrs_busy"


ERROR_CODES = frozenset(code.value for code in ErrorCode)

_CODES_BY_STATUS = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    409: ErrorCode.CONFLICT,
    410: ErrorCode.GONE,
    411: ErrorCode.LENGTH_REQUIRED,
    412: ErrorCode.PRECONDITION_FAILED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.TOO_MANY_REQUESTS,
    500: ErrorCode.INTERNAL_ERROR,
    501: ErrorCode.NOT_IMPLEMENTED,
    503: ErrorCode.UNAVAILABLE,
}


def code_for_status(status: int) -> str:
    """The generic code of an HTTP status (4xx without its own code: ``bad_request``)."""
    found = _CODES_BY_STATUS.get(status)
    if found is not None:
        return found.value
    return ErrorCode.BAD_REQUEST.value if status < 500 else ErrorCode.INTERNAL_ERROR.value


def error_code_field(**kwargs: Any) -> String:
    """A ``code`` field whose OpenAPI schema is the enum of every code."""
    return String(validate=[OneOf(sorted(ERROR_CODES))], **kwargs)


class ErrorBodySchema(Schema):
    code = error_code_field(
        required=True, metadata={"description": "stable, machine-readable error code"}
    )
    message = String(required=True, metadata={"description": "what went wrong, in words"})
    details = Dict(
        keys=String(),
        values=Dict(keys=String(), values=List(String())),
        metadata={
            "description": "problems of a rejected request: by location (json, query, files, "
            "headers), then by field path (dotted for nested fields), a list of messages"
        },
    )


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
        extra_data={"code": code or code_for_status(status)},
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if code not in ERROR_CODES:
        log.error("error code %r is not in ErrorCode; answering it anyway", code)
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
    code = str(error.extra_data.get("code") or code_for_status(status))
    message = error.message or "error"
    details: dict[str, Any] | None = None
    if status == 422 and error.detail:
        # A schema rejection: say which fields, and keep the message short.
        details = field_problems(error.detail)
        message = "the request did not match the expected schema"
    elif isinstance(error.detail, dict) and error.detail:
        details = field_problems(error.detail)
    headers = {k: str(v) for k, v in dict(error.headers).items() if k.lower() != "content-type"}
    return error_response(status, code, message, details=details, headers=headers)


def field_problems(detail: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Marshmallow's nested messages as ``{location: {"a.b.c": [message, ...]}}``: one typed
    shape however deep the rejected field sits."""
    out: dict[str, dict[str, list[str]]] = {}
    for location, messages in detail.items():
        flat: dict[str, list[str]] = {}
        _flatten(messages, "", flat)
        out[str(location)] = flat
    return out


def _flatten(messages: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list | tuple):
                _flatten(item, path, out)
            else:
                out.setdefault(path or "_schema", []).append(str(item))
    else:
        out.setdefault(path or "_schema", []).append(str(messages))


def _from_werkzeug(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(
        status,
        code_for_status(status),
        error.description or error.name,
        headers=headers,
    )


def _only_the_web_app_matched(app: APIFlask) -> bool:
    """A 405 for ``/api/...`` whose only match is the web app's catch-all (GET) page route, or
    that nothing matches for GET either (an id past the largest one, ``/api/decks/2**63``): no
    API route has this path, so the honest answer is 404."""
    if not request.path.startswith("/api/"):
        return False
    try:
        endpoint, _ = app.url_map.bind("localhost").match(request.path, method="GET")
    except NotFound:
        return True
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
        code = str(getattr(error, "api_code", "invalid_request"))  # e.g. template_error
        return error_response(400, code, str(error) or "invalid request")

    @app.errorhandler(SearchTooExpensiveError)
    def too_expensive(error: SearchTooExpensiveError) -> Response:
        return error_response(400, ErrorCode.SEARCH_TOO_EXPENSIVE, str(error))

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

    @app.errorhandler(MediaQuotaError)
    def media_quota(error: MediaQuotaError) -> Response:
        return error_response(413, error.code, error.message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return _from_werkzeug(error)
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error happened")
