"""Anki packages over HTTP: ``POST /api/import`` (multipart ``.apkg``, answered with a job to
poll at ``GET /api/import/<job_id>``) and ``GET /api/export`` (the ``.apkg`` file).

The job machinery (records, workers, heartbeats, pruning, the caps on who may start an import)
is ``javumbo.imports``; these views admit an upload, hand it to a job and show its record.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, File, Float, Integer, List, Nested, String
from apiflask.schemas import FileSchema
from apiflask.validators import OneOf
from flask import Response, g, request
from werkzeug.utils import secure_filename
from werkzeug.wsgi import wrap_file

from javumbo.api.collection_handle import CollectionHandle, current_token_user, user_collection
from javumbo.api.errors import api_error, error_code_field
from javumbo.api.ids import query_id_field
from javumbo.api.services import Services, services
from javumbo.collection import Collection
from javumbo.collection import decks as deck_ops
from javumbo.collection.apkg import EXPORT_LAYOUTS, export_apkg
from javumbo.collection.apkg.exporter import ExportReport
from javumbo.collection.errors import ValidationError
from javumbo.collection.notetypes import field_names as notetype_field_names
from javumbo.collection.notetypes import get_notetype as notetype_by_id
from javumbo.collection.text_export import export_notes_text
from javumbo.collection.text_import import (
    DELIMITER_NAMES,
    DUPE_RESOLUTIONS,
    MATCH_SCOPES,
    TextImportChoices,
    TextMetadata,
    decode_text,
    read_metadata,
)
from javumbo.imports.admission import (
    IMPORT_ADMISSION,
    ImportsBusyError,
    ImportTicket,
    PackageTooLargeError,
    TooManyImportsError,
)
from javumbo.imports.jobs import ImportJob, run_in_background
from javumbo.imports.records import (
    new_job_id,
    new_job_state,
    prune_old_jobs,
    public_state,
    read_job,
    with_staleness,
)
from javumbo.userdb.media import describe_size
from javumbo.userdb.package_media import BlobMediaStore

APKG_MIMETYPE = "application/octet-stream"
UNNAMED_UPLOAD = "the uploaded file"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
PREVIEW_BYTES = 256 * 1024  # the web app sends at most this much of a file to preview
TEXT_IMPORT_MAX_BYTES = 64 * 1024 * 1024
"""A text file is read whole into memory to import it (as Anki does); larger ones are 413."""
IMPORT_BUSY_RETRY_AFTER_SECONDS = 30
TEXT_EXPORT_OPTIONS = ("with_html", "with_tags", "with_deck", "with_notetype", "with_guid")

bp = APIBlueprint("packages", __name__, tag="Import and export", url_prefix="/api")


# ------------------------------------------------------------------ schemas


class TextChoicesSchema(Schema):
    """What the learner chose in the text import dialog; left out: the file's header lines,
    else Anki's guess (``POST /api/import/text/preview`` shows them)."""

    deck_id = Integer(metadata={"description": "text files: the deck notes go to"})
    notetype_id = Integer(metadata={"description": "text files: the notes' note type"})
    separator = String(
        validate=[OneOf(DELIMITER_NAMES)],
        metadata={"description": "text files: the column separator (else the file's or a guess)"},
    )
    html = Boolean(metadata={"description": "text files: fields are HTML (else escaped)"})
    field_columns = String(
        metadata={
            "description": "text files: per field of the note type, its column (from 1,"
            " 0 = none), comma-separated"
        }
    )
    tags_column = Integer(
        metadata={"description": "text files: the column holding each note's tags (0 = none)"}
    )
    tags = String(metadata={"description": "text files: tags added to every note"})
    updated_tags = String(
        metadata={"description": "text files: tags added to the notes the import updates"}
    )
    duplicates = String(
        validate=[OneOf(DUPE_RESOLUTIONS)],
        metadata={
            "description": "text files: a note whose first field matches: update it,"
            " preserve it (skip the row) or duplicate (add the row too)"
        },
    )
    match_scope = String(
        validate=[OneOf(MATCH_SCOPES)],
        metadata={
            "description": "text files: duplicates are notes of the same note type"
            " (notetype) or of the same note type in the same deck (notetype_and_deck)"
        },
    )


