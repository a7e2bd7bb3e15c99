"""Anki packages over HTTP: ``POST /api/import`` (multipart ``.apkg``, answered with a job to
poll at ``GET /api/import/<job_id>``) and ``GET /api/export`` (the ``.apkg`` file).

Import jobs are JSON objects in the user's part of the blob store, so any instance can answer a
poll and another user's job id is simply not found. In a server process the import runs on a
background thread and the upload is answered at once; in Lambda, where nothing may run after the
answer, it runs before answering and the job comes back finished. A running job writes a
heartbeat (``updated_at``) at least every ``HEARTBEAT_SECONDS``; one silent for
``STALE_AFTER_SECONDS`` belonged to a process that died, and a poll answers it as failed
(``import_interrupted``) instead of running forever. The import itself is all or nothing, so
nothing half-applied is left behind, and importing the file again is safe: notes already there
are recognised by their guid, not added twice.

A job id starts with its creation time (milliseconds, 12 hex digits), so each new import can
delete the user's job records older than ``JOB_RETENTION_SECONDS`` from one listing; a record
from before ids carried the time is read once to learn its age.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, File, Float, Integer, List, Nested, String
from apiflask.schemas import FileSchema
from apiflask.validators import OneOf
from flask import Response
from werkzeug.utils import secure_filename

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import api_error, error_code_field
from javumbo.api.ids import query_id_field
from javumbo.api.services import Services, services
from javumbo.collection import Collection, CollectionError
from javumbo.collection import decks as deck_ops
from javumbo.collection.apkg import EXPORT_LAYOUTS, export_apkg, import_apkg
from javumbo.collection.apkg.media import Readable
from javumbo.stores.ports import BlobNotFoundError, StoreUnavailableError
from javumbo.userdb import AlreadyApplied, ConflictError, UserMedia
from javumbo.userdb.names import user_prefix

log = logging.getLogger(__name__)

APKG_MIMETYPE = "application/octet-stream"
JOB_ID_RE = re.compile(r"^imp_[0-9a-f]{24}$")
PROGRESS_WRITE_INTERVAL_SECONDS = 0.5
HEARTBEAT_SECONDS = 20.0
STALE_AFTER_SECONDS = 120.0
IMPORT_WORKERS = 2
UNNAMED_UPLOAD = "the uploaded file"
JOB_RETENTION_SECONDS = 7 * 24 * 3600
_JOB_TIME_DIGITS = 12

bp = APIBlueprint("packages", __name__, tag="Import and export", url_prefix="/api")
_executor_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None


class BlobMediaStore:
    """The apkg layer's ``MediaStore`` over the user's media in the blob store."""

    def __init__(self, media: UserMedia) -> None:
        self.media = media

    def exists(self, name: str) -> bool:
        return self.media.exists(name)

    def open(self, name: str) -> IO[bytes]:
        data = self.media.get_or_none(name)
        if data is None:
            raise FileNotFoundError(name)
        return io.BytesIO(data)

    def write(self, name: str, stream: Readable) -> None:
        chunks = []
        while chunk := stream.read(1024 * 1024):
            chunks.append(chunk)
        self.media.put(name, b"".join(chunks))

    def sha1(self, name: str) -> bytes | None:
        data = self.media.get_or_none(name)
        return hashlib.sha1(data).digest() if data is not None else None


# ------------------------------------------------------------------ schemas


class ImportFormSchema(Schema):
    file = File(  # type: ignore[no-untyped-call]
        required=True, metadata={"description": "the .apkg (or .colpkg) file"}
    )
    scheduling = Boolean(load_default=True, metadata={"description": "keep review history"})


class JobErrorSchema(Schema):
    code = error_code_field(required=True)
    message = String(required=True)


class ImportReportSchema(Schema):
    notes_added = Integer(required=True)
    notes_updated = Integer(required=True)
    notes_skipped = Integer(required=True)
    cards_added = Integer(required=True)
    revlog_added = Integer(required=True)
    decks_added = List(String(), required=True)
    notetypes_added = List(String(), required=True)
    notetypes_updated = List(String(), required=True)
    media_added = Integer(required=True)
    media_unchanged = Integer(required=True)
    media_renamed = Dict(
        keys=String(),
        values=String(),
        required=True,
        metadata={"description": "package file name → stored name"},
    )
    cards_dropped = Integer(required=True)
    replaced_collection = Boolean(required=True)


class ImportJobSchema(Schema):
    job_id = String(required=True)
    status = String(required=True, metadata={"description": "running, done or failed"})
    progress = Float(required=True, metadata={"description": "0 to 1"})
    stage = String(required=True)
    report = Nested(ImportReportSchema, allow_none=True, required=True)
    error = Nested(JobErrorSchema, allow_none=True, required=True)


class ExportQuerySchema(Schema):
    deck_id = query_id_field(
        metadata={"description": "this deck and its subdecks; else everything"}
    )
    scheduling = Boolean(load_default=True)
    media = Boolean(load_default=True)
    layout = String(
        load_default="legacy",
        validate=[OneOf(EXPORT_LAYOUTS)],
        metadata={
            "description": "legacy: collection.anki2, opens in every Anki version; current:"
            " what Anki 2.1.50 and newer write (zstd-compressed collection.anki21b, smaller"
            " for big collections, not readable by older versions)",
        },
    )


# ------------------------------------------------------------------ jobs


def _jobs_prefix(user_id: str) -> str:
    return f"{user_prefix(user_id)}jobs/"


def _job_key(user_id: str, job_id: str) -> str:
    return f"{_jobs_prefix(user_id)}{job_id}.json"


def _new_job_id(now: float) -> str:
    stamp = f"{int(now * 1000):0{_JOB_TIME_DIGITS}x}"[-_JOB_TIME_DIGITS:]
    return f"imp_{stamp}{secrets.token_hex((24 - _JOB_TIME_DIGITS) // 2)}"


def _job_created_at(svc: Services, key: str, job_id: str, now: float) -> float | None:
    """When the job was created: from its id, or (ids from before they carried the time,
    whose leading digits read as a time in the future) from its record."""
    created = int(job_id[4 : 4 + _JOB_TIME_DIGITS], 16) / 1000
    if created <= now + 24 * 3600:
        return created
    try:
        state = json.loads(svc.blobs.get(key).data)
    except (BlobNotFoundError, ValueError):
        return None
    found = state.get("created_at") if isinstance(state, dict) else None
    return float(found) if isinstance(found, int | float) else None


def prune_old_jobs(svc: Services, user_id: str) -> int:
    """Delete the user's job records older than ``JOB_RETENTION_SECONDS``; how many went.
    Housekeeping: a store failure here is logged, never the import's failure."""
    now = svc.clock.now()
    prefix = _jobs_prefix(user_id)
    removed = 0
    try:
        for info in svc.blobs.list(prefix):
            job_id = info.key[len(prefix) :].removesuffix(".json")
            if not JOB_ID_RE.match(job_id):
                continue
            created = _job_created_at(svc, info.key, job_id, now)
            if created is not None and now - created > JOB_RETENTION_SECONDS:
                svc.blobs.delete(info.key)
                removed += 1
    except Exception:
        log.warning("pruning %s's old import jobs failed", user_id, exc_info=True)
    return removed


