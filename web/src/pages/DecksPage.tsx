import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { decks, type DeckNode, type DeckOptions } from "../api/client";
import { ErrorNotice, errorMessage } from "../components/ErrorNotice";

/** Ids of collapsed decks, as the collection stores them (Anki keeps this per deck too). */
function collapsedIn(tree: DeckNode[]): Set<number> {
  const ids = new Set<number>();
  const walk = (nodes: DeckNode[]) =>
    nodes.forEach((node) => {
      if (node.collapsed) ids.add(node.id);
      walk(node.children);
    });
  walk(tree);
  return ids;
}

export default function DecksPage() {
  const [tree, setTree] = useState<DeckNode[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set());
  const [optionsFor, setOptionsFor] = useState<DeckNode | null>(null);

  const reload = useCallback(async () => {
    try {
      const loaded = await decks.tree();
      setTree(loaded);
      setCollapsed(collapsedIn(loaded));
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }, []);

  useEffect(() => {
    // Loading the deck list on entry is exactly what this effect is for.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void reload();
  }, [reload]);

  const toggle = (id: number) => {
    const collapse = !collapsed.has(id);
    const next = new Set(collapsed);
    if (collapse) next.add(id);
    else next.delete(id);
    setCollapsed(next);
    decks.setCollapsed(id, collapse).catch((caught: unknown) => setError(errorMessage(caught)));
  };

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      await reload();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const create = (event: React.FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    void act(async () => {
      await decks.create(trimmed);
      setName("");
    });
  };

  const rename = (deck: DeckNode) => {
    const next = window.prompt("New name for the deck (use :: for a sub-deck)", deck.name);
    if (next && next.trim() && next.trim() !== deck.name) void act(() => decks.rename(deck.id, next.trim()));
  };

  const remove = (deck: DeckNode) => {
    if (window.confirm(`Delete “${deck.name}” and all its cards? This cannot be undone.`)) {
      void act(() => decks.remove(deck.id));
    }
  };

  return (
    <section className="page">
      <div className="page-head">
        <h1>Decks</h1>
        <form className="inline-form" onSubmit={create}>
          <input
            aria-label="New deck name"
            placeholder="New deck, e.g. Spanish::Verbs"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button className="button button--primary" type="submit">
            Create deck
          </button>
        </form>
      </div>
      <ErrorNotice message={error} onDismiss={() => setError(null)} />
      {tree === null ? (
        <div className="page-loading">Loading decks…</div>
      ) : tree.length === 0 ? (
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
          {tree.map((deck) => (
            <DeckRows
              key={deck.id}
              deck={deck}
              depth={0}
              collapsed={collapsed}
              onToggle={toggle}
              onRename={rename}
              onDelete={remove}
              onOptions={setOptionsFor}
            />
          ))}
        </div>
      )}
      {optionsFor && (
        <DeckOptionsDialog deck={optionsFor} onClose={() => setOptionsFor(null)} onSaved={() => void reload()} />
      )}
    </section>
  );
}

interface DeckRowsProps {
  deck: DeckNode;
  depth: number;
  collapsed: Set<number>;
  onToggle: (id: number) => void;
  onRename: (deck: DeckNode) => void;
  onDelete: (deck: DeckNode) => void;
  onOptions: (deck: DeckNode) => void;
}

function DeckRows({ deck, depth, collapsed, onToggle, onRename, onDelete, onOptions }: DeckRowsProps) {
  const isCollapsed = collapsed.has(deck.id);
  const hasChildren = deck.children.length > 0;
  return (
    <>
      <div className="deck-row" role="row" aria-level={depth + 1} data-deck={deck.name}>
        <span className="deck-name" style={{ paddingLeft: `${depth * 1.25}rem` }}>
          {hasChildren ? (
            <button
              type="button"
              className="twisty"
              aria-expanded={!isCollapsed}
              aria-label={`${isCollapsed ? "Expand" : "Collapse"} ${deck.basename}`}
              onClick={() => onToggle(deck.id)}
            >
              {isCollapsed ? "▸" : "▾"}
            </button>
          ) : (
            <span className="twisty twisty--leaf" />
          )}
          <Link to={`/review/${deck.id}`} className="deck-link">
            {deck.basename}
          </Link>
        </span>
        <span className={`count count--new${deck.newCount ? "" : " count--zero"}`}>{deck.newCount}</span>
        <span className={`count count--learn${deck.learnCount ? "" : " count--zero"}`}>{deck.learnCount}</span>
        <span className={`count count--review${deck.reviewCount ? "" : " count--zero"}`}>{deck.reviewCount}</span>
        <span className="deck-actions">
          <details className="menu">
            <summary aria-label={`Actions for ${deck.name}`}>⋯</summary>
            {/* Choosing an item closes the menu. */}
            <div className="menu-items" onClick={(e) => e.currentTarget.closest("details")?.removeAttribute("open")}>
              <button type="button" onClick={() => onRename(deck)}>Rename</button>
              <button type="button" onClick={() => onOptions(deck)}>Options</button>
              <Link to={`/transfer?deck=${deck.id}`}>Export</Link>
              <button type="button" className="danger" onClick={() => onDelete(deck)}>Delete</button>
            </div>
          </details>
        </span>
      </div>
      {!isCollapsed &&
        deck.children.map((child) => (
          <DeckRows
            key={child.id}
            deck={child}
            depth={depth + 1}
            collapsed={collapsed}
            onToggle={onToggle}
            onRename={onRename}
            onDelete={onDelete}
            onOptions={onOptions}
          />
        ))}
    </>
  );
}

function parseSteps(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => {
      const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(part);
      if (!match) return NaN;
      const value = Number(match[1]);
      return { s: value / 60, m: value, h: value * 60, d: value * 1440, "": value }[match[2] as "s" | "m" | "h" | "d" | ""];
    });
}

