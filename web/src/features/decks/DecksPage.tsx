import { useState } from "react";
import { Link } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { FilteredMenuItems } from "../filtered/FilteredMenuItems";
import { deckKeys, useCreateDeck, useDeckList, useDeleteDeck, useUpdateDeck, type DeckList, type DeckNode } from "./api";

/** The tree with one deck's `collapsed` flag changed (shown at once, saved in the background). */
function withCollapsed(tree: DeckNode[], id: number, collapsed: boolean): DeckNode[] {
  return tree.map((deck) => ({
    ...deck,
    collapsed: deck.id === id ? collapsed : deck.collapsed,
    children: withCollapsed(deck.children, id, collapsed),
  }));
}

export default function DecksPage() {
  const tree = useDeckList();
  const create = useCreateDeck();
  const update = useUpdateDeck();
  const remove = useDeleteDeck();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const fail = (caught: unknown) => setError(errorMessage(caught));

  const toggle = (deck: DeckNode) => {
    const collapsed = !deck.collapsed;
    queryClient.setQueryData<DeckList>(deckKeys.tree(), (old) => old && { ...old, decks: withCollapsed(old.decks, deck.id, collapsed) });
    update.mutate({ id: deck.id, collapsed }, { onError: fail });
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setError(null);
    create.mutate(trimmed, { onSuccess: () => setName(""), onError: fail });
  };

  const rename = (deck: DeckNode) => {
    const next = window.prompt("New name for the deck (use :: for a sub-deck)", deck.name)?.trim();
    if (next && next !== deck.name) update.mutate({ id: deck.id, name: next }, { onError: fail });
  };

  const del = (deck: DeckNode) => {
    if (window.confirm(`Delete “${deck.name}” and all its cards? This cannot be undone.`)) {
      remove.mutate(deck.id, { onError: fail });
    }
  };

  // Anki leaves the Default deck out of the list while it is empty and other decks exist.
  const decks = tree.data && (tree.data.hide_default ? tree.data.decks.filter((d) => d.id !== 1) : tree.data.decks);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Decks</h1>
        <form className="inline-form" onSubmit={submit}>
          <input
            aria-label="New deck name"
            placeholder="New deck, e.g. Spanish::Verbs"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button className="button button--primary" type="submit" disabled={create.isPending}>
            Create deck
          </button>
        </form>
      </div>
      <ErrorNotice message={error ?? (tree.error ? errorMessage(tree.error) : null)} onDismiss={() => setError(null)} />
      {decks === undefined ? (
        !tree.error && <div className="page-loading">Loading decks…</div>
      ) : decks.length === 0 ? (
        <div className="empty">No decks yet. Create one above, or import an Anki package.</div>
      ) : (
        <div className="deck-table" role="treegrid" aria-label="Decks">
          <div className="deck-row deck-row--head" role="row">
            <span role="columnheader">Deck</span>
            <span role="columnheader" className="count count--new" title="New">New</span>
            <span role="columnheader" className="count count--learn" title="Learning">Learn</span>
            <span role="columnheader" className="count count--review" title="To review">Due</span>
            <span role="columnheader" className="deck-actions-head" aria-label="Actions" />
          </div>
          {decks.map((deck) => (
            <DeckRows key={deck.id} deck={deck} depth={0} onToggle={toggle} onRename={rename} onDelete={del} />
          ))}
        </div>
      )}
    </section>
  );
}

interface DeckRowsProps {
  deck: DeckNode;
  depth: number;
  onToggle: (deck: DeckNode) => void;
  onRename: (deck: DeckNode) => void;
  onDelete: (deck: DeckNode) => void;
}

function DeckRows({ deck, depth, onToggle, onRename, onDelete }: DeckRowsProps) {
  const hasChildren = deck.children.length > 0;
  return (
    <>
      <div className="deck-row" role="row" aria-level={depth + 1} data-deck={deck.name}>
        <span className="deck-name" style={{ paddingLeft: `${depth * 1.25}rem` }}>
          {hasChildren ? (
            <button
              type="button"
              className="twisty"
              aria-expanded={!deck.collapsed}
              aria-label={`${deck.collapsed ? "Expand" : "Collapse"} ${deck.basename}`}
              onClick={() => onToggle(deck)}
            >
              {deck.collapsed ? "▸" : "▾"}
            </button>
          ) : (
            <span className="twisty twisty--leaf" />
          )}
          <Link to={`/review/${deck.id}`} className="deck-link">
            {deck.basename}
          </Link>
        </span>
        <span className={`count count--new${deck.new ? "" : " count--zero"}`}>{deck.new}</span>
        <span className={`count count--learn${deck.learning ? "" : " count--zero"}`}>{deck.learning}</span>
        <span className={`count count--review${deck.review ? "" : " count--zero"}`}>{deck.review}</span>
        <span className="deck-actions">
          <details className="menu">
            <summary aria-label={`Actions for ${deck.name}`}>⋯</summary>
            {/* Choosing an item closes the menu. */}
            <div className="menu-items" onClick={(e) => e.currentTarget.closest("details")?.removeAttribute("open")}>
              <button type="button" onClick={() => onRename(deck)}>Rename</button>
              {!deck.dyn && <Link to={`/decks/${deck.id}/options`}>Options</Link>}
              <FilteredMenuItems deck={deck} />
              <Link to={`/transfer?deck=${deck.id}`}>Export</Link>
              <button type="button" className="danger" onClick={() => onDelete(deck)}>Delete</button>
            </div>
          </details>
        </span>
      </div>
      {!deck.collapsed &&
        deck.children.map((child) => (
          <DeckRows key={child.id} deck={child} depth={depth + 1} onToggle={onToggle} onRename={onRename} onDelete={onDelete} />
        ))}
    </>
  );
}
