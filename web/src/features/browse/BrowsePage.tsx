/** Anki's browser: a search, the matching cards or notes in a sortable table, the sidebar, bulk
 * actions and dialogs on the selection, the note editor and card info of the current row. */
import { useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { NoteEditor } from "../notes/NoteEditor";
import { BrowseSidebar } from "./BrowseSidebar";
import { BrowseTable } from "./BrowseTable";
import { BulkActions } from "./BulkActions";
import { CardInfoPanel } from "./CardInfoPanel";
import { SearchBar } from "./SearchBar";
import { ViewToolbar } from "./ViewToolbar";
import { useBrowseColumns, useBrowseRows, useInvalidateRows, useUndoStatus, type BrowserRow } from "./api";
import { BrowseDialogs, type DialogKind } from "./dialogs/BrowseDialogs";
import { keyAction } from "./keyboard";
import { combinedSearch } from "./sidebarSearch";
import { useBrowseView } from "./useBrowseView";
import { useBulkActions } from "./useBulkActions";
import { useRowSelection } from "./useRowSelection";

export { COLUMNS_STORAGE_KEY } from "./useBrowseView";

function inOrder(rows: BrowserRow[], ids: number[]): BrowserRow[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export default function BrowsePage() {
  const view = useBrowseView();
  const { search, page, mode, sort, reverse, columns } = view;
  const [editing, setEditing] = useState<number | null>(null);
  const [dialog, setDialog] = useState<DialogKind | null>(null);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const columnList = useBrowseColumns();
  const undoStatus = useUndoStatus();
  const invalidateRows = useInvalidateRows();
  // After an action the table keeps the rows it showed (as Anki's does, without searching
  // again): they are fetched by id, so cards moved out of a deck search stay in view.
  const [shown, setShown] = useState<{ ids: number[]; total: number } | null>(null);
  const asked = shown ? `${mode === "cards" ? "cid" : "nid"}:${shown.ids.join(",")}` : search;
  const rowsQuery = useBrowseRows({ search: asked, mode, columns: columns.join(","), sort, reverse, page: shown ? 1 : page }, shown !== null);
  // An error belongs to the search it came from: a new search shows its own rows or its error.
  const result = rowsQuery.isError ? undefined : rowsQuery.data;
  const searchError = rowsQuery.error ? errorMessage(rowsQuery.error) : null;
  const rows = shown ? inOrder(result?.rows ?? [], shown.ids) : (result?.rows ?? []);
  const total = shown ? shown.total : result?.total;
  const selection = useRowSelection(rows);
  const { selected, cursor, choose } = selection;
  const chosen = rows.filter((row) => selected.has(row.id));
  const keepRows = () => {
    if (!shown && result && rows.length) setShown({ ids: rows.map((r) => r.id), total: result.total });
  };
  const bulk = useBulkActions(chosen, {
    onEdit: setEditing,
    onDialog: setDialog,
    onDeleted: () => {
      selection.clear();
      setShown(null); // the count changes: search again
    },
    onChange: keepRows,
  });
  const current = rows[cursor];
  const currentCard = current ? (mode === "cards" ? current.id : (current.card_ids[0] ?? null)) : null;
  const noun = mode === "notes" ? "note" : "card";

  const go = (changes: Record<string, string>) => {
    setShown(null);
    selection.reset();
    bulk.reset();
    view.navigate(changes);
  };
  const focusTable = () => window.requestAnimationFrame(() => tableRef.current?.focus());
  const closeEditor = () => {
    setEditing(null);
    focusTable();
  };
  const closeDialog = () => {
    if (dialog === "change-notetype") setShown(null); // cards were added or removed: search again
    setDialog(null);
    focusTable();
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const action = keyAction(event);
    if (!action || !rows.length) return;
    event.preventDefault();
    switch (action.kind) {
      case "move":
        return choose(Math.min(rows.length - 1, Math.max(0, cursor + action.by)), action.extend);
      case "edge":
        return choose(action.end ? rows.length - 1 : 0, action.extend);
      case "open":
        if (current) setEditing(current.note_id);
        return;
      case "select-all":
        return selection.selectAll(true);
      case "card-info":
        return view.setInfoOpen((open) => !open);
      case "focus-search":
        searchRef.current?.focus();
        return searchRef.current?.select();
      case "suspend":
        return bulk.act({ kind: "suspend", suspended: !chosen.every((row) => row.queue === -1) });
      default:
        return bulk.act(action);
    }
  };

  const pages = result && total !== undefined ? Math.max(1, Math.ceil(total / Math.max(1, result.page_size))) : 1;

  return (
    <section className="page browse-page">
      <div className="page-head">
        <h1>Browse</h1>
        <SearchBar key={search} search={search} onSearch={(text) => go({ q: text })} inputRef={searchRef} />
      </div>
      <ViewToolbar
        mode={mode}
        onMode={(m) => go({ mode: m, sort: "sort_field", reverse: "false" })}
        known={columnList.data?.columns ?? []}
        columns={columns}
        onColumns={view.setColumns}
        infoOpen={view.infoOpen}
        onInfo={() => view.setInfoOpen((open) => !open)}
      />
      <BulkActions undoLabel={undoStatus.data?.undoable ? undoStatus.data.label : null} count={total ?? -1} selected={chosen.length} noun={noun} oneNotetype={new Set(chosen.map((r) => r.notetype_id)).size === 1} onAction={bulk.act} />
      <ErrorNotice message={bulk.error} onDismiss={() => bulk.setError(null)} />
      {bulk.notice && (
        <p className="browse-notice" role="status">
          {bulk.notice}
        </p>
      )}
      <div className={`browse-layout${view.infoOpen ? " browse-layout--info" : ""}`}>
        <BrowseSidebar onSearch={(text, e) => go({ q: combinedSearch(search, text, e) })} onSave={() => setDialog("save-search")} onError={bulk.setError} />
        <div className="browse-main">
          {searchError ? (
            <ErrorNotice message={searchError} />
          ) : (
            <div className="table-wrap">
              <BrowseTable
                ref={tableRef}
                rows={rows}
                columns={columns}
                known={columnList.data?.columns ?? []}
                mode={mode}
                sort={sort}
                reverse={reverse}
                selected={selected}
                cursor={cursor}
                onSort={(key) => go({ sort: key, reverse: String(sort === key ? !reverse : false) })}
                onRowClick={(index, e) => choose(index, e.shiftKey, e.ctrlKey || e.metaKey)}
                onToggle={(id) => choose(rows.findIndex((r) => r.id === id), false, true)}
                onSelectAll={selection.selectAll}
                onOpen={(index) => {
                  choose(index, false);
                  setEditing(rows[index]?.note_id ?? null);
                }}
                onKeyDown={onKeyDown}
              />
              {result && rows.length === 0 && <div className="empty">No {noun}s match this search.</div>}
            </div>
          )}
          {pages > 1 && !searchError && (
            <div className="pager">
              <button type="button" className="button button--small" disabled={page <= 1} onClick={() => go({ page: String(page - 1) })}>
                ‹ Previous
              </button>
              <span className="muted small">
                Page {page} of {pages}
              </span>
              <button type="button" className="button button--small" disabled={page >= pages} onClick={() => go({ page: String(page + 1) })}>
                Next ›
              </button>
            </div>
          )}
        </div>
        {view.infoOpen && <CardInfoPanel cardId={currentCard} onClose={() => view.setInfoOpen(false)} />}
      </div>
      {editing !== null && (
        <NoteEditor
          noteId={editing}
          onClose={closeEditor}
          onSaved={() => {
            keepRows();
            void invalidateRows();
          }}
        />
      )}
      <BrowseDialogs
        open={dialog}
        selection={{
          cardIds: chosen.flatMap((row) => row.card_ids),
          noteIds: [...new Set(chosen.map((row) => row.note_id))],
          notetypeIds: [...new Set(chosen.map((row) => row.notetype_id))],
        }}
        search={search}
        onClose={closeDialog}
        onSearch={(text) => go({ q: text })}
        onDone={bulk.setNotice}
      />
    </section>
  );
}