@dataclass
class ImportJob:
    svc: Services
    user_id: str
    job_id: str
    package: Path
    scheduling: bool
    idempotency_key: str | None
    state: dict[str, Any]
    last_write: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def save(self) -> None:
        with self._lock:
            self.state["updated_at"] = self.svc.clock.now()
            data = json.dumps(self.state).encode()
            self.svc.blobs.put(_job_key(self.user_id, self.job_id), data)
            self.last_write = time.monotonic()

    def progress(self, done: int, total: int, stage: str) -> None:
        with self._lock:
            self.state["progress"] = round(min(1.0, done / total), 3) if total > 0 else 0.0
            self.state["stage"] = stage
        if time.monotonic() - self.last_write >= PROGRESS_WRITE_INTERVAL_SECONDS:
            self._save_quietly()

    def _save_quietly(self) -> None:
        try:
            self.save()
        except Exception:  # progress is a courtesy: never fail the import for it
            log.warning("saving import job %s failed", self.job_id, exc_info=True)

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            self._save_quietly()

    def run(self) -> None:
        stop = threading.Event()
        heartbeat = threading.Thread(
            target=self._beat, args=(stop,), name=f"heartbeat-{self.job_id}", daemon=True
        )
        heartbeat.start()
        try:
            self._run()
        finally:
            stop.set()
            heartbeat.join()
        self.save()

    def _run(self) -> None:
        try:
            report = self._import()
            with self._lock:
                self.state.update(status="done", progress=1.0, stage="done", report=report)
        except CollectionError as exc:
            self._fail("invalid_package", str(exc))
        except ConflictError:
            self._fail("conflict", "the collection kept changing during the import; retry")
        except StoreUnavailableError:
            self._fail("store_unavailable", "the storage backend is unavailable; retry")
        except Exception:
            log.exception("import job %s failed", self.job_id)
            self._fail("internal_error", "the import failed unexpectedly")
        finally:
            shutil.rmtree(self.package.parent, ignore_errors=True)

    def _fail(self, code: str, message: str) -> None:
        with self._lock:
            self.state.update(
                status="failed", stage="failed", error={"code": code, "message": message}
            )

    def _import(self) -> dict[str, Any]:
        store = BlobMediaStore(self.svc.engine.media(self.user_id))

        def apply(col: Collection) -> dict[str, Any]:
            return import_apkg(
                col,
                self.package,
                media_store=store,
                scheduling=self.scheduling,
                progress=self.progress,
            ).as_dict()

        if self.idempotency_key is None:
            return self.svc.engine.write(self.user_id, apply)
        result = self.svc.engine.write(self.user_id, apply, idempotency_key=self.idempotency_key)
        if isinstance(result, AlreadyApplied):
            return dict(result.result or {"already_applied": True})
        return result


