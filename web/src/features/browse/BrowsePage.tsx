import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useDeleteNotes } from "../notes/api";
import { NoteEditor } from "../notes/NoteEditor";
import { BrowseSidebar } from "./BrowseSidebar";
import {
  browseKeys,
  useBrowseColumns,
  useBrowseRows,
  useBuryCards,
  useFlagCards,
  useForgetCards,
  useMoveCards,
  useSuspendCards,
  useTagCards,
  useUndo,
  type BrowseMode,
  type BrowserRow,
} from "./api";

export const COLUMNS_STORAGE_KEY = "javumbo.browse.columns";
const DEFAULT_COLUMNS = ["sort_field", "card_type", "due", "deck"];
const FLAGS = ["No flag", "Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple"];

function storedColumns(): string[] {
  try {
    const stored = JSON.parse(window.localStorage.getItem(COLUMNS_STORAGE_KEY) ?? "null") as unknown;
    if (Array.isArray(stored) && stored.length && stored.every((c) => typeof c === "string")) return stored as string[];
  } catch {
    /* a broken stored value falls back on the default columns */
  }
  return DEFAULT_COLUMNS;
}

export default function BrowsePage() {
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const mode: BrowseMode = params.get("mode") === "notes" ? "notes" : "cards";
  const sort = params.get("sort") ?? "sort_field";
  const reverse = params.get("reverse") === "true";
  const [draft, setDraft] = useState(search);
  const [columns, setColumns] = useState<string[]>(storedColumns);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const queryClient = useQueryClient();
  const columnList = useBrowseColumns();
  const rowsQuery = useBrowseRows({ search, mode, columns: columns.join(","), sort, reverse, page });
  const suspendCards = useSuspendCards();
  const moveCards = useMoveCards();
  const flagCards = useFlagCards();
  const tagCards = useTagCards();
  const deleteNotes = useDeleteNotes();
  const buryCards = useBuryCards();
  const forgetCards = useForgetCards();
  const undo = useUndo();
  // An error belongs to the search it came from: a new search shows its own rows or its error.
  const result = rowsQuery.isError ? undefined : rowsQuery.data;
  const error = actionError ?? (rowsQuery.error ? errorMessage(rowsQuery.error) : null);
  const fail = (caught: unknown) => setActionError(errorMessage(caught));

  useEffect(() => window.localStorage.setItem(COLUMNS_STORAGE_KEY, JSON.stringify(columns)), [columns]);

  const go = (changes: Record<string, string>) => {
    setSelected(new Set());
    setActionError(null);
    setCursor(0);
    const next = { q: search, mode, sort, reverse: String(reverse), page: "1", ...changes };
    setParams(next);
  };
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    go({ q: draft });
  };

  const rows = result?.rows ?? [];
  const chosen = rows.filter((row) => selected.has(row.id));
  const cardIds = chosen.flatMap((row) => row.card_ids);
  const noteIds = [...new Set(chosen.map((row) => row.note_id))];
  const known = columnList.data?.columns ?? [];
  const label = (key: string) => {
    const column = known.find((c) => c.key === key);
    return column ? (mode === "notes" ? column.notes_label : column.label) : key;
  };
  const sortable = (key: string) => {
    const column = known.find((c) => c.key === key);
    return column ? (mode === "notes" ? column.sortable_notes : column.sortable_cards) : false;
  };

  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const act = <T,>(mutation: { mutate: (v: T, o: { onError: (e: unknown) => void }) => void }, value: T) => {
    setActionError(null);
    mutation.mutate(value, { onError: fail });
  };
  const remove = () => {
    if (!noteIds.length) return;
    if (!window.confirm(`Delete ${noteIds.length} ${noteIds.length === 1 ? "note" : "notes"} and all their cards?`)) return;
    setActionError(null);
    deleteNotes.mutate(noteIds, {
      onSuccess: () => setSelected(new Set()),
      onError: fail,
      onSettled: () => void queryClient.invalidateQueries({ queryKey: browseKeys.all }),
    });
  };
  const addTags = () => {
    const text = window.prompt("Tags to add (separated by spaces)");
    const add = (text ?? "").split(/\s+/).filter(Boolean);
    if (add.length) act(tagCards, { cardIds, add, remove: [] });
  };
  const removeTags = () => {
    const text = window.prompt("Tags to remove (separated by spaces)");
    const removed = (text ?? "").split(/\s+/).filter(Boolean);
    if (removed.length) act(tagCards, { cardIds, add: [], remove: removed });
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (!rows.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = Math.min(rows.length - 1, Math.max(0, cursor + (event.key === "ArrowDown" ? 1 : -1)));
      setCursor(next);
      setSelected(new Set([rows[next].id]));
    } else if (event.key === "Enter") {
      event.preventDefault();
      setEditing(rows[cursor]?.note_id ?? null);
    } else if (event.key === "Delete") {
      event.preventDefault();
      remove();
    }
  };

  const pages = result ? Math.max(1, Math.ceil(result.total / Math.max(1, result.page_size))) : 1;
  const noun = mode === "notes" ? "note" : "card";

  return (
    <section className="page">
      <div className="page-head">
        <h1>Browse</h1>
        <form className="inline-form inline-form--grow" onSubmit={submit} role="search">
          <input
            aria-label="Search"
            placeholder='Anki search, e.g. deck:Spanish tag:verbs is:due "front:*ar"'
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button className="button button--primary" type="submit">
            Search
          </button>
        </form>
      </div>
      <div className="toolbar">
        <div role="group" aria-label="Show">
          {(["cards", "notes"] as const).map((m) => (
            <button key={m} type="button" className="button button--small" aria-pressed={mode === m} onClick={() => go({ mode: m, sort: "sort_field", reverse: "false" })}>
              {m === "cards" ? "Cards" : "Notes"}
            </button>
          ))}
        </div>
        <details className="browse-columns">
          <summary>Columns</summary>
          {known.map((column) => (
            <label key={column.key} className="browse-columns__item">
              <input
                type="checkbox"
                checked={columns.includes(column.key)}
                onChange={(e) =>
                  setColumns((current) =>
                    e.target.checked ? [...current, column.key] : current.length > 1 ? current.filter((k) => k !== column.key) : current,
                  )
                }
              />
              {mode === "notes" ? column.notes_label : column.label}
            </label>
          ))}
        </details>
      </div>
      <ErrorNotice message={error} onDismiss={actionError ? () => setActionError(null) : undefined} />
      <div className="toolbar" aria-label="Selected rows">
        <span className="muted small">
          {result ? `${result.total} ${noun}${result.total === 1 ? "" : "s"}` : "…"}
          {chosen.length ? ` · ${chosen.length} selected` : ""}
        </span>
        <button type="button" className="button button--small" disabled={chosen.length !== 1} onClick={() => setEditing(chosen[0]?.note_id ?? null)}>
          Edit
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => act(suspendCards, { cardIds, suspended: true })}>
          Suspend
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => act(suspendCards, { cardIds, suspended: false })}>
          Unsuspend
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => act(buryCards, { cardIds })}>
          Bury
        </button>
        <button
          type="button"
          className="button button--small"
          disabled={!chosen.length}
          onClick={() => window.confirm(`Reset ${cardIds.length} cards to new?`) && act(forgetCards, { cardIds })}
        >
          Forget
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={addTags}>
          Add tags
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={removeTags}>
          Remove tags
        </button>
        <select
          className="select-small"
          aria-label="Flag selected cards"
          disabled={!chosen.length}
          value=""
          onChange={(e) => act(flagCards, { cardIds, flag: Number(e.target.value) })}
        >
          <option value="" disabled>
            Flag…
          </option>
          {FLAGS.map((name, flag) => (
            <option key={name} value={flag}>
              {name}
            </option>
          ))}
        </select>
        <DeckSelect
          className="select-small"
          label="Move selected cards to deck"
          disabled={!chosen.length}
          value={null}
          placeholder="Change deck…"
          onChange={(deckId) => act(moveCards, { cardIds, deckId })}
        />
        <button type="button" className="button button--small button--danger" disabled={!chosen.length} onClick={remove}>
          Delete
        </button>
        <button type="button" className="button button--small" onClick={() => act(undo, undefined)}>
          Undo
        </button>
      </div>
      <div className="browse-layout">
      <BrowseSidebar
        onSearch={(text) => {
          setDraft(text);
          go({ q: text });
        }}
      />
      <div className="table-wrap">
        <table className="table browse-table">
          <thead>
            <tr>
              <th className="col-check">
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={rows.length > 0 && chosen.length === rows.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                />
              </th>
              {columns.map((key) => (
                <th key={key} aria-sort={sort === key ? (reverse ? "descending" : "ascending") : undefined}>
                  {sortable(key) ? (
                    <button type="button" className="browse-sort" onClick={() => go({ sort: key, reverse: String(sort === key ? !reverse : false) })}>
                      {label(key)}
                      {sort === key ? (reverse ? " ▼" : " ▲") : ""}
                    </button>
                  ) : (
                    label(key)
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody ref={tableRef} tabIndex={0} onKeyDown={onKeyDown} aria-label="Rows">
            {rows.map((row: BrowserRow, index) => (
              <tr
                key={row.id}
                className={[
                  selected.has(row.id) ? "is-selected" : "",
                  index === cursor ? "is-cursor" : "",
                  row.colour ? `browse-row--${row.colour}` : "",
                ].join(" ")}
                data-colour={row.colour || undefined}
                onClick={() => setCursor(index)}
                onDoubleClick={() => setEditing(row.note_id)}
              >
                <td className="col-check">
                  <input type="checkbox" aria-label={`Select ${noun} ${row.id}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                </td>
                {columns.map((key) => (
                  <td key={key} className="cell-text">
                    {row.cells[key] ?? ""}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {result && rows.length === 0 && <div className="empty">No {noun}s match this search.</div>}
      </div>
      </div>
      {pages > 1 && (
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
      {editing !== null && <NoteEditor noteId={editing} onClose={() => setEditing(null)} />}
    </section>
  );
}
