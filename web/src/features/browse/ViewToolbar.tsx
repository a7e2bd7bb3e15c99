/** How the table looks: cards or notes, which columns, and the card info panel. */
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
          {known.map((column) => (
            <label key={column.key} className="browse-columns__item">
              <input type="checkbox" checked={columns.includes(column.key)} onChange={(e) => toggleColumn(column.key, e.target.checked)} />
              {mode === "notes" ? column.notes_label : column.label}
            </label>
          ))}
        </div>
      </details>
      <button type="button" className="button button--small" aria-pressed={infoOpen} onClick={onInfo} title="Ctrl+Shift+I">
        Card info
      </button>
    </div>
  );
}
