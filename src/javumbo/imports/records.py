"""Import job records: one JSON object per job in the user's part of the blob store
(``users/<id>/jobs/<job_id>.json``), so any instance can answer a poll and another user's job
id is simply not found.

A running job rewrites its record at least every ``HEARTBEAT_SECONDS``; one silent for
``STALE_AFTER_SECONDS`` belonged to a process that died, and is shown as failed
(``import_interrupted``) instead of running forever. A job id starts with its creation time
(milliseconds, 12 hex digits), so each new import can delete the user's records older than
``JOB_RETENTION_SECONDS`` from one listing; a record from before ids carried the time is read
once to learn its age.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from javumbo.collection.clock import Clock
from javumbo.stores.ports import BlobNotFoundError, BlobStore
from javumbo.userdb.names import user_prefix

log = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"^imp_[0-9a-f]{24}$")
HEARTBEAT_SECONDS = 20.0
STALE_AFTER_SECONDS = 120.0
JOB_RETENTION_SECONDS = 7 * 24 * 3600
_JOB_TIME_DIGITS = 12
PUBLIC_FIELDS = ("job_id", "status", "progress", "stage", "report", "error")


def jobs_prefix(user_id: str) -> str:
    return f"{user_prefix(user_id)}jobs/"


def job_key(user_id: str, job_id: str) -> str:
    return f"{jobs_prefix(user_id)}{job_id}.json"


def new_job_id(now: float) -> str:
    stamp = f"{int(now * 1000):0{_JOB_TIME_DIGITS}x}"[-_JOB_TIME_DIGITS:]
    return f"imp_{stamp}{secrets.token_hex((24 - _JOB_TIME_DIGITS) // 2)}"


def new_job_state(job_id: str, now: float) -> dict[str, Any]:
    """The record of a job just accepted."""
    return {
        "job_id": job_id,
        "status": "running",
        "progress": 0.0,
        "stage": "queued",
        "report": None,
        "error": None,
        "created_at": now,
    }


def read_job(blobs: BlobStore, user_id: str, job_id: str) -> dict[str, Any] | None:
    """The job's record, or None when the user has no such job."""
    if not JOB_ID_RE.match(job_id):
        return None
    try:
        state = json.loads(blobs.get(job_key(user_id, job_id)).data)
    except BlobNotFoundError:
        return None
    return state if isinstance(state, dict) else None


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    """What a poll shows of a record."""
    return {k: state[k] for k in PUBLIC_FIELDS}


def with_staleness(state: dict[str, Any], now: float) -> dict[str, Any]:
    """A running job whose heartbeat stopped: its process died; say so instead of 'running'."""
    if state.get("status") != "running":
        return state
    last = state.get("updated_at", state.get("created_at"))
    if not isinstance(last, int | float) or now - last <= STALE_AFTER_SECONDS:
        return state
    return {
        **state,
        "status": "failed",
        "stage": "failed",
        "error": {
            "code": "import_interrupted",
            "message": "the server handling this import stopped before it finished; import the"
            " file again (notes already imported are recognised, not added twice)",
        },
    }


def _job_created_at(blobs: BlobStore, key: str, job_id: str, now: float) -> float | None:
    """When the job was created: from its id, or (ids from before they carried the time,
    whose leading digits read as a time in the future) from its record."""
    created = int(job_id[4 : 4 + _JOB_TIME_DIGITS], 16) / 1000
    if created <= now + 24 * 3600:
        return created
    try:
        state = json.loads(blobs.get(key).data)
    except (BlobNotFoundError, ValueError):
        return None
    found = state.get("created_at") if isinstance(state, dict) else None
    return float(found) if isinstance(found, int | float) else None


def prune_old_jobs(blobs: BlobStore, clock: Clock, user_id: str) -> int:
    """Delete the user's job records older than ``JOB_RETENTION_SECONDS``; how many went.
    Housekeeping: a store failure here is logged, never the import's failure."""
    now = clock.now()
    prefix = jobs_prefix(user_id)
    removed = 0
    try:
        for info in blobs.list(prefix):
            job_id = info.key[len(prefix) :].removesuffix(".json")
            if not JOB_ID_RE.match(job_id):
                continue
            created = _job_created_at(blobs, info.key, job_id, now)
            if created is not None and now - created > JOB_RETENTION_SECONDS:
                blobs.delete(info.key)
                removed += 1
    except Exception:
        log.warning("pruning %s's old import jobs failed", user_id, exc_info=True)
    return removed