class ImportFormSchema(TextChoicesSchema):
    file = File(  # type: ignore[no-untyped-call]
        required=True, metadata={"description": "the .apkg (or .colpkg), .csv, .tsv or .txt file"}
    )
    scheduling = Boolean(load_default=True, metadata={"description": "keep review history"})


class JobErrorSchema(Schema):
    code = error_code_field(required=True)
    message = String(required=True)


class TextRowProblemSchema(Schema):
    row = Integer(
        required=True, metadata={"description": "the row's number among the records, from 1"}
    )
    reason = String(
        required=True,
        validate=OneOf(["empty_first_field", "missing_notetype", "missing_deck"]),
    )


class TextImportReportSchema(Schema):
    found_notes = Integer(required=True)
    dupe_resolution = String(required=True, validate=OneOf(["update", "preserve", "duplicate"]))
    new = Integer(required=True)
    updated = Integer(required=True, metadata={"description": "matched by guid and changed"})
    first_field_match_updated = Integer(required=True)
    first_field_match_added = Integer(required=True)
    first_field_match_skipped = Integer(required=True)
    duplicate = Integer(required=True, metadata={"description": "matched and identical"})
    conflicting = Integer(
        required=True, metadata={"description": "matched a note of another note type"}
    )
    problem_count = Integer(required=True)
    problems = List(
        Nested(TextRowProblemSchema),
        required=True,
        metadata={"description": "the first 100 rows that could not be imported"},
    )


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
    text = Nested(
        TextImportReportSchema,
        allow_none=True,
        metadata={"description": "set for a text file: the rows in Anki's categories"},
    )


class ImportJobSchema(Schema):
    job_id = String(required=True)
    status = String(
        required=True,
        validate=[OneOf(["running", "done", "failed"])],
        metadata={"description": "running, done or failed"},
    )
    progress = Float(required=True, metadata={"description": "0 to 1"})
    stage = String(required=True)
    report = Nested(ImportReportSchema, allow_none=True, required=True)
    error = Nested(JobErrorSchema, allow_none=True, required=True)


class ExportQuerySchema(Schema):
    format = String(
        load_default="apkg",
        validate=[OneOf(["apkg", "txt"])],
        metadata={
            "description": "apkg: an Anki package; txt: Anki's Notes in Plain Text (tab-separated,"
            " HTML, with guid, note type, deck and tags columns)"
        },
    )
    deck_id = query_id_field(
        metadata={"description": "this deck and its subdecks; else everything"}
    )
    scheduling = Boolean(load_default=True)
    media = Boolean(load_default=True)
    with_html = Boolean(
        load_default=True,
        metadata={"description": "txt: fields with their HTML (else one line of text each)"},
    )
    with_tags = Boolean(load_default=True, metadata={"description": "txt: a tags column"})
    with_deck = Boolean(load_default=True, metadata={"description": "txt: a deck column"})
    with_notetype = Boolean(load_default=True, metadata={"description": "txt: a note type column"})
    with_guid = Boolean(
        load_default=True,
        metadata={"description": "txt: a guid column (imports update the same notes)"},
    )
    layout = String(
        load_default="legacy",
        validate=[OneOf(EXPORT_LAYOUTS)],
        metadata={
            "description": "legacy: collection.anki2, opens in every Anki version; current:"
            " what Anki 2.1.50 and newer write (zstd-compressed collection.anki21b, smaller"
            " for big collections, not readable by older versions)",
        },
    )


# ------------------------------------------------------------------ import


def upload_name(client_name: str | None) -> str:
    """The name the import's errors use for the file: the user's own (made safe), so that
    "my_deck.apkg is not a zip file" says which file, not a name of ours."""
    safe = secure_filename(client_name or "")[-100:]
    return safe or UNNAMED_UPLOAD


@bp.before_request
def admit_import_before_reading_the_upload() -> None:
    """A user at their cap, or a busy server, is answered before the upload is parsed."""
    if request.endpoint == f"{bp.name}.start_import":
        user_id = current_token_user().user_id
        g.javumbo_import_ticket = admit_import(services(), user_id, request.content_length or 0)


