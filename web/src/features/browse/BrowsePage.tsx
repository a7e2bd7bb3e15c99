import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { deckLabel } from "../decks/deckTree";
import { useDeleteNotes } from "../notes/api";
import { NoteEditor } from "../notes/NoteEditor";
import { useCardPage, useMoveCards, useSuspendCards, type CardRow } from "./api";

function plainText(html: string): string {
  const text = new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
  return text.replace(/\s+/g, " ").trim();
}

/** Anki's card type: 0 new, 1 learning, 2 review, 3 relearning; `ivl` in days. */
function cardState(row: CardRow): string {
  if (row.type === 0) return "new";
  if (row.type === 1 || row.type === 3) return "learning";
  return row.ivl >= 365 ? `${(row.ivl / 365).toFixed(1)}y` : row.ivl >= 31 ? `${(row.ivl / 30).toFixed(1)}mo` : `${row.ivl}d`;
}

export default function BrowsePage() {
  const [params, setParams] = useSearchParams();
  const query = params.get("q") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const [draft, setDraft] = useState(query);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const cardPage = useCardPage({ q: query, page });
  const suspendCards = useSuspendCards();
  const moveCards = useMoveCards();
  const deleteNotes = useDeleteNotes();
  // An error belongs to the search it came from: a new search shows its own result or error.
  const result = cardPage.isError ? undefined : cardPage.data;
  const error = actionError ?? (cardPage.error ? errorMessage(cardPage.error) : null);
  const fail = (caught: unknown) => setActionError(errorMessage(caught));

  const search = (event: React.FormEvent) => {
    event.preventDefault();
    setSelected(new Set());
    setActionError(null);
    setParams({ q: draft, page: "1" });
  };

  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const rows = result?.cards ?? [];
  const chosen = rows.filter((row) => selected.has(row.card_id));
  const chosenIds = chosen.map((row) => row.card_id);

  const suspend = (suspended: boolean) => {
    setActionError(null);
    suspendCards.mutate({ cardIds: chosenIds, suspended }, { onError: fail });
  };
  const move = (deckId: number) => {
    setActionError(null);
    moveCards.mutate({ cardIds: chosenIds, deckId }, { onError: fail });
  };
  const remove = () => {
    const noteIds = [...new Set(chosen.map((r) => r.note_id))];
    if (!window.confirm(`Delete ${noteIds.length} ${noteIds.length === 1 ? "note" : "notes"} and all their cards?`)) return;
    setActionError(null);
    deleteNotes.mutate(noteIds, { onSuccess: () => setSelected(new Set()), onError: fail });
  };

  const pages = result ? Math.max(1, Math.ceil(result.total / Math.max(1, result.page_size))) : 1;

  return (
    <section className="page">
      <div className="page-head">
        <h1>Browse</h1>
        <form className="inline-form inline-form--grow" onSubmit={search} role="search">
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
      <ErrorNotice message={error} onDismiss={actionError ? () => setActionError(null) : undefined} />
      <div className="toolbar" aria-label="Selected cards">
        <span className="muted small">{result ? `${result.total} ${result.total === 1 ? "card" : "cards"}` : "…"}{chosen.length ? ` · ${chosen.length} selected` : ""}</span>
        <button type="button" className="button button--small" disabled={chosen.length !== 1} onClick={() => setEditing(chosen[0]?.note_id ?? null)}>
          Edit
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => void suspend(true)}>
          Suspend
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => void suspend(false)}>
          Unsuspend
        </button>
        <DeckSelect
          className="select-small"
          label="Move selected cards to deck"
          disabled={!chosen.length}
          value={null}
          placeholder="Move to…"
          onChange={move}
        />
        <button type="button" className="button button--small button--danger" disabled={!chosen.length} onClick={remove}>
          Delete
        </button>
      </div>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th className="col-check">
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={rows.length > 0 && chosen.length === rows.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.card_id)) : new Set())}
                />
              </th>
              <th>Sort field</th>
              <th className="hide-narrow">Note type</th>
              <th>Deck</th>
              <th className="hide-narrow">Interval</th>
              <th className="hide-narrow">Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row: CardRow) => (
              <tr
                key={row.card_id}
                className={`${selected.has(row.card_id) ? "is-selected" : ""} ${row.suspended ? "is-suspended" : ""}`}
                onDoubleClick={() => setEditing(row.note_id)}
              >
                <td className="col-check">
                  <input type="checkbox" aria-label={`Select card ${row.card_id}`} checked={selected.has(row.card_id)} onChange={() => toggle(row.card_id)} />
                </td>
                <td className="cell-text">{plainText(row.sort_field)}</td>
                <td className="hide-narrow cell-deck">{row.notetype}</td>
                <td className="cell-deck">{deckLabel(row.deck_name)}</td>
                <td className="hide-narrow">{row.suspended ? "suspended" : cardState(row)}</td>
                <td className="hide-narrow cell-deck">{row.tags.join(" ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {result && rows.length === 0 && <div className="empty">No cards match this search.</div>}
      </div>
      {pages > 1 && (
        <div className="pager">
          <button type="button" className="button button--small" disabled={page <= 1} onClick={() => setParams({ q: query, page: String(page - 1) })}>
            ‹ Previous
          </button>
          <span className="muted small">
            Page {page} of {pages}
          </span>
          <button type="button" className="button button--small" disabled={page >= pages} onClick={() => setParams({ q: query, page: String(page + 1) })}>
            Next ›
          </button>
        </div>
      )}
      {editing !== null && <NoteEditor noteId={editing} onClose={() => setEditing(null)} />}
    </section>
  );
}

