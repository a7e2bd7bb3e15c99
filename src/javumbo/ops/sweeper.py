"""The session sweeper: flush and close every session whose ``expires_at`` has passed.

DynamoDB's TTL removes expired items only eventually and never flushes anything, so a scheduled
sweep (every minute, ``infra/lambda.tf``) ends them: each expired session's user is flushed to a
snapshot, then the session is deleted. A flush that fails leaves its session for the next sweep;
nothing is lost meanwhile, the journal holds every acknowledged write.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from javumbo.collection.clock import Clock, SystemClock
from javumbo.ops.user_collections import operator_databases
from javumbo.settings import Settings
from javumbo.stores.factory import open_stores
from javumbo.stores.ports import BlobStore, MetaStore


@dataclass(frozen=True)
class SweepResult:
    closed: int
    still_expired: int
    duration_s: float


def sweep_expired_sessions(
    settings: Settings,
    *,
    stores: tuple[BlobStore, MetaStore] | None = None,
    clock: Clock | None = None,
    cache_dir: Path | None = None,
) -> SweepResult:
    clock = clock or SystemClock()
    blobs, meta = stores if stores is not None else open_stores(settings)
    started = time.monotonic()
    with operator_databases(settings, blobs, meta, clock=clock, cache_dir=cache_dir) as engine:
        closed = engine.sessions.cleanup_expired_sessions()
    still_expired = len(meta.list_expired_sessions(clock.now()))
    return SweepResult(closed, still_expired, round(time.monotonic() - started, 3))


def sweep_sessions(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point of the scheduled sweeper (``javumbo.lambda_handler.sweep_sessions``)."""
    from javumbo.lambda_handler import lambda_environment

    settings = Settings.from_env(lambda_environment(os.environ), require_jwt_secret=False)
    result = sweep_expired_sessions(settings, cache_dir=settings.cache_dir)
    body = {"closed": result.closed, "still_expired": result.still_expired}
    print(json.dumps({"sweeper": body, "duration_s": result.duration_s}), flush=True)
    return body
