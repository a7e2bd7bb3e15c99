"""``OPTIONS`` and cross-origin requests: answered before anything else runs.

A preflight (``OPTIONS``) never reaches a view, the token check or request validation: it
answers 204 with the path's ``Allow`` header, plus the CORS headers when the ``Origin`` is one
of ``JAVUMBO_CORS_ORIGINS``. Those headers are the ones ``infra/api.tf`` sets on API Gateway,
so the API answers a browser the same behind API Gateway and behind ``javumbo serve``. An
origin that is not listed gets no CORS header at all (the browser then refuses the call). Tokens
travel in the ``Authorization`` header, never in cookies, so credentials are not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, request

ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
ALLOWED_HEADERS = ("authorization", "content-type", "x-session-id", "idempotency-key")
EXPOSED_HEADERS = ("x-session-id", "retry-after")
PREFLIGHT_MAX_AGE_SECONDS = 600


def install_cors(app: Flask, origins: Iterable[str]) -> None:
    """Answer every ``OPTIONS`` request, and add CORS headers for ``origins``; call it before
    registering the token check, so that preflights never reach it."""
    allowed = frozenset(origins)

    def allowed_origin() -> str | None:
        origin = request.headers.get("Origin")
        return origin if origin is not None and origin in allowed else None

    def answer_preflight() -> Response | None:
        if request.method != "OPTIONS":
            return None
        response = app.make_default_options_response()
        response.status_code = 204
        response.set_data(b"")
        origin = allowed_origin()
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
            response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        response.vary.add("Origin")
        return response

    def add_cors_headers(response: Response) -> Response:
        origin = allowed_origin()
        if origin is not None and "Access-Control-Allow-Origin" not in response.headers:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        if allowed:
            response.vary.add("Origin")
        return response

    app.before_request(answer_preflight)  # install before the token check
    app.after_request(add_cors_headers)
