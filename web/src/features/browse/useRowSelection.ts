/** The selected rows and the current one, as Anki's table keeps them: a click selects one row,
 * Ctrl+click toggles one, Shift+click (or Shift+arrow) selects the range from the anchor. */
import { useState } from "react";
import type { BrowserRow } from "./api";

export function useRowSelection(rows: BrowserRow[]) {
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [anchor, setAnchor] = useState(0);

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
  const selectAll = (all: boolean) => setSelected(all ? new Set(rows.map((r) => r.id)) : new Set());
  const reset = () => {
    setSelected(new Set());
    setCursor(0);
    setAnchor(0);
  };
  return { selected, cursor, choose, selectAll, reset, clear: () => setSelected(new Set()) };
}