function stepsText(steps: number[]): string {
  return steps.map((m) => (m >= 1440 && m % 1440 === 0 ? `${m / 1440}d` : m >= 60 && m % 60 === 0 ? `${m / 60}h` : `${m}m`)).join(" ");
}

function DeckOptionsDialog({ deck, onClose, onSaved }: { deck: DeckNode; onClose: () => void; onSaved: () => void }) {
  const [options, setOptions] = useState<DeckOptions | null>(null);
  const [learning, setLearning] = useState("");
  const [relearning, setRelearning] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    decks
      .options(deck.id)
      .then((loaded) => {
        setOptions(loaded);
        setLearning(stepsText(loaded.learningSteps));
        setRelearning(stepsText(loaded.relearningSteps));
      })
      .catch((caught: unknown) => setError(errorMessage(caught)));
  }, [deck.id]);

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!options) return;
    const learningSteps = parseSteps(learning);
    const relearningSteps = parseSteps(relearning);
    if ([...learningSteps, ...relearningSteps].some((n) => !Number.isFinite(n) || n <= 0)) {
      setError("Steps are durations like 1m 10m 1h 1d, separated by spaces.");
      return;
    }
    try {
      await decks.saveOptions(deck.id, { ...options, learningSteps, relearningSteps });
      onSaved();
      onClose();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const set = (patch: Partial<DeckOptions>) => setOptions((o) => (o ? { ...o, ...patch } : o));

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={`Options for ${deck.name}`}
        onClick={(e) => e.stopPropagation()}
        onSubmit={save}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2>Options · {deck.basename}</h2>
        <ErrorNotice message={error} />
        {!options ? (
          <div className="page-loading">Loading…</div>
        ) : (
          <>
            <div className="grid-2">
              <label className="field">
                <span>New cards per day</span>
                <input type="number" min={0} value={options.newPerDay} onChange={(e) => set({ newPerDay: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>Maximum reviews per day</span>
                <input type="number" min={0} value={options.reviewsPerDay} onChange={(e) => set({ reviewsPerDay: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>Learning steps</span>
                <input value={learning} onChange={(e) => setLearning(e.target.value)} placeholder="1m 10m" />
              </label>
              <label className="field">
                <span>Relearning steps</span>
                <input value={relearning} onChange={(e) => setRelearning(e.target.value)} placeholder="10m" />
              </label>
            </div>
            <label className="check">
              <input type="checkbox" checked={options.fsrs} onChange={(e) => set({ fsrs: e.target.checked })} />
              <span>Use FSRS scheduling <span className="muted small">(for all decks)</span></span>
            </label>
            <label className="field">
              <span>Desired retention: {Math.round(options.desiredRetention * 100)}%</span>
              <input
                type="range"
                min={0.7}
                max={0.99}
                step={0.01}
                disabled={!options.fsrs}
                value={options.desiredRetention}
                onChange={(e) => set({ desiredRetention: Number(e.target.value) })}
              />
            </label>
          </>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!options}>
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
