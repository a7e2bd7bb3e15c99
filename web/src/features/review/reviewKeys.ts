import type { MenuChoice } from "./ReviewMenu";

/** Anki's reviewer keys for actions on the card (answer keys are handled apart). */
export function reviewCommand(key: string, code: string, ctrl: boolean, shift: boolean, alt: boolean): MenuChoice | null {
  if (ctrl && !alt) {
    const digit = /^Digit([1-7])$/.exec(code);
    if (digit && !shift) return { kind: "flag", flag: Number(digit[1]) };
    if (shift && key.toLowerCase() === "d") return { kind: "ask-due" };
    if (key === "Delete") return { kind: "ask-delete" };
    return null;
  }
  if (ctrl && alt && key.toLowerCase() === "n") return { kind: "ask-forget" };
  if (ctrl || alt) return null;
  if (shift && key.toLowerCase() === "a") return { kind: "auto-advance" };
  const byKey: Record<string, MenuChoice> = {
    e: { kind: "edit" },
    i: { kind: "info" },
    r: { kind: "replay" },
    "*": { kind: "mark" },
    "-": { kind: "bury-card" },
    "=": { kind: "bury-note" },
    "@": { kind: "suspend-card" },
    "!": { kind: "suspend-note" },
    o: { kind: "options" },
  };
  return byKey[key.length === 1 ? key.toLowerCase() : key] ?? byKey[key] ?? null;
}
