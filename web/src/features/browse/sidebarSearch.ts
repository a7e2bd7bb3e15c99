/** A sidebar click with a modifier combines the item's search with the current one, as Anki's
 * sidebar does: Ctrl (Cmd) adds it with AND, Shift with OR, Alt negates the item. */

interface Modifiers {
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function combinedSearch(current: string, item: string, mods: Modifiers): string {
  const term = mods.altKey ? `-${item}` : item;
  const base = current.trim();
  if (!base || !(mods.ctrlKey || mods.metaKey || mods.shiftKey)) return term;
  return mods.shiftKey ? `(${base}) OR ${term}` : `(${base}) ${term}`;
}
