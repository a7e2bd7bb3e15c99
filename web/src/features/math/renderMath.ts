/**
 * Card HTML with `\(…\)` and `\[…\]` typeset as SVG markup, for the sandboxed card frame
 * (review, preview, browser). Call it on the card's HTML before it goes into the frame;
 * `MATH_CSS` goes into the frame's styles.
 */
import { hasMath, splitMath } from "./mathText";

type Typeset = (tex: string, display: boolean) => string;

let loading: Promise<Typeset> | null = null;

function typesetter(): Promise<Typeset> {
  loading ??= import("./mathjaxSvg").then((module) => module.texToSvg);
  return loading;
}

export const MATH_CSS = `
    mjx-container { display: inline-block; line-height: 0; }
    mjx-container[display="true"] { display: block; text-align: center; margin: 0.6em 0; }
    mjx-container svg { overflow: visible; }`;

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The HTML with every formula replaced by its SVG (unchanged when there is none). */
export async function renderMath(html: string): Promise<string> {
  if (!hasMath(html)) return html;
  const typeset = await typesetter();
  return splitMath(html)
    .map((piece) => {
      if (typeof piece === "string") return piece;
      try {
        return typeset(piece.tex, piece.display);
      } catch {
        return `<span class="math-error">${escapeText(piece.tex)}</span>`;
      }
    })
    .join("");
}
