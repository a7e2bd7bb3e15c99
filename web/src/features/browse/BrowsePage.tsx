/** Anki's browser: a search, the matching cards or notes in a sortable table, the sidebar, bulk
 * actions and dialogs on the selection, the note editor and card info of the current row. */
import { useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { NoteEditor } from "../notes/NoteEditor";
import { BrowseSidebar } from "./BrowseSidebar";
import { BrowseTable } from "./BrowseTable";
import { BulkActions, type BulkAction } from "./BulkActions";
import { CardInfoPanel } from "./CardInfoPanel";
import { SearchBar } from "./SearchBar";
import { ViewToolbar } from "./ViewToolbar";
import {
  useBrowseColumns,
  useBrowseRows,
  useBuryCards,
  useDeleteNotesOfCards,
  useFlagCards,
  useForgetCards,
  useMoveCards,
  useSuspendCards,
  useToggleMark,
  useUndo,
} from "./api";
import { BrowseDialogs, type DialogKind } from "./dialogs/BrowseDialogs";
import { keyAction } from "./keyboard";
import { useBrowseView } from "./useBrowseView";

export { COLUMNS_STORAGE_KEY } from "./useBrowseView";

export default function BrowsePage() {
  const view = useBrowseView();
  const { search, page, mode, sort, reverse, columns } = view;
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [anchor, setAnchor] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [dialog, setDialog] = useState<DialogKind | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const columnList = useBrowseColumns();
  const rowsQuery = useBrowseRows({ search, mode, columns: columns.join(","), sort, reverse, page });
  const mutations = {
    suspend: useSuspendCards(),
    move: useMoveCards(),
    flag: useFlagCards(),
    bury: useBuryCards(),
    forget: useForgetCards(),
    mark: useToggleMark(),
    remove: useDeleteNotesOfCards(),
    undo: useUndo(),
  };
  // An error belongs to the search it came from: a new search shows its own rows or its error.
  const result = rowsQuery.isError ? undefined : rowsQuery.data;
  const searchError = rowsQuery.error ? errorMessage(rowsQuery.error) : null;
  const rows = result?.rows ?? [];
  const chosen = rows.filter((row) => selected.has(row.id));
  const cardIds = chosen.flatMap((row) => row.card_ids);
  const noteIds = [...new Set(chosen.map((row) => row.note_id))];
  const notetypeIds = [...new Set(chosen.map((row) => row.notetype_id))];
  const current = rows[cursor];
  const currentCard = current ? (mode === "cards" ? current.id : (current.card_ids[0] ?? null)) : null;
  const noun = mode === "notes" ? "note" : "card";

  const go = (changes: Record<string, string>) => {
    setSelected(new Set());
    setActionError(null);
    setNotice(null);
    setCursor(0);
    setAnchor(0);
    view.navigate(changes);
  };
  const focusTable = () => window.requestAnimationFrame(() => tableRef.current?.focus());
  const closeEditor = () => {
    setEditing(null);
    focusTable();
  };
  const closeDialog = () => {
    setDialog(null);
    focusTable();
  };
  const run = <T,>(mutation: { mutate: (v: T, o: { onError: (e: unknown) => void; onSuccess?: () => void }) => void }, value: T, done?: string) => {
    setActionError(null);
    setNotice(null);
    mutation.mutate(value, { onError: (caught) => setActionError(errorMessage(caught)), onSuccess: () => done && setNotice(done) });
  };

  const act = (action: BulkAction) => {
    const needsRows = action.kind !== "undo" && !(action.kind === "dialog" && ["find-replace", "duplicates", "save-search"].includes(action.dialog));
    if (needsRows && !chosen.length) return;
    switch (action.kind) {
      case "edit":
        setEditing(chosen[0]?.note_id ?? null);
        return;
      case "suspend":
        return run(mutations.suspend, { cardIds, suspended: action.suspended });
      case "bury":
        return run(mutations.bury, { cardIds });
      case "forget":
        if (window.confirm(`Reset ${cardIds.length} ${cardIds.length === 1 ? "card" : "cards"} to new?`)) run(mutations.forget, { cardIds });
        return;
      case "mark":
        return run(mutations.mark, { cardIds });
      case "flag": {
        const flag = chosen.every((row) => row.flag === action.flag) ? 0 : action.flag;
        return run(mutations.flag, { cardIds, flag });
      }
      case "move":
        return run(mutations.move, { cardIds, deckId: action.deckId });
      case "delete": {
        const count = noteIds.length;
        if (!window.confirm(`Delete ${count} ${count === 1 ? "note" : "notes"} and all their cards?`)) return;
        setActionError(null);
        mutations.remove.mutate(
          { cardIds },
          { onSuccess: () => setSelected(new Set()), onError: (caught) => setActionError(errorMessage(caught)) },
        );
        return;
      }
      case "undo":
        setActionError(null);
        mutations.undo.mutate(undefined, {
          onSuccess: (done) => setNotice(`Undone: ${done.label}`),
          onError: (caught) => setActionError(errorMessage(caught)),
        });
        return;
      case "dialog":
        if (action.dialog === "change-notetype" && notetypeIds.length !== 1) {
          setActionError("Please select notes of only one note type.");
          return;
        }
        setDialog(action.dialog);
    }
  };

  const choose = (index: number, extend: boolean, toggle = false) => {
    const row = rows[index];
    if (!row) return;
    setCursor(index);
    if (toggle) {
      setAnchor(index);
      setSelected((old) => {
        const next = new Set(old);
        if (next.has(row.id)) next.delete(row.id);
        else next.add(row.id);
        return next;
      });
    } else if (extend) {
      const [from, to] = anchor <= index ? [anchor, index] : [index, anchor];
      setSelected(new Set(rows.slice(from, to + 1).map((r) => r.id)));
    } else {
      setAnchor(index);
      setSelected(new Set([row.id]));
    }
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
        return setSelected(new Set(rows.map((r) => r.id)));
      case "card-info":
        return view.setInfoOpen((open) => !open);
      case "suspend": {
        const suspended = !chosen.every((row) => row.queue === -1);
        return act({ kind: "suspend", suspended });
      }
      default:
        return act(action);
    }
  };

  const pages = result ? Math.max(1, Math.ceil(result.total / Math.max(1, result.page_size))) : 1;

  return (
    <section className="page browse-page">
      <div className="page-head">
        <h1>Browse</h1>
        <SearchBar key={search} search={search} onSearch={(text) => go({ q: text })} onSave={() => setDialog("save-search")} />
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
      <BulkActions count={result ? result.total : -1} selected={chosen.length} noun={noun} oneNotetype={notetypeIds.length === 1} onAction={act} />
      <ErrorNotice message={actionError} onDismiss={() => setActionError(null)} />
      {notice && (
        <p className="browse-notice" role="status">
          {notice}
        </p>
      )}
      <div className={`browse-layout${view.infoOpen ? " browse-layout--info" : ""}`}>
        <BrowseSidebar onSearch={(text) => go({ q: text })} onError={setActionError} />
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
                onSelectAll={(all) => setSelected(all ? new Set(rows.map((r) => r.id)) : new Set())}
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
      {editing !== null && <NoteEditor noteId={editing} onClose={closeEditor} />}
      <BrowseDialogs
        open={dialog}
        selection={{ cardIds, noteIds, notetypeIds }}
        search={search}
        onClose={closeDialog}
        onSearch={(text) => go({ q: text })}
        onDone={setNotice}
      />
    </section>
  );
}
