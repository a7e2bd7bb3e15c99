"""Packages that move between the browser and S3 directly (presigned requests), for servers
whose API cannot carry a package's body: on Lambda, API Gateway refuses anything over 6 MB.

Import: ``POST /api/import/uploads`` answers a form the browser posts the file to (S3 checks
its size), then ``POST /api/import/from-upload`` starts the usual import job on that object.
Export: ``POST /api/export/link`` writes the package to the bucket and answers a short-lived
download URL. The objects live under the user's ``transfers/`` folder: an upload is deleted
once imported, and each new upload form or export link deletes the user's transfers older
than ``TRANSFER_RETENTION_SECONDS`` (the account's deletion removes the rest).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, Integer, String
from apiflask.validators import Length

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.errors import api_error
from javumbo.api.packages import (
    ExportQuerySchema,
    ImportJobSchema,
    TextChoicesSchema,
    admit_import,
    check_text_file,
    text_choices_for,
    upload_name,
    write_notes_text,
    write_package,
)
from javumbo.api.services import Services, services
from javumbo.imports.jobs import ImportJob, run_in_background
from javumbo.imports.records import new_job_id, new_job_state, prune_old_jobs, public_state
from javumbo.stores.ports import BlobNotFoundError, DirectTransfers
from javumbo.userdb import names

UPLOAD_FORM_SECONDS = 15 * 60
DOWNLOAD_URL_SECONDS = 15 * 60
TRANSFER_RETENTION_SECONDS = 24 * 3600

bp = APIBlueprint("package_transfers", __name__, tag="Import and export", url_prefix="/api")


class UploadRequestSchema(Schema):
    filename = String(
        required=True,
        validate=[Length(min=1, max=255)],
        metadata={"description": "the package's name on the learner's device"},
    )


class UploadFormSchema(Schema):
    url = String(required=True, metadata={"description": "where to POST the form"})
    form_fields = Dict(
        data_key="fields",
        keys=String(),
        values=String(),
        required=True,
        metadata={
            "description": "form fields to send first, as given; the file goes last as"
            " the field ``file``"
        },
    )
    key = String(required=True, metadata={"description": "name it for from-upload"})
    expires_in = Integer(required=True, metadata={"description": "seconds the form is good for"})
    max_bytes = Integer(required=True, metadata={"description": "the largest file it takes"})


class FromUploadSchema(TextChoicesSchema):
    """The uploaded object, and for a ``.csv``/``.tsv``/``.txt`` file the same choices as
    ``POST /api/import`` takes."""

    key = String(required=True, validate=[Length(min=1, max=1024)])
    scheduling = Boolean(load_default=True, metadata={"description": "keep review history"})


class ExportLinkSchema(Schema):
    url = String(required=True, metadata={"description": "downloads the package"})
    filename = String(required=True)
    expires_in = Integer(required=True, metadata={"description": "seconds the URL is good for"})
    cards = Integer(required=True, metadata={"description": "0 for a text export"})
    revlog = Integer(required=True, metadata={"description": "0 for a text export"})
    notes = Integer(metadata={"description": "set for a text export: how many notes"})


def _transfers(svc: Services) -> DirectTransfers:
    if svc.direct_transfers is None:
        raise api_error(
            404,
            "this server takes packages in the request itself (POST /api/import, GET /api/export)",
            code="direct_transfers_unavailable",
        )
    return svc.direct_transfers


def _folder(user_id: str, kind: str) -> str:
    return f"{names.user_prefix(user_id)}transfers/{kind}/"


def _new_key(svc: Services, user_id: str, kind: str, filename: str) -> str:
    """``<folder><ms since epoch>-<random>/<filename>``: the time lets old ones be pruned."""
    stamp = int(svc.clock.now() * 1000)
    return f"{_folder(user_id, kind)}{stamp:013d}-{uuid.uuid4().hex}/{filename}"


def _prune(svc: Services, user_id: str, kind: str) -> None:
    """Delete the user's transfers of this kind older than ``TRANSFER_RETENTION_SECONDS``."""
    folder = _folder(user_id, kind)
    oldest = int((svc.clock.now() - TRANSFER_RETENTION_SECONDS) * 1000)
    for info in svc.blobs.list(folder):
        stamp = info.key[len(folder) :].split("-", 1)[0]
        if stamp.isdigit() and int(stamp) < oldest:
            svc.blobs.delete(info.key)