@bp.teardown_request
def release_an_unused_place(_error: BaseException | None) -> None:
    """An admitted request that never handed its place to a job (rejected input, a failure
    before the job existed) gives it back."""
    ticket: ImportTicket | None = g.pop("javumbo_import_ticket", None)
    if ticket is not None:
        ticket.release()


def admit_import(svc: Services, user_id: str, size: int) -> ImportTicket:
    """A place under the import caps for a ``size``-byte file, or the clear error of the cap
    that refused it (for both ways in: ``POST /api/import`` and ``/api/import/from-upload``)."""
    try:
        return IMPORT_ADMISSION.admit(
            user_id,
            size,
            per_user=svc.settings.imports_per_user,
            temp_bytes=svc.settings.import_temp_bytes,
        )
    except TooManyImportsError as exc:
        retry = {"Retry-After": str(IMPORT_BUSY_RETRY_AFTER_SECONDS)}
        raise api_error(429, exc.message, code="too_many_imports", headers=retry) from exc
    except ImportsBusyError as exc:
        retry = {"Retry-After": str(IMPORT_BUSY_RETRY_AFTER_SECONDS)}
        raise api_error(503, exc.message, code="imports_busy", headers=retry) from exc
    except PackageTooLargeError as exc:
        raise api_error(413, exc.message, code="payload_too_large") from exc


@bp.post("/import")
@bp.input(ImportFormSchema, location="files", arg_name="form")
@bp.output(ImportJobSchema, status_code=202)
@bp.doc(responses=[400, 413, 429, 503])
@user_collection
def start_import(handle: CollectionHandle, form: dict[str, Any]) -> dict[str, Any]:
    """Upload an Anki package to merge into the collection; poll the job for the report.
    A user may have a few imports queued or running at once (429 ``too_many_imports``
    beyond); media count against the user's media allowance (the job fails with
    ``media_quota_exceeded`` or ``media_file_too_large``, changing nothing)."""
    svc = services()
    upload = form["file"]
    name = upload_name(upload.filename)
    text_choices = text_choices_for(Path(name), form)  # refused here, the place goes back
    workdir = Path(tempfile.mkdtemp(prefix="javumbo-import-"))
    package = workdir / name
    now = svc.clock.now()
    job_id = new_job_id(now)
    ticket: ImportTicket = g.pop("javumbo_import_ticket")  # the job gives it back when it ends
    job = ImportJob(
        engine=svc.engine,
        blobs=svc.blobs,
        clock=svc.clock,
        user_id=handle.user_id,
        job_id=job_id,
        package=package,
        scheduling=bool(form["scheduling"]),
        idempotency_key=handle.idempotency_key,
        state=new_job_state(job_id, now),
        ticket=ticket,
        text_choices=text_choices,
    )
    try:
        upload.save(package)
        size = package.stat().st_size
        if size == 0:
            raise api_error(400, "the uploaded file is empty", code="invalid_package")
        if size > svc.settings.import_temp_bytes:  # a body sent without its length
            raise api_error(413, "the package is too large to import", code="payload_too_large")
        ticket.resize(size)
        if text_choices is not None:
            check_text_file(handle, package, text_choices)
        job.save()
    except BaseException:
        job.discard_package()
        raise
    prune_old_jobs(svc.blobs, svc.clock, handle.user_id)
    if svc.in_lambda:
        job.run()
    else:
        run_in_background(job)
    return public_state(job.state)


class TextPreviewFormSchema(Schema):
    file = File(  # type: ignore[no-untyped-call]
        required=True,
        metadata={"description": "the text file, or its beginning (the first rows suffice)"},
    )
    deck_id = Integer()
    notetype_id = Integer()
    separator = String(validate=[OneOf(DELIMITER_NAMES)])
    html = Boolean()


