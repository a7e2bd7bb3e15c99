/** The browser's keys, as Anki's browser has them, read from a key event of the table. */

export type KeyAction =
  | { kind: "move"; by: number; extend: boolean }
  | { kind: "edge"; end: boolean; extend: boolean }
  | { kind: "open" }
  | { kind: "delete" }
  | { kind: "select-all" }
  | { kind: "card-info" }
  | { kind: "mark" }
  | { kind: "suspend" }
  | { kind: "flag"; flag: number }
  | { kind: "dialog"; dialog: "set-due" | "reposition" | "change-notetype" | "find-replace" | "add-tags" | "remove-tags" | "forget" }
  | { kind: "undo" }
  | { kind: "focus-search" };

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function keyAction(event: KeyLike): KeyAction | null {
  const ctrl = event.ctrlKey || event.metaKey;
  const { shiftKey: shift, altKey: alt } = event;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (!ctrl && !alt) {
    if (key === "ArrowDown" || key === "ArrowUp") return { kind: "move", by: key === "ArrowDown" ? 1 : -1, extend: shift };
    if (key === "PageDown" || key === "PageUp") return { kind: "move", by: key === "PageDown" ? 10 : -10, extend: shift };
    if (key === "Home" || key === "End") return { kind: "edge", end: key === "End", extend: shift };
    if (key === "Enter") return { kind: "open" };
    if (key === "Delete") return { kind: "delete" };
    return null;
  }
  if (!ctrl) return null;
  if (key === "Delete" || key === "Backspace") return { kind: "delete" };
  if (/^[1-7]$/.test(event.key) && !shift && !alt) return { kind: "flag", flag: Number(event.key) };
  if (alt && shift && key === "a") return { kind: "dialog", dialog: "remove-tags" };
  if (alt && key === "f") return { kind: "dialog", dialog: "find-replace" };
  if (alt && key === "n") return { kind: "dialog", dialog: "forget" };
  if (alt) return null;
  if (shift) {
    if (key === "i") return { kind: "card-info" };
    if (key === "d") return { kind: "dialog", dialog: "set-due" };
    if (key === "s") return { kind: "dialog", dialog: "reposition" };
    if (key === "m") return { kind: "dialog", dialog: "change-notetype" };
    if (key === "a") return { kind: "dialog", dialog: "add-tags" };
    return null;
  }
  if (key === "a") return { kind: "select-all" };
  if (key === "k") return { kind: "mark" };
  if (key === "j") return { kind: "suspend" };
  if (key === "z") return { kind: "undo" };
  if (key === "f") return { kind: "focus-search" };
  return null;
}
