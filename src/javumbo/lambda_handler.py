"""AWS Lambda entry points: the API (the same Flask app behind API Gateway, through
``apig-wsgi``) and the scheduled session sweeper.

This is the outermost adapter: it turns Lambda events into calls of the app and of the sweeper,
and nothing in the package imports it. ``apig-wsgi`` handles REST (v1) and HTTP API (v2) events,
binary bodies (base64 both ways), multi-value headers and v2 cookies. The app is built on the
first invocation, not at import, so importing this module (e.g. to check a deployment zip) has
no side effects; a warm container reuses it. Lambda's defaults (the AWS backends, a ``/tmp``
cache) come from ``settings.lambda_environment``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

from apig_wsgi import make_lambda_handler

from javumbo.ops.sweeper import sweep_expired_sessions
from javumbo.settings import Settings, lambda_environment

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_lock = threading.Lock()
_handler: LambdaHandler | None = None


def wrap_app(app: Any) -> LambdaHandler:
    """Adapt a WSGI app to API Gateway events (v1 and v2), binary bodies included."""
    wrapped: LambdaHandler = make_lambda_handler(app, binary_support=True)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return wrapped(_without_transfer_encoding(event), context)

    return handle


def _without_transfer_encoding(event: dict[str, Any]) -> dict[str, Any]:
    """An event's body is always whole. A client that sent it chunked (Anki's sync client does)
    may leave ``Transfer-Encoding: chunked`` among the headers, and the WSGI side would then try
    to de-chunk the plain body and read garbage."""
    headers = event.get("headers") or {}
    if not any(name.lower() == "transfer-encoding" for name in headers):
        return event
    cleaned = dict(event)
    cleaned["headers"] = {k: v for k, v in headers.items() if k.lower() != "transfer-encoding"}
    multi = event.get("multiValueHeaders")
    if multi:
        cleaned["multiValueHeaders"] = {
            k: v for k, v in multi.items() if k.lower() != "transfer-encoding"
        }
    return cleaned


def build_handler(settings: Settings) -> LambdaHandler:
    from javumbo.api.app import create_app

    return wrap_app(create_app(settings))


def _current_handler() -> LambdaHandler:
    global _handler
    with _lock:
        if _handler is None:
            _handler = build_handler(Settings.from_env(lambda_environment(os.environ)))
        return _handler


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The API function's entry point (``javumbo.lambda_handler.handler``)."""
    return _current_handler()(event, context)


def sweep_sessions(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The scheduled sweeper's entry point (``javumbo.lambda_handler.sweep_sessions``)."""
    settings = Settings.from_env(lambda_environment(os.environ), require_jwt_secret=False)
    result = sweep_expired_sessions(settings, cache_dir=settings.cache_dir)
    body = {"closed": result.closed, "still_expired": result.still_expired}
    print(json.dumps({"sweeper": body, "duration_s": result.duration_s}), flush=True)
    return body
