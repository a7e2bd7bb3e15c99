"""AWS Lambda entry points: the same Flask app behind API Gateway, through ``apig-wsgi``.

``apig-wsgi`` handles REST (v1) and HTTP API (v2) events, binary bodies (base64 both ways),
multi-value headers and v2 cookies. The app is built on the first invocation, not at import, so
importing this module (e.g. to check a deployment zip) has no side effects; a warm container
reuses it. Lambda is detected from the runtime's own environment (``AWS_LAMBDA_FUNCTION_NAME``):
there the AWS backends and a ``/tmp`` cache are the defaults.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from apig_wsgi import make_lambda_handler

from javumbo.ops.sweeper import sweep_sessions as sweep_sessions  # the sweeper's entry
from javumbo.settings import Settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_lock = threading.Lock()
_handler: LambdaHandler | None = None


def running_on_lambda(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


def lambda_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment with Lambda's defaults filled in (explicit settings always win)."""
    merged = dict(env)
    if running_on_lambda(env):
        merged.setdefault("JAVUMBO_BACKEND", "aws")
        merged.setdefault("JAVUMBO_CACHE_DIR", "/tmp/javumbo-cache")
        merged.setdefault("JAVUMBO_DATA_DIR", "/tmp/javumbo-data")
        merged.setdefault("JAVUMBO_INSTANCE_ID", env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""))
    return merged


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
