/** The browser's table: chosen columns with sortable headers, one row per card or note coloured
 * by flag/mark/suspension, the current row and the selection, keys handled by the page. */
import { forwardRef } from "react";
import type { BrowserColumn, BrowseMode, BrowserRow } from "./api";

interface BrowseTableProps {
  rows: BrowserRow[];
  columns: string[];
  known: BrowserColumn[];
  mode: BrowseMode;
  sort: string;
  reverse: boolean;
  selected: Set<number>;
  cursor: number;
  onSort: (key: string) => void;
  onRowClick: (index: number, event: React.MouseEvent) => void;
  onToggle: (id: number) => void;
  onSelectAll: (all: boolean) => void;
  onOpen: (index: number) => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
}

export const BrowseTable = forwardRef<HTMLTableSectionElement, BrowseTableProps>(function BrowseTable(props, ref) {
  const { rows, columns, known, mode, sort, reverse, selected, cursor } = props;
  const noun = mode === "notes" ? "note" : "card";
  const column = (key: string) => known.find((c) => c.key === key);
  const label = (key: string) => {
    const c = column(key);
    return c ? (mode === "notes" ? c.notes_label : c.label) : key;
  };
  const sortable = (key: string) => {
    const c = column(key);
    return c ? (mode === "notes" ? c.sortable_notes : c.sortable_cards) : false;
  };
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  return (
    <table className="table browse-table">
      <thead>
        <tr>
          <th className="col-check">
            <input type="checkbox" aria-label="Select all" checked={allSelected} onChange={(e) => props.onSelectAll(e.target.checked)} />
          </th>
          {columns.map((key) => (
            <th key={key} aria-sort={sort === key ? (reverse ? "descending" : "ascending") : undefined}>
              {sortable(key) ? (
                <button type="button" className="browse-sort" onClick={() => props.onSort(key)}>
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
      <tbody ref={ref} tabIndex={0} onKeyDown={props.onKeyDown} aria-label="Rows">
        {rows.map((row, index) => (
          <tr
            key={row.id}
            className={[
              selected.has(row.id) ? "is-selected" : "",
              index === cursor ? "is-cursor" : "",
              row.colour ? `browse-row--${row.colour}` : "",
            ].join(" ")}
            aria-selected={selected.has(row.id)}
            aria-current={index === cursor ? "true" : undefined}
            data-colour={row.colour || undefined}
            onClick={(e) => props.onRowClick(index, e)}
            onDoubleClick={() => props.onOpen(index)}
          >
            <td className="col-check" onClick={(e) => e.stopPropagation()}>
              <input type="checkbox" aria-label={`Select ${noun} ${row.id}`} checked={selected.has(row.id)} onChange={() => props.onToggle(row.id)} />
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
  );
});