def _import_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_guard:
        if _executor is None:
            _executor = ThreadPoolExecutor(IMPORT_WORKERS, thread_name_prefix="javumbo-import")
        return _executor


def _public(state: dict[str, Any]) -> dict[str, Any]:
    return {k: state[k] for k in ("job_id", "status", "progress", "stage", "report", "error")}


def _upload_name(client_name: str | None) -> str:
    """The name the import's errors use for the file: the user's own (made safe), so that
    "my_deck.apkg is not a zip file" says which file, not a name of ours."""
    safe = secure_filename(client_name or "")[-100:]
    return safe or UNNAMED_UPLOAD


@bp.post("/import")
@bp.input(ImportFormSchema, location="files", arg_name="form")
@bp.output(ImportJobSchema, status_code=202)
@user_collection
def start_import(handle: CollectionHandle, form: dict[str, Any]) -> dict[str, Any]:
    """Upload an Anki package to merge into the collection; poll the job for the report."""
    svc = services()
    upload = form["file"]
    workdir = Path(tempfile.mkdtemp(prefix="javumbo-import-"))
    package = workdir / _upload_name(upload.filename)
    upload.save(package)
    if package.stat().st_size == 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise api_error(400, "the uploaded file is empty", code="invalid_package")
    job_id = _new_job_id(svc.clock.now())
    job = ImportJob(
        svc=svc,
        user_id=handle.user_id,
        job_id=job_id,
        package=package,
        scheduling=bool(form["scheduling"]),
        idempotency_key=handle.idempotency_key,
        state={
            "job_id": job_id,
            "status": "running",
            "progress": 0.0,
            "stage": "queued",
            "report": None,
            "error": None,
            "created_at": svc.clock.now(),
        },
    )
    try:
        job.save()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    prune_old_jobs(svc, handle.user_id)
    if svc.in_lambda:
        job.run()
    else:
        _import_executor().submit(job.run)
    return _public(job.state)


@bp.get("/import/<job_id>")
@bp.output(ImportJobSchema)
@user_collection
def import_status(handle: CollectionHandle, job_id: str) -> dict[str, Any]:
    """Where an import job stands; its report once done."""
    if not JOB_ID_RE.match(job_id):
        raise api_error(404, "no such import job")
    try:
        blob = services().blobs.get(_job_key(handle.user_id, job_id))
    except BlobNotFoundError as exc:
        raise api_error(404, "no such import job") from exc
    return _public(_with_staleness(json.loads(blob.data), services().clock.now()))


def _with_staleness(state: dict[str, Any], now: float) -> dict[str, Any]:
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


def _export_name(col: Collection, deck_id: int | None) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    if deck_id is None:
        return f"javumbo-collection-{stamp}.apkg"
    name = str(deck_ops.get_deck(col, deck_id)["name"]).replace("::", "-")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "deck"
    return f"{safe[:60]}-{stamp}.apkg"


@bp.get("/export")
@bp.input(ExportQuerySchema, location="query", arg_name="query")
@bp.output(FileSchema(type="string", format="binary"), content_type=APKG_MIMETYPE)
@user_collection
def export(handle: CollectionHandle, query: dict[str, Any]) -> Response:
    """The collection (or one deck) as an ``.apkg`` Anki opens; with no parameters, everything
    with scheduling and media."""
    deck_id = query.get("deck_id")
    store = BlobMediaStore(handle.media())
    with tempfile.TemporaryDirectory(prefix="javumbo-export-") as tmp:
        out = Path(tmp) / "export.apkg"
        with handle.read() as col:
            filename = _export_name(col, deck_id)
            report = export_apkg(
                col,
                out,
                deck_id=deck_id,
                scheduling=query["scheduling"],
                media=query["media"],
                media_store=store,
                layout=query["layout"],
            )
        data = out.read_bytes()
    response = Response(data, mimetype=APKG_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Export-Cards"] = str(report.cards)
    response.headers["X-Export-Revlog"] = str(report.revlog)
    return response
