/**
 * Marking a typed answer the way Anki's desktop does (`rslib/src/typeanswer.rs`): a character
 * diff of what was typed against the expected text, both in Unicode NFC, case-sensitive, and
 * with the typed text kept exactly as typed (a stray space is a wrong character; the expected
 * text comes from the server already stripped of HTML and trimmed, and is not stripped again).
 *
 * The diff is Python difflib's SequenceMatcher (Ratcliff/Obershelp), which Anki uses through a
 * Rust port: the longest common run first, then the same on each side of it. Anki's port also
 * has a "popular element" heuristic for expected texts of 200 characters or more; it is left
 * out here, so very long answers may be split a little differently than in Anki.
 */

export type DiffKind = "good" | "bad" | "missing";

export interface DiffToken {
  kind: DiffKind;
  text: string;
}

export type TypedAnswerComparison =
  /** Nothing was typed: the expected answer is shown as it is. */
  | { outcome: "blank"; typedText: string; expectedText: string }
  | { outcome: "correct"; typedText: string; expectedText: string }
  /** `typed` marks each typed run good or bad (and a dash per missing character); `expected`
   * marks each expected run good or missing. */
  | { outcome: "different"; typedText: string; expectedText: string; typed: DiffToken[]; expected: DiffToken[] };

interface Block {
  a: number;
  b: number;
  size: number;
}

type Opcode = ["equal" | "delete" | "insert" | "replace", number, number, number, number];

const MARK = /^\p{M}$/u;

function indexOf(b: string[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  b.forEach((item, j) => {
    const list = positions.get(item);
    if (list) list.push(j);
    else positions.set(item, [j]);
  });
  return positions;
}

function longestMatch(a: string[], b2j: Map<string, number[]>, alo: number, ahi: number, blo: number, bhi: number): Block {
  let best: Block = { a: alo, b: blo, size: 0 };
  let runs = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of b2j.get(a[i]) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const size = (runs.get(j - 1) ?? 0) + 1;
      next.set(j, size);
      if (size > best.size) best = { a: i - size + 1, b: j - size + 1, size };
    }
    runs = next;
  }
  return best;
}

function matchingBlocks(a: string[], b: string[]): Block[] {
  const b2j = indexOf(b);
  const found: Block[] = [];
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const match = longestMatch(a, b2j, alo, ahi, blo, bhi);
    if (!match.size) continue;
    found.push(match);
    if (alo < match.a && blo < match.b) queue.push([alo, match.a, blo, match.b]);
    if (match.a + match.size < ahi && match.b + match.size < bhi) {
      queue.push([match.a + match.size, ahi, match.b + match.size, bhi]);
    }
  }
  found.sort((x, y) => x.a - y.a || x.b - y.b || x.size - y.size);
  const merged: Block[] = [];
  for (const block of found) {
    const last = merged[merged.length - 1];
    if (last && last.a + last.size === block.a && last.b + last.size === block.b) last.size += block.size;
    else merged.push({ ...block });
  }
  merged.push({ a: a.length, b: b.length, size: 0 });
  return merged;
}

function opcodes(a: string[], b: string[]): Opcode[] {
  const codes: Opcode[] = [];
  let i = 0;
  let j = 0;
  for (const block of matchingBlocks(a, b)) {
    if (i < block.a && j < block.b) codes.push(["replace", i, block.a, j, block.b]);
    else if (i < block.a) codes.push(["delete", i, block.a, j, block.b]);
    else if (j < block.b) codes.push(["insert", i, block.a, j, block.b]);
    i = block.a + block.size;
    j = block.b + block.size;
    if (block.size) codes.push(["equal", block.a, i, block.b, j]);
  }
  return codes;
}

function tokens(typed: string[], expected: string[]): { typed: DiffToken[]; expected: DiffToken[] } {
  const out = { typed: [] as DiffToken[], expected: [] as DiffToken[] };
  for (const [tag, i1, i2, j1, j2] of opcodes(typed, expected)) {
    const typedRun = typed.slice(i1, i2).join("");
    const expectedRun = expected.slice(j1, j2).join("");
    if (tag === "equal") {
      out.typed.push({ kind: "good", text: typedRun });
      out.expected.push({ kind: "good", text: expectedRun });
    } else if (tag === "delete") {
      out.typed.push({ kind: "bad", text: typedRun });
    } else if (tag === "insert") {
      out.typed.push({ kind: "missing", text: "-".repeat(j2 - j1) });
      out.expected.push({ kind: "missing", text: expectedRun });
    } else {
      out.typed.push({ kind: "bad", text: typedRun });
      out.expected.push({ kind: "missing", text: expectedRun });
    }
  }
  return out;
}

function sameChars(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((char, i) => char === b[i]);
}

/**
 * Compares what the learner typed with the expected text. `combining: false` is Anki's
 * `{{type:nc:…}}`: accents and other combining marks are ignored, and the expected line still
 * shows them.
 */
export function compareTypedAnswer(expected: string, typed: string, combining = true): TypedAnswerComparison {
  if (typed === "") return { outcome: "blank", typedText: typed, expectedText: expected };
  if (combining) {
    const typedChars = [...typed.normalize("NFC")];
    const expectedChars = [...expected.normalize("NFC")];
    const expectedText = expectedChars.join("");
    if (sameChars(typedChars, expectedChars)) return { outcome: "correct", typedText: typed, expectedText };
    return { outcome: "different", typedText: typed, expectedText, ...tokens(typedChars, expectedChars) };
  }
  const typedChars = [...typed.normalize("NFKD")].filter((char) => !MARK.test(char));
  // Each base character of the expected text with the marks that follow it.
  const clusters: string[] = [];
  for (const char of expected.normalize("NFKD")) {
    if (!MARK.test(char)) clusters.push(char);
    else if (clusters.length) clusters[clusters.length - 1] += char;
  }
  const bases = clusters.map((cluster) => [...cluster][0]);
  if (sameChars(typedChars, bases)) return { outcome: "correct", typedText: typed, expectedText: expected };
  const marked = tokens(typedChars, bases);
  let at = 0;
  const withMarks = marked.expected.map((token) => {
    const count = [...token.text].length;
    const text = clusters.slice(at, at + count).join("");
    at += count;
    return { kind: token.kind, text };
  });
  return { outcome: "different", typedText: typed, expectedText: expected, typed: marked.typed, expected: withMarks };
}

function length(tokens: DiffToken[], kind: DiffKind): number {
  return tokens.filter((t) => t.kind === kind).reduce((sum, t) => sum + [...t.text].length, 0);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The comparison in words, for screen readers (the marked-up diff means little read aloud). */
export function describeComparison(comparison: TypedAnswerComparison): string {
  const answer = `The answer is “${comparison.expectedText}”.`;
  if (comparison.outcome === "blank") return `You typed nothing. ${answer}`;
  if (comparison.outcome === "correct") return `Correct: you typed “${comparison.typedText}”.`;
  const wrong = length(comparison.typed, "bad");
  const missing = length(comparison.expected, "missing");
  const counts = [wrong ? `${plural(wrong, "wrong character")}` : "", missing ? `${plural(missing, "missing character")}` : ""]
    .filter(Boolean)
    .join(" and ");
  return `Not quite: you typed “${comparison.typedText}”. ${answer}${counts ? ` ${counts[0].toUpperCase()}${counts.slice(1)}.` : ""}`;
}
