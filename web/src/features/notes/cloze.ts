function highestClozeNumber(fields: string[]): number {
  let highest = 0;
  for (const field of fields) {
    for (const match of field.matchAll(/\{\{c(\d+)::/g)) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** The number the next cloze deletion should get: one past the highest already in the note
 * (Anki's Ctrl+Shift+C). */
export function nextClozeNumber(fields: string[]): number {
  return highestClozeNumber(fields) + 1;
}

/** The number Ctrl+Alt+Shift+C reuses: the highest already in the note, 1 when there is none. */
export function sameClozeNumber(fields: string[]): number {
  return Math.max(1, highestClozeNumber(fields));
}

/** Wraps the selection [start, end) of `text` in a cloze deletion; returns text and new caret. */
export function wrapCloze(text: string, start: number, end: number, n: number): { text: string; caret: number } {
  const selected = text.slice(start, end);
  const opening = `{{c${n}::`;
  const wrapped = `${opening}${selected}}}`;
  return {
    text: text.slice(0, start) + wrapped + text.slice(end),
    caret: selected ? start + wrapped.length : start + opening.length,
  };
}
