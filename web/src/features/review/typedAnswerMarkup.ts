/**
 * The typed-answer comparison as HTML for the card frame, put where the card's template had
 * `{{type:…}}` (the server leaves an empty marker element there). It uses Anki's ids and class
 * names (`#typeans`, `.typeGood`, `.typeBad`, `.typeMissed`, `#typearrow`) so that card CSS
 * written for Anki styles it too. Everything the learner typed is escaped: it is text, never
 * markup, even inside the sandboxed frame.
 */
import { describeComparison, type DiffKind, type DiffToken, type TypedAnswerComparison } from "./typedAnswer";

export const TYPED_ANSWER_MARKER = '<span class="javumbo-typeans"></span>';

const ANKI_CLASS: Record<DiffKind, string> = { good: "typeGood", bad: "typeBad", missing: "typeMissed" };
const LEADING_MARK = /^\p{M}/u;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A run starting with an accent gets a no-break space to sit on, as in Anki, rather than
 * joining the letter of the run before it. */
function tokenHtml(token: DiffToken): string {
  const text = LEADING_MARK.test(token.text) ? `\u00a0${token.text}` : token.text;
  return `<span class="${ANKI_CLASS[token.kind]}">${escapeHtml(text)}</span>`;
}

function visibleComparison(comparison: TypedAnswerComparison): string {
  if (comparison.outcome === "blank") return escapeHtml(comparison.expectedText);
  if (comparison.outcome === "correct") return tokenHtml({ kind: "good", text: comparison.expectedText });
  return (
    comparison.typed.map(tokenHtml).join("") +
    '<br><span id="typearrow">&darr;</span><br>' +
    comparison.expected.map(tokenHtml).join("")
  );
}

/** The comparison: Anki's marked-up lines for the eye, one sentence for screen readers. */
export function comparisonHtml(comparison: TypedAnswerComparison): string {
  return (
    `<div class="javumbo-typeans-result" data-outcome="${comparison.outcome}">` +
    `<code id="typeans" aria-hidden="true">${visibleComparison(comparison)}</code>` +
    `<span class="javumbo-sr-only">${escapeHtml(describeComparison(comparison))}</span>` +
    `</div>`
  );
}

/** The card's HTML with its typed-answer marker(s) replaced by `markup`. */
export function withTypedAnswer(html: string, markup: string): string {
  return html.split(TYPED_ANSWER_MARKER).join(markup);
}
