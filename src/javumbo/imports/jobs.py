"""Running one import job: the import itself (all or nothing, in one storage-engine write),
its progress and heartbeat written to the job's record, and the worker threads it runs on.

In a server process a job runs on one of ``IMPORT_WORKERS`` background threads and the upload
is answered at once; in Lambda, where nothing may run after the answer, it runs before
answering. Importing the same file again is safe: notes already there are recognised by their
guid, media files already stored by their content.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from javumbo.collection import Collection, CollectionError
from javumbo.collection.apkg import import_apkg
from javumbo.collection.clock import Clock
from javumbo.collection.text_import import (
    TextImportChoices,
    decode_text,
    import_text,
    read_metadata,
)
from javumbo.imports import records
from javumbo.imports.admission import ImportTicket
from javumbo.stores.ports import BlobStore, StoreUnavailableError
from javumbo.userdb import AlreadyApplied, ConflictError, StorageEngine
from javumbo.userdb.media import MediaQuotaError
from javumbo.userdb.package_media import BlobMediaStore

log = logging.getLogger(__name__)

PROGRESS_WRITE_INTERVAL_SECONDS = 0.5
HEARTBEAT_SECONDS = records.HEARTBEAT_SECONDS
IMPORT_WORKERS = 2
BULK_IMPORT_MIN_BYTES = 4 * 1024 * 1024
"""Packages from this size go in the bulk way (``StorageEngine.bulk_write``: the import runs on
a copy beside the live one, which goes in with one upload and one marker); smaller ones are
journaled row by row, which costs less than uploading the whole collection again."""

_executor_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None


@dataclass
class ImportJob:
    """One accepted import. ``package`` sits alone in a private folder that the job removes
    when it ends, and ``ticket`` is its place under the import caps, released then too."""

    engine: StorageEngine
    blobs: BlobStore
    clock: Clock
    user_id: str
    job_id: str
    package: Path
    scheduling: bool
    idempotency_key: str | None
    state: dict[str, Any]
    ticket: ImportTicket | None = None
    text_choices: TextImportChoices | None = None  # set for a .csv/.tsv/.txt file
    last_write: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def save(self) -> None:
        with self._lock:
            self.state["updated_at"] = self.clock.now()
            data = json.dumps(self.state).encode()
            self.blobs.put(records.job_key(self.user_id, self.job_id), data)
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
            self.discard_package()
        self.save()

    def discard_package(self) -> None:
        """Remove the package's folder and give back the job's place under the caps."""
        shutil.rmtree(self.package.parent, ignore_errors=True)
        if self.ticket is not None:
            self.ticket.release()

    def _run(self) -> None:
        try:
            report = self._import()
            with self._lock:
                self.state.update(status="done", progress=1.0, stage="done", report=report)
        except CollectionError as exc:
            self._fail(
                "invalid_package" if self.text_choices is None else "invalid_text_file", str(exc)
            )
        except MediaQuotaError as exc:
            self._fail(exc.code, exc.message)
        except ConflictError:
            self._fail("conflict", "the collection kept changing during the import; retry")
        except StoreUnavailableError:
            self._fail("store_unavailable", "the storage backend is unavailable; retry")
        except Exception:
            log.exception("import job %s failed", self.job_id)
            self._fail("internal_error", "the import failed unexpectedly")

    def _fail(self, code: str, message: str) -> None:
        with self._lock:
            self.state.update(
                status="failed", stage="failed", error={"code": code, "message": message}
            )

    def _import(self) -> dict[str, Any]:
        store = BlobMediaStore(self.engine.media(self.user_id), scratch=self.package.parent)

        def apply(col: Collection) -> dict[str, Any]:
            if self.text_choices is not None:
                text = decode_text(self.package.read_bytes())
                meta = read_metadata(col, text, self.text_choices)
                return import_text(col, text, meta, progress=self.progress).as_dict()
            return import_apkg(
                col,
                self.package,
                media_store=store,
                scheduling=self.scheduling,
                progress=self.progress,
            ).as_dict()

        key = self.idempotency_key
        if self.package.stat().st_size >= BULK_IMPORT_MIN_BYTES:
            if key is None:
                return self.engine.bulk_write(self.user_id, apply)[0]
            bulk = self.engine.bulk_write(self.user_id, apply, idempotency_key=key)
            if isinstance(bulk, AlreadyApplied):
                return dict(bulk.result or {"already_applied": True})
            return bulk[0]
        if key is None:
            return self.engine.write(self.user_id, apply)
        result = self.engine.write(self.user_id, apply, idempotency_key=key)
        if isinstance(result, AlreadyApplied):
            return dict(result.result or {"already_applied": True})
        return result


def run_in_background(job: ImportJob) -> None:
    """Queue the job on this process's import workers."""
    global _executor
    with _executor_guard:
        if _executor is None:
            _executor = ThreadPoolExecutor(IMPORT_WORKERS, thread_name_prefix="javumbo-import")
        executor = _executor
    executor.submit(job.run)
