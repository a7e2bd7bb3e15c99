/**
 * Where a card's HTML holds MathJax as Anki writes it: `\(…\)` inline and `\[…\]` display.
 * The TeX between the delimiters is field HTML, so tags are dropped (`<br>` is a space) and
 * entities decoded before it is typeset, as MathJax does reading the page's text.
 */

export interface MathPiece {
  tex: string;
  display: boolean;
}

export type Piece = string | MathPiece;

const MATH = /\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

const HAS_MATH = new RegExp(MATH.source);

export function hasMath(html: string): boolean {
  return HAS_MATH.test(html);
}

export function texOfHtml(html: string): string {
  const withSpaces = html.replace(/<br\s*\/?>/gi, " ").replace(/<[^>]*>/g, "");
  const textarea = new DOMParser().parseFromString(`<!doctype html><body>${withSpaces.replace(/</g, "&lt;")}`, "text/html");
  return (textarea.body.textContent ?? "").replace(/\u00a0/g, " ").trim();
}

/** The HTML cut into plain runs and formulas, in order. */
export function splitMath(html: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of html.matchAll(MATH)) {
    const start = match.index;
    if (start > last) pieces.push(html.slice(last, start));
    const inline = match[1];
    pieces.push({ tex: texOfHtml(inline ?? match[2] ?? ""), display: inline === undefined });
    last = start + match[0].length;
  }
  if (last < html.length) pieces.push(html.slice(last));
  return pieces;
}
