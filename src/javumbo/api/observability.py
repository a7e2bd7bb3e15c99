"""One JSON log line per request, and CloudWatch metrics (embedded metric format) in Lambda.

The line: ``request_id``, ``method``, ``route`` (the rule, not the raw path), ``status``,
``latency_ms``, ``user_id`` (never the username), ``session_id``, ``cache_hit`` (no snapshot
downloaded; null when no collection was used), ``blob_ops``, ``meta_ops`` and ``error_code``
for 4xx/5xx answers. The web app's own files (index.html, scripts, styles) answered without
error get no line: a page load would otherwise log one line per asset. Operation counts are the
difference of the process-wide counters across the request: exact when requests do not overlap
(Lambda runs one at a time per instance), approximate under a threaded server.

Metrics (Lambda only, through aws-lambda-powertools ``Metrics``): ``RequestLatency``,
``Requests``, ``ClientErrors``, ``ServerErrors``, ``Conflicts``, ``S3Operations``,
``MetaOperations``, ``CacheHit`` (0/1 per request that touched a collection: its average is the
hit rate) and ``SessionDuration`` (seconds, when a session is flushed and ended, as seen by the
instance that ends it).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import uuid
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from flask import Flask, Response, g, request

from javumbo.api.services import Services

REQUEST_LOGGER = "javumbo.requests"
REQUEST_ID_HEADER = "X-Request-ID"
METRICS_NAMESPACE = "Javumbo"
_BLOB_OPS = ("blob_get", "blob_put", "blob_delete", "blob_list", "blob_head")
_META_OPS = ("meta_read", "meta_write")

request_log = logging.getLogger(REQUEST_LOGGER)
_metrics = Metrics(namespace=METRICS_NAMESPACE, service="javumbo-api")
_session_first_seen: dict[str, float] = {}
_sessions_guard = threading.Lock()
_MAX_TRACKED_SESSIONS = 10_000


def ensure_request_log_handler() -> None:
    """Print request lines as they are (one JSON object per line) on stdout, once."""
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.propagate = False
    request_log.setLevel(logging.INFO)


def note_session(session_id: str) -> None:
    with _sessions_guard:
        if session_id not in _session_first_seen:
            if len(_session_first_seen) >= _MAX_TRACKED_SESSIONS:
                _session_first_seen.clear()
            _session_first_seen[session_id] = time.time()


def record_session_end(session_id: str) -> None:
    with _sessions_guard:
        started = _session_first_seen.pop(session_id, None)
    if started is not None:
        g.javumbo_session_duration = time.time() - started


def _request_id() -> str:
    context = request.environ.get("apig_wsgi.context")
    aws_id = getattr(context, "aws_request_id", None)
    if isinstance(aws_id, str) and aws_id:
        return aws_id
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if 0 < len(given) <= 128 and given.isprintable():
        return given
    return uuid.uuid4().hex


def _delta(before: dict[str, int], after: dict[str, int], names: tuple[str, ...]) -> int:
    return sum(after.get(n, 0) - before.get(n, 0) for n in names)


def _error_code(response: Response) -> str | None:
    if response.status_code < 400 or not response.is_json:
        return None
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return str(code) if code is not None else None
    return None


WEBAPP_BLUEPRINT = "webapp"  # javumbo.api.webapp: index.html and the built assets


def install_observability(app: Flask, svc: Services) -> None:
    ensure_request_log_handler()

    @app.before_request
    def start_clock() -> None:
        g.javumbo_started = time.perf_counter()
        g.javumbo_request_id = _request_id()
        g.javumbo_counters = svc.engine.counters

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("javumbo_started")
        if started is None:  # a failure before our before_request ran
            return response
        if request.blueprint == WEBAPP_BLUEPRINT and response.status_code < 400:
            return response
        latency_ms = (time.perf_counter() - started) * 1000
        before: dict[str, int] = g.get("javumbo_counters") or {}
        after = svc.engine.counters
        misses = _delta(before, after, ("cache_misses",))
        touched = _delta(before, after, ("loads", "cache_hits")) > 0
        session_id = g.get("javumbo_session_id")
        if session_id:
            note_session(session_id)
        line: dict[str, Any] = {
            "request_id": g.javumbo_request_id,
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule is not None else None,
            "status": response.status_code,
            "latency_ms": round(latency_ms, 3),
            "user_id": getattr(g.get("javumbo_token_user"), "user_id", None),
            "session_id": session_id,
            "cache_hit": (misses == 0) if touched else None,
            "blob_ops": _delta(before, after, _BLOB_OPS),
            "meta_ops": _delta(before, after, _META_OPS),
            "error_code": _error_code(response),
        }
        request_log.info(json.dumps(line, separators=(",", ":")))
        response.headers[REQUEST_ID_HEADER] = line["request_id"]
        if svc.in_lambda:
            _emit_metrics(line, g.get("javumbo_session_duration"))
        return response


def _emit_metrics(line: dict[str, Any], session_duration: float | None) -> None:
    status = int(line["status"])
    _metrics.add_metric(
        name="RequestLatency", unit=MetricUnit.Milliseconds, value=line["latency_ms"]
    )
    _metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    _metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=int(400 <= status < 500))
    _metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=int(status >= 500))
    _metrics.add_metric(name="Conflicts", unit=MetricUnit.Count, value=int(status == 409))
    _metrics.add_metric(name="S3Operations", unit=MetricUnit.Count, value=line["blob_ops"])
    _metrics.add_metric(name="MetaOperations", unit=MetricUnit.Count, value=line["meta_ops"])
    if line["cache_hit"] is not None:
        _metrics.add_metric(name="CacheHit", unit=MetricUnit.Count, value=int(line["cache_hit"]))
    if session_duration is not None:
        _metrics.add_metric(
            name="SessionDuration", unit=MetricUnit.Seconds, value=round(session_duration, 3)
        )
    _metrics.flush_metrics()
