"""``GET /health``: is this process up, and can it reach its blob store and metastore?

Each backend gets one cheap read (a HEAD of a key that need not exist; a user lookup). The
answer is 200 when both answer, 503 when one does not, so a load balancer or a deploy check can
use it as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, Float, Nested, String
from flask.typing import ResponseReturnValue

from javumbo import __version__
from javumbo.api.services import services

PROBE_BLOB_KEY = "health/probe"
PROBE_USERNAME = "__health_probe__"

bp = APIBlueprint("health", __name__, tag="Health")
# Documented without a schema: the 503 body is the same report as the 200, not an error.
UNHEALTHY_RESPONSE: dict[int | str, dict[str, str | dict[str, dict[str, Any]]]] = {
    503: {"description": "a backend is unreachable", "content": {}}
}


class CheckSchema(Schema):
    ok = Boolean(required=True)
    latency_ms = Float(required=True)
    error = String()


class HealthSchema(Schema):
    status = String(required=True, metadata={"description": "'ok' or 'degraded'"})
    version = String(required=True)
    backend = String(required=True)
    mode = String(required=True, metadata={"description": "'lambda' or 'server'"})
    checks = Dict(keys=String(), values=Nested(CheckSchema), required=True)


def _probe(action: Callable[[], object]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        action()
    except Exception as exc:  # any failure means unreachable, whatever the adapter raised
        return {
            "ok": False,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            "error": type(exc).__name__,
        }
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 3)}


@bp.get("/health")
@bp.output(HealthSchema)
@bp.doc(responses=UNHEALTHY_RESPONSE)
def health() -> ResponseReturnValue:
    """Liveness and the backends' reachability (no token needed)."""
    svc = services()
    checks = {
        "blob_store": _probe(lambda: svc.blobs.head(PROBE_BLOB_KEY)),
        "meta_store": _probe(lambda: svc.meta.get_user(PROBE_USERNAME)),
    }
    healthy = all(check["ok"] for check in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "backend": svc.settings.backend,
        "mode": "lambda" if svc.in_lambda else "server",
        "checks": checks,
    }
    if healthy:
        return body
    return body, 503