class TextPreviewSchema(Schema):
    separator = String(required=True)
    html = Boolean(required=True)
    column_labels = List(String(), required=True)
    column_count = Integer(required=True)
    rows = List(List(String()), required=True, metadata={"description": "the first rows"})
    notetype_id = Integer(allow_none=True, required=True)
    field_names = List(String(), required=True)
    field_columns = List(Integer(), required=True, metadata={"description": "per field, 0=none"})
    deck_id = Integer(allow_none=True, required=True)
    deck_name = String(allow_none=True, required=True, metadata={"description": "created"})
    tags_column = Integer(required=True)
    tags = List(String(), required=True)
    duplicates = String(required=True, validate=OneOf(DUPE_RESOLUTIONS))
    match_scope = String(required=True, validate=OneOf(MATCH_SCOPES))


@bp.post("/import/text/preview")
@bp.input(TextPreviewFormSchema, location="files", arg_name="form")
@bp.output(TextPreviewSchema)
@bp.doc(responses=[400])
@user_collection
def preview_text_import(handle: CollectionHandle, form: dict[str, Any]) -> dict[str, Any]:
    """What importing this text file would do: separator, HTML, columns, the first rows and
    the field mapping Anki would start from (as ``field_columns`` for ``POST /api/import``)."""
    data = form["file"].read(PREVIEW_BYTES)
    choices = TextImportChoices(
        delimiter=form.get("separator"),
        is_html=form.get("html"),
        notetype_id=form.get("notetype_id"),
        deck_id=form.get("deck_id"),
    )
    meta, names = _text_metadata(handle, data, complete=len(data) < PREVIEW_BYTES, choices=choices)
    return {
        "separator": meta.delimiter.name,
        "html": meta.is_html,
        "column_labels": meta.column_labels,
        "column_count": meta.column_count,
        "rows": meta.preview,
        "notetype_id": meta.notetype_id,
        "field_names": names,
        "field_columns": meta.field_columns,
        "deck_id": meta.deck_id,
        "deck_name": meta.deck_name,
        "tags_column": meta.tags_column,
        "tags": meta.global_tags,
        "duplicates": meta.dupe_resolution,
        "match_scope": meta.match_scope,
    }


def _text_metadata(
    handle: CollectionHandle, data: bytes, *, complete: bool, choices: TextImportChoices
) -> tuple[TextMetadata, list[str]]:
    """What the file's first rows and the choices make of an import, with the note type's
    field names; a 400 ``invalid_text_file`` when that is no import at all."""
    with handle.read() as col:
        try:
            meta = read_metadata(col, decode_text(data, complete=complete), choices)
        except ValidationError as exc:
            raise api_error(400, str(exc), code="invalid_text_file") from exc
        names = (
            notetype_field_names(notetype_by_id(col, meta.notetype_id))
            if meta.notetype_id is not None
            else []
        )
    return meta, names


def check_text_file(handle: CollectionHandle, package: Path, choices: TextImportChoices) -> None:
    """Refuse, before a job starts, a text file its first rows show cannot be imported (not
    UTF-8 text, no rows, a field mapping that does not fit it) with a 400
    ``invalid_text_file``; a fault further down fails the job with the same code. A file
    over ``TEXT_IMPORT_MAX_BYTES`` is a 413."""
    if package.stat().st_size > TEXT_IMPORT_MAX_BYTES:
        raise api_error(
            413,
            f"text files of up to {describe_size(TEXT_IMPORT_MAX_BYTES)} can be imported;"
            " split the file",
            code="payload_too_large",
        )
    with package.open("rb") as file:
        data = file.read(PREVIEW_BYTES)
    _text_metadata(handle, data, complete=len(data) < PREVIEW_BYTES, choices=choices)


def text_choices_for(package: Path, form: dict[str, Any]) -> TextImportChoices | None:
    """The learner's choices for a ``.csv``/``.tsv``/``.txt`` file; ``None`` for a package."""
    if package.suffix.lower() not in TEXT_SUFFIXES:
        return None
    return _text_choices(form)


