"""The browser: rows of a search in cards or notes mode with chosen columns and Anki's sort
orders, the sidebar's items and saved searches (Anki's ``savedFilters``)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from javumbo.api.collection_handle import CollectionHandle, user_collection
from javumbo.api.ids import MAX_IDS_PER_REQUEST, id_field, id_list_field, query_id_field
from javumbo.api.notes import tags_field
from javumbo.collection import Collection
from javumbo.collection.browser import COLUMNS, Mode, browse_page
from javumbo.collection.browser.columns import DEFAULT_COLUMNS, DEFAULT_SORT
from javumbo.collection.browser.duplicates import find_duplicates
from javumbo.collection.browser.find_replace import find_and_replace
from javumbo.collection.browser.reposition_choice import reposition_defaults
from javumbo.collection.browser.saved_searches import (
    delete_saved_search,
    save_search,
    saved_searches,
)
from javumbo.collection.browser.sidebar import sidebar
from javumbo.collection.browser.tag_replace import find_and_replace_tags
from javumbo.collection.browser.tagging import tag_notes

MAX_SEARCH_CHARS = 2000
MAX_PAGE = 1_000_000
MAX_NAME_CHARS = 200

bp = APIBlueprint("browse", __name__, tag="Browse", url_prefix="/api")
MAX_FIELD_NAME_CHARS = 200


class RowsQuerySchema(Schema):
    search = String(load_default="", validate=[Length(max=MAX_SEARCH_CHARS)])
    mode = String(load_default="cards", validate=[OneOf([m.value for m in Mode])])
    columns = String(
        load_default=",".join(DEFAULT_COLUMNS),
        validate=[Length(max=500)],
        metadata={"description": "comma-separated column keys, as listed by /columns"},
    )
    sort = String(load_default=DEFAULT_SORT, validate=[Length(max=40)])
    reverse = Boolean(load_default=False)
    page = Integer(load_default=1, validate=[Range(min=1, max=MAX_PAGE)])
    page_size = Integer(load_default=50, validate=[Range(min=1, max=500)])


class BrowserRowSchema(Schema):
    id = Integer(required=True, metadata={"description": "card id (cards mode) or note id"})
    note_id = Integer(required=True)
    card_ids = List(Integer(), required=True)
    notetype_id = Integer(required=True)
    deck_id = Integer(required=True)
    ord = Integer(required=True)
    flag = Integer(required=True)
    queue = Integer(required=True)
    type = Integer(required=True)
    marked = Boolean(required=True)
    colour = String(
        required=True,
        metadata={"description": "flag_red..flag_purple, marked, suspended, buried or ''"},
    )
    cells = Dict(keys=String(), values=String(), required=True)


class BrowserPageSchema(Schema):
    mode = String(required=True)
    columns = List(String(), required=True)
    sort = String(required=True)
    reverse = Boolean(required=True)
    total = Integer(required=True)
    page = Integer(required=True)
    page_size = Integer(required=True)
    rows = List(Nested(BrowserRowSchema), required=True)


class ColumnSchema(Schema):
    key = String(required=True)
    label = String(required=True)
    notes_label = String(required=True)
    sortable_cards = Boolean(required=True)
    sortable_notes = Boolean(required=True)


class ColumnsSchema(Schema):
    columns = List(Nested(ColumnSchema), required=True)
    default_columns = List(String(), required=True)
    default_sort = String(required=True)


class SavedSearchSchema(Schema):
    name = String(required=True, validate=[Length(min=1, max=MAX_NAME_CHARS)])
    search = String(required=True, validate=[Length(max=MAX_SEARCH_CHARS)])


class SavedSearchItemSchema(Schema):
    name = String(required=True)
    search = String(required=True)


class SavedSearchesSchema(Schema):
    saved_searches = List(Nested(SavedSearchItemSchema), required=True)


class SavedSearchNameSchema(Schema):
    name = String(required=True, validate=[Length(min=1, max=MAX_NAME_CHARS)])


class SidebarItemSchema(Schema):
    name = String(required=True)
    search = String(required=True)


class SidebarDeckSchema(SidebarItemSchema):
    id = Integer(required=True)
    filtered = Boolean(required=True)


class SidebarCardTypeSchema(SidebarItemSchema):
    ord = Integer(required=True)


class SidebarNotetypeSchema(SidebarItemSchema):
    id = Integer(required=True)
    card_types = List(Nested(SidebarCardTypeSchema), required=True)


class SidebarFlagSchema(SidebarItemSchema):
    flag = Integer(required=True)


class SidebarSchema(Schema):
    saved_searches = List(Nested(SidebarItemSchema), required=True)
    decks = List(Nested(SidebarDeckSchema), required=True)
    notetypes = List(Nested(SidebarNotetypeSchema), required=True)
    tags = List(Nested(SidebarItemSchema), required=True)
    flags = List(Nested(SidebarFlagSchema), required=True)
    card_states = List(Nested(SidebarItemSchema), required=True)


@bp.get("/browse/rows")
@bp.input(RowsQuerySchema, location="query", arg_name="query")
@bp.output(BrowserPageSchema)
@user_collection
def rows(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """One page of the cards (or notes) matching an Anki search, sorted by a column."""
    columns = [key for key in query["columns"].split(",") if key]
    with handle.read() as col:
        page = browse_page(
            col,
            query["search"],
            mode=Mode(query["mode"]),
            columns=columns,
            sort=query["sort"],
            reverse=query["reverse"],
            page=query["page"],
            page_size=query["page_size"],
        )
    return {
        "mode": page.mode.value,
        "columns": page.columns,
        "sort": page.sort,
        "reverse": page.reverse,
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "rows": [vars(row) for row in page.rows],
    }


@bp.get("/browse/columns")
@bp.output(ColumnsSchema)
def columns() -> dict[str, Any]:
    """Every column the browser can show, and which mode can sort by it."""
    return {
        "columns": [vars(column) for column in COLUMNS],
        "default_columns": list(DEFAULT_COLUMNS),
        "default_sort": DEFAULT_SORT,
    }


@bp.get("/browse/sidebar")
@bp.output(SidebarSchema)
@user_collection
def sidebar_items(handle: CollectionHandle) -> dict[str, Any]:
    """Saved searches, decks, note types, tags, flags and card states, each with its search."""
    with handle.read() as col:
        return sidebar(col)


def _listed(col: Collection) -> dict[str, Any]:
    return {
        "saved_searches": [
            {"name": name, "search": search} for name, search in saved_searches(col).items()
        ]
    }


@bp.get("/browse/saved-searches")
@bp.output(SavedSearchesSchema)
@user_collection
def list_saved_searches(handle: CollectionHandle) -> dict[str, Any]:
    """Saved searches by name."""
    with handle.read() as col:
        return _listed(col)


@bp.post("/browse/saved-searches")
@bp.input(SavedSearchSchema, arg_name="body")
@bp.output(SavedSearchesSchema, status_code=201)
@user_collection
def add_saved_search(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Save a search under a name (replacing one of the same name)."""

    def run(col: Collection) -> dict[str, Any]:
        save_search(col, body["name"], body["search"])
        return _listed(col)

    return handle.write(run)