@bp.post("/import/uploads")
@bp.input(UploadRequestSchema, arg_name="body")
@bp.output(UploadFormSchema, status_code=201)
@bp.doc(responses=[404])
@user_collection
def new_upload(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """A form to upload a package straight to storage (when the server offers it: see
    ``direct_transfers`` in ``GET /api/server-info``); then ``POST /api/import/from-upload``."""
    svc = services()
    transfers = _transfers(svc)
    _prune(svc, handle.user_id, "uploads")
    key = _new_key(svc, handle.user_id, "uploads", upload_name(body["filename"]))
    max_bytes = svc.settings.import_temp_bytes
    form = transfers.upload_form(key, max_bytes=max_bytes, expires_in=UPLOAD_FORM_SECONDS)
    return {
        "url": form.url,
        "form_fields": form.fields,
        "key": form.key,
        "expires_in": form.expires_in,
        "max_bytes": max_bytes,
    }


@bp.post("/import/from-upload")
@bp.input(FromUploadSchema, arg_name="body")
@bp.output(ImportJobSchema, status_code=202)
@bp.doc(responses=[400, 404, 413, 429, 503])
@user_collection
def import_upload(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Import a package (or a text file, with the text choices) uploaded with a form from
    ``POST /api/import/uploads``; the job is polled at ``GET /api/import/<job_id>`` as for
    ``POST /api/import``."""
    svc = services()
    _transfers(svc)
    key = str(body["key"])
    info = svc.blobs.head(key) if key.startswith(_folder(handle.user_id, "uploads")) else None
    if info is None:
        raise api_error(404, "no such upload (it may have expired)")
    if info.size > svc.settings.import_temp_bytes:
        raise api_error(413, "the package is too large to import", code="payload_too_large")
    name = upload_name(key.rsplit("/", 1)[-1])
    text_choices = text_choices_for(Path(name), body)  # before taking a place under the caps
    ticket = admit_import(svc, handle.user_id, info.size)
    workdir = Path(tempfile.mkdtemp(prefix="javumbo-import-"))
    package = workdir / name
    now = svc.clock.now()
    job_id = new_job_id(now)
    job = ImportJob(
        engine=svc.engine,
        blobs=svc.blobs,
        clock=svc.clock,
        user_id=handle.user_id,
        job_id=job_id,
        package=package,
        scheduling=bool(body["scheduling"]),
        idempotency_key=handle.idempotency_key,
        state=new_job_state(job_id, now),
        ticket=ticket,
        text_choices=text_choices,
    )
    try:
        svc.blobs.get_to_file(key, job.package)
        svc.blobs.delete(key)
        if text_choices is not None:
            check_text_file(handle, package, text_choices)
        job.save()
    except BlobNotFoundError as exc:
        job.discard_package()
        raise api_error(404, "no such upload (it may have expired)") from exc
    except BaseException:
        job.discard_package()
        raise
    prune_old_jobs(svc.blobs, svc.clock, handle.user_id)
    if svc.in_lambda:
        job.run()
    else:
        run_in_background(job)
    return public_state(job.state)


@bp.post("/export/link")
@bp.input(ExportQuerySchema, location="query", arg_name="query")
@bp.output(ExportLinkSchema, status_code=201)
@bp.doc(responses=[404])
@user_collection
def export_link(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """The file ``GET /api/export`` gives (a package, or with ``format=txt`` the notes as
    plain text), written to storage and answered as a download URL good for a few minutes
    (when the server offers it: ``direct_transfers``)."""
    svc = services()
    transfers = _transfers(svc)
    _prune(svc, handle.user_id, "exports")
    counts: dict[str, int]
    with tempfile.TemporaryDirectory(prefix="javumbo-export-") as tmp:
        if query["format"] == "txt":
            out = Path(tmp) / "notes.txt"
            filename, notes = write_notes_text(handle, query, out)
            counts = {"cards": 0, "revlog": 0, "notes": notes}
        else:
            out = Path(tmp) / "export.apkg"
            filename, report = write_package(handle, query, out)
            counts = {"cards": report.cards, "revlog": report.revlog}
        key = _new_key(svc, handle.user_id, "exports", filename)
        with out.open("rb") as exported:
            svc.blobs.put_stream(key, exported)
    url = transfers.download_url(key, filename=filename, expires_in=DOWNLOAD_URL_SECONDS)
    return {"url": url, "filename": filename, "expires_in": DOWNLOAD_URL_SECONDS, **counts}