def _text_choices(form: dict[str, Any]) -> TextImportChoices:
    """The user's picks for a text file's import."""
    columns = None
    if form.get("field_columns"):
        try:
            columns = [int(c) for c in str(form["field_columns"]).split(",")]
        except ValueError as exc:
            raise api_error(
                400,
                "field_columns must be column numbers separated by commas",
                code="invalid_text_file",
            ) from exc
    return TextImportChoices(
        delimiter=form.get("separator"),
        is_html=form.get("html"),
        notetype_id=form.get("notetype_id"),
        deck_id=form.get("deck_id"),
        field_columns=columns,
        tags_column=form.get("tags_column"),
        tags=str(form.get("tags") or "").split(),
        updated_tags=str(form.get("updated_tags") or "").split(),
        dupe_resolution=form.get("duplicates"),
        match_scope=form.get("match_scope"),
    )


@bp.get("/import/<job_id>")
@bp.output(ImportJobSchema)
@user_collection
def import_status(handle: CollectionHandle, job_id: str) -> dict[str, Any]:
    """Where an import job stands; its report once done."""
    svc = services()
    state = read_job(svc.blobs, handle.user_id, job_id)
    if state is None:
        raise api_error(404, "no such import job")
    return public_state(with_staleness(state, svc.clock.now()))


# ------------------------------------------------------------------ export


def _export_name(col: Collection, deck_id: int | None) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    if deck_id is None:
        return f"javumbo-collection-{stamp}.apkg"
    name = str(deck_ops.get_deck(col, deck_id)["name"]).replace("::", "-")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "deck"
    return f"{safe[:60]}-{stamp}.apkg"


def write_package(
    handle: CollectionHandle, query: dict[str, Any], out: Path
) -> tuple[str, ExportReport]:
    """Write the ``.apkg`` an export query asks for to ``out`` (its media read through a
    scratch folder beside it); the file name to offer and what went in."""
    deck_id = query.get("deck_id")
    store = BlobMediaStore(handle.media(), scratch=out.parent)
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
    return filename, report


@bp.get("/export")
@bp.input(ExportQuerySchema, location="query", arg_name="query")
@bp.output(FileSchema(type="string", format="binary"), content_type=APKG_MIMETYPE)
@user_collection
def export(handle: CollectionHandle, query: dict[str, Any]) -> Response:
    """The collection (or one deck) as an ``.apkg`` Anki opens; with no parameters, everything
    with scheduling and media; ``format=txt`` gives the notes as Anki's Notes in Plain Text
    with its options. The file is sent from disk, never whole in memory."""
    if query["format"] == "txt":
        return _export_text(handle, query)
    with tempfile.TemporaryDirectory(prefix="javumbo-export-") as tmp:
        out = Path(tmp) / "export.apkg"
        filename, report = write_package(handle, query, out)
        package = out.open("rb")  # stays readable after the folder is gone
    size = os.fstat(package.fileno()).st_size
    body = wrap_file(request.environ, package)
    response = Response(body, mimetype=APKG_MIMETYPE, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Export-Cards"] = str(report.cards)
    response.headers["X-Export-Revlog"] = str(report.revlog)
    return response


def write_notes_text(handle: CollectionHandle, query: dict[str, Any], out: Path) -> tuple[str, int]:
    """Write the notes (of the query's deck and its subdecks, else all) as Anki's Notes in
    Plain Text with the query's options to ``out``; the file name to offer and how many notes
    went in."""
    deck_id = query.get("deck_id")
    options = {name: bool(query.get(name, True)) for name in TEXT_EXPORT_OPTIONS}
    with handle.read() as col:
        filename = _export_name(col, deck_id).removesuffix(".apkg") + ".txt"
        count = export_notes_text(col, out, deck_id=deck_id, **options)
    return filename, count


def _export_text(handle: CollectionHandle, query: dict[str, Any]) -> Response:
    with tempfile.TemporaryDirectory(prefix="javumbo-export-") as tmp:
        out = Path(tmp) / "notes.txt"
        filename, count = write_notes_text(handle, query, out)
        text = out.open("rb")
    size = os.fstat(text.fileno()).st_size
    response = Response(
        wrap_file(request.environ, text),
        mimetype=APKG_MIMETYPE,  # the documented download type; the name says .txt
        direct_passthrough=True,
    )
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Export-Notes"] = str(count)
    return response