@bp.delete("/browse/saved-searches")
@bp.input(SavedSearchNameSchema, location="query", arg_name="query")
@bp.output(SavedSearchesSchema)
@user_collection
def remove_saved_search(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """Delete a saved search by name (404 when there is none)."""

    def run(col: Collection) -> dict[str, Any]:
        delete_saved_search(col, query["name"])
        return _listed(col)

    return handle.write(run)


class FindReplaceSchema(Schema):
    note_ids = List(
        id_field(),
        load_default=list,
        validate=[Length(max=MAX_IDS_PER_REQUEST)],
        metadata={"description": "the notes to change; empty = every note"},
    )
    search = String(required=True, validate=[Length(min=1, max=MAX_SEARCH_CHARS)])
    replacement = String(load_default="", validate=[Length(max=MAX_SEARCH_CHARS)])
    regex = Boolean(load_default=False)
    match_case = Boolean(load_default=False)
    field = String(
        load_default=None,
        allow_none=True,
        validate=[Length(min=1, max=MAX_FIELD_NAME_CHARS)],
        metadata={"description": "a field name; null = every field"},
    )
    target = String(
        load_default="fields",
        validate=[OneOf(["fields", "tags"])],
        metadata={
            "description": "where to replace: the notes' fields (see field) or their tags "
            "(Anki's 'Tags' choice; a tag replacement may not contain a space)"
        },
    )


class ReplacedSchema(Schema):
    changed = Integer(required=True, metadata={"description": "notes changed"})


class DuplicatesQuerySchema(Schema):
    field = String(required=True, validate=[Length(min=1, max=MAX_FIELD_NAME_CHARS)])
    notetype_id = query_id_field()
    search = String(load_default="", validate=[Length(max=MAX_SEARCH_CHARS)])


class DuplicateSchema(Schema):
    text = String(required=True)
    note_ids = List(Integer(), required=True)


class DuplicatesSchema(Schema):
    duplicates = List(Nested(DuplicateSchema), required=True)


@bp.post("/notes/find-replace")
@bp.input(FindReplaceSchema, arg_name="body")
@bp.output(ReplacedSchema)
@user_collection
def find_replace(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Find and replace in notes' fields or tags as Anki does.

    A literal or a regular expression; one undo step ("Find and Replace", or "Update Tag" for
    tags as Anki names it)."""

    def run(col: Collection) -> dict[str, Any]:
        if body["target"] == "tags":
            return {
                "changed": find_and_replace_tags(
                    col,
                    body["note_ids"],
                    body["search"],
                    body["replacement"],
                    regex_search=body["regex"],
                    match_case=body["match_case"],
                )
            }
        changed = find_and_replace(
            col,
            body["note_ids"],
            body["search"],
            body["replacement"],
            regex_search=body["regex"],
            match_case=body["match_case"],
            field=body["field"],
        )
        return {"changed": changed}

    return handle.write(run)


@bp.get("/notes/duplicates")
@bp.input(DuplicatesQuerySchema, location="query", arg_name="query")
@bp.output(DuplicatesSchema)
@user_collection
def duplicates(handle: CollectionHandle, query: dict[str, Any]) -> dict[str, Any]:
    """Notes whose field (HTML stripped) holds the same text, as Anki's Find Duplicates."""
    with handle.read() as col:
        found = find_duplicates(
            col, query["field"], query["search"], notetype_id=query.get("notetype_id")
        )
    return {"duplicates": [{"text": text, "note_ids": nids} for text, nids in found]}


class NoteTagsSchema(Schema):
    note_ids = id_list_field(required=True)
    add = tags_field(load_default=list)
    remove = tags_field(load_default=list)


class NotesTaggedSchema(Schema):
    note_ids = List(Integer(), required=True)
    changed = Integer(required=True, metadata={"description": "notes acted on"})


@bp.post("/notes/tags")
@bp.input(NoteTagsSchema, arg_name="body")
@bp.output(NotesTaggedSchema)
@user_collection
def note_tags(handle: CollectionHandle, body: dict[str, Any]) -> dict[str, Any]:
    """Add and/or remove tags on notes (Find Duplicates' "Tag Duplicates"); one undo step."""

    def run(col: Collection) -> dict[str, Any]:
        nids = tag_notes(col, body["note_ids"], body["add"], body["remove"])
        return {"note_ids": nids, "changed": len(nids)}

    return handle.write(run)


class RepositionDefaultsSchema(Schema):
    queue_top = Integer(required=True, metadata={"description": "first new-queue position"})
    queue_bottom = Integer(required=True, metadata={"description": "last new-queue position"})
    randomize = Boolean(required=True, metadata={"description": "as the last reposition"})
    shift = Boolean(required=True, metadata={"description": "as the last reposition"})


@bp.get("/browse/reposition-defaults")
@bp.output(RepositionDefaultsSchema)
@user_collection
def reposition_dialog(handle: CollectionHandle) -> dict[str, Any]:
    """What Anki's Reposition New Cards dialog shows (queue top and bottom) and starts from."""
    with handle.read() as col:
        return vars(reposition_defaults(col))
