"""The session sweeper: flush and close every session whose ``expires_at`` has passed.

DynamoDB's TTL removes expired items only eventually and never flushes anything, so a scheduled
sweep (every minute, ``infra/lambda.tf``) ends them: each expired session's user is flushed to a
snapshot, then the session is deleted. A flush that fails leaves its session for the next sweep;
nothing is lost meanwhile, the journal holds every acknowledged write. On AWS the sweep is the
Lambda function ``javumbo.lambda_handler.sweep_sessions``; elsewhere, ``javumbo sweep``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

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
