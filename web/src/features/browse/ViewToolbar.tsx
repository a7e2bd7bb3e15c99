/** How the table looks: cards or notes, which columns in which order, and the card info panel. */
import type { BrowserColumn, BrowseMode } from "./api";

interface ViewToolbarProps {
  mode: BrowseMode;
  onMode: (mode: BrowseMode) => void;
  known: BrowserColumn[];
  columns: string[];
  onColumns: (columns: string[]) => void;
  infoOpen: boolean;
  onInfo: () => void;
}

export function ViewToolbar({ mode, onMode, known, columns, onColumns, infoOpen, onInfo }: ViewToolbarProps) {
  const toggleColumn = (key: string, on: boolean) =>
    onColumns(on ? [...columns, key] : columns.length > 1 ? columns.filter((k) => k !== key) : columns);
  const moveColumn = (key: string, by: -1 | 1) => {
    const from = columns.indexOf(key);
    const to = from + by;
    if (from < 0 || to < 0 || to >= columns.length) return;
    const next = [...columns];
    [next[from], next[to]] = [next[to]!, next[from]!];
    onColumns(next);
  };
  const name = (column: BrowserColumn) => (mode === "notes" ? column.notes_label : column.label);
  // Shown columns first in their order (which the arrows change), then the others.
  const ordered = [
    ...columns.flatMap((key) => known.filter((c) => c.key === key)),
    ...known.filter((c) => !columns.includes(c.key)),
  ];
  return (
    <div className="toolbar browse-view">
      <div role="group" aria-label="Show">
        {(["cards", "notes"] as const).map((m) => (
          <button key={m} type="button" className="button button--small" aria-pressed={mode === m} onClick={() => onMode(m)}>
            {m === "cards" ? "Cards" : "Notes"}
          </button>
        ))}
      </div>
      <details className="browse-columns">
        <summary>Columns</summary>
        <div className="browse-columns__list">
          {ordered.map((column) => {
            const at = columns.indexOf(column.key);
            return (
              <div key={column.key} className="browse-columns__row">
                <label className="browse-columns__item">
                  <input type="checkbox" checked={at >= 0} onChange={(e) => toggleColumn(column.key, e.target.checked)} />
                  {name(column)}
                </label>
                {at >= 0 && (
                  <span className="browse-columns__move">
                    <button type="button" aria-label={`Move ${name(column)} left`} disabled={at === 0} onClick={() => moveColumn(column.key, -1)}>
                      ←
                    </button>
                    <button
                      type="button"
                      aria-label={`Move ${name(column)} right`}
                      disabled={at === columns.length - 1}
                      onClick={() => moveColumn(column.key, 1)}
                    >
                      →
                    </button>
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </details>
      <button type="button" className="button button--small" aria-pressed={infoOpen} onClick={onInfo} title="Ctrl+Shift+I">
        Card info
      </button>
    </div>
  );
}
