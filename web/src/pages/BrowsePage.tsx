import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { cards, decks, notes, type CardPage, type CardRow, type DeckNode, type Note, type NoteType } from "../api/client";
import { ErrorNotice, errorMessage } from "../components/ErrorNotice";
import { flattenDecks } from "./deckList";

function plainText(html: string): string {
  const text = new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
  return text.replace(/\s+/g, " ").trim();
}

function cardState(row: CardRow): string {
  if (row.type === 0) return "new";
  if (row.type === 1 || row.type === 3) return "learning";
  return row.interval >= 365 ? `${(row.interval / 365).toFixed(1)}y` : row.interval >= 31 ? `${(row.interval / 30).toFixed(1)}mo` : `${row.interval}d`;
}

export default function BrowsePage() {
  const [params, setParams] = useSearchParams();
  const query = params.get("q") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const [draft, setDraft] = useState(query);
  const [result, setResult] = useState<CardPage | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [deckList, setDeckList] = useState<DeckNode[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setResult(await cards.search(query, page));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, [query, page]);

  useEffect(() => {
    // Fetching the page of results for the current query is this effect's purpose.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load]);

  useEffect(() => {
    decks
      .tree()
      .then((tree) => setDeckList(flattenDecks(tree)))
      .catch(() => undefined);
  }, []);

  const search = (event: React.FormEvent) => {
    event.preventDefault();
    setSelected(new Set());
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
  const chosen = rows.filter((row) => selected.has(row.cardId));

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await load();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const suspend = (value: boolean) => act(() => cards.suspend(chosen.map((r) => r.cardId), value));
  const move = (deckId: number) => act(() => cards.move(chosen.map((r) => r.cardId), deckId));
  const remove = () => {
    const noteIds = [...new Set(chosen.map((r) => r.noteId))];
    if (!window.confirm(`Delete ${noteIds.length} ${noteIds.length === 1 ? "note" : "notes"} and all their cards?`)) return;
    void act(async () => {
      for (const id of noteIds) await notes.remove(id);
      setSelected(new Set());
    });
  };

  const pages = result ? Math.max(1, Math.ceil(result.total / Math.max(1, result.pageSize))) : 1;

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
      <ErrorNotice message={error} onDismiss={() => setError(null)} />
      <div className="toolbar" aria-label="Selected cards">
        <span className="muted small">{result ? `${result.total} ${result.total === 1 ? "card" : "cards"}` : "…"}{chosen.length ? ` · ${chosen.length} selected` : ""}</span>
        <button type="button" className="button button--small" disabled={chosen.length !== 1} onClick={() => setEditing(chosen[0]?.noteId ?? null)}>
          Edit
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => void suspend(true)}>
          Suspend
        </button>
        <button type="button" className="button button--small" disabled={!chosen.length} onClick={() => void suspend(false)}>
          Unsuspend
        </button>
        <select
          className="select-small"
          aria-label="Move selected cards to deck"
          disabled={!chosen.length}
          value=""
          onChange={(e) => e.target.value && void move(Number(e.target.value))}
        >
          <option value="">Move to…</option>
          {deckList.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name.replace(/::/g, " › ")}
            </option>
          ))}
        </select>
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
                  onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.cardId)) : new Set())}
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
                key={row.cardId}
                className={`${selected.has(row.cardId) ? "is-selected" : ""} ${row.suspended ? "is-suspended" : ""}`}
                onDoubleClick={() => setEditing(row.noteId)}
              >
                <td className="col-check">
                  <input type="checkbox" aria-label={`Select card ${row.cardId}`} checked={selected.has(row.cardId)} onChange={() => toggle(row.cardId)} />
                </td>
                <td className="cell-text">{plainText(row.question)}</td>
                <td className="hide-narrow cell-deck">{row.notetype}</td>
                <td className="cell-deck">{row.deckName.replace(/::/g, " › ")}</td>
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
      {editing !== null && <NoteEditor noteId={editing} onClose={() => setEditing(null)} onSaved={() => void load()} />}
    </section>
  );
}

function NoteEditor({ noteId, onClose, onSaved }: { noteId: number; onClose: () => void; onSaved: () => void }) {
  const [note, setNote] = useState<Note | null>(null);
  const [type, setType] = useState<NoteType | null>(null);
  const [tags, setTags] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([notes.get(noteId), notes.types()])
      .then(([loaded, types]) => {
        setNote(loaded);
        setTags(loaded.tags.join(" "));
        setType(types.find((t) => t.id === loaded.notetype_id) ?? null);
      })
      .catch((caught: unknown) => setError(errorMessage(caught)));
  }, [noteId]);

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!note) return;
    try {
      await notes.update(note.id, note.fields, tags.split(/\s+/).filter(Boolean));
      onSaved();
      onClose();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form className="dialog" role="dialog" aria-modal="true" aria-label="Edit note" onClick={(e) => e.stopPropagation()} onSubmit={save} onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h2>Edit note{type ? ` · ${type.name}` : ""}</h2>
        <ErrorNotice message={error} />
        {note?.fields.map((value, index) => (
          <label className="field" key={index}>
            <span>{type?.fields[index] ?? `Field ${index + 1}`}</span>
            <textarea
              rows={2}
              value={value}
              onChange={(e) => setNote({ ...note, fields: note.fields.map((v, i) => (i === index ? e.target.value : v)) })}
            />
          </label>
        ))}
        {note && (
          <label className="field">
            <span>Tags</span>
            <input value={tags} onChange={(e) => setTags(e.target.value)} />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!note}>
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
