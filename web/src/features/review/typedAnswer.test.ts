import { describe, expect, it } from "vitest";
import { compareTypedAnswer, describeComparison, type DiffKind, type TypedAnswerComparison } from "./typedAnswer";

type Verdict =
  | { outcome: "correct" | "blank"; shown: string }
  | { outcome: "different"; typed: [DiffKind, string][]; expected: [DiffKind, string][] };

/**
 * [expected, typed, combining, what Anki shows]: each verdict is the output of Anki 26.9's
 * `Collection.compare_answer` (the real `anki` package), read back from its HTML. The first
 * rows are the cases of Anki's own tests in rslib/src/typeanswer.rs.
 */
const ANKI_VERDICTS: [string, string, boolean, Verdict][] = [
  ["¿Y ahora qué vamos a hacer?", "y ahora qe vamosa hacer", true, {"outcome": "different", "typed": [["bad", "y"], ["good", " ahora q"], ["bad", "e"], ["good", " vamos"], ["missing", "-"], ["good", "a hacer"], ["missing", "-"]], "expected": [["missing", "¿Y"], ["good", " ahora q"], ["missing", "ué"], ["good", " vamos"], ["missing", " "], ["good", "a hacer"], ["missing", "?"]]}],
  ["1", "23", true, {"outcome": "different", "typed": [["bad", "23"]], "expected": [["missing", "1"]]}],
  ["12", "1", true, {"outcome": "different", "typed": [["good", "1"], ["missing", "-"]], "expected": [["good", "1"], ["missing", "2"]]}],
  ["нос", "нс", true, {"outcome": "different", "typed": [["good", "н"], ["missing", "-"], ["good", "с"]], "expected": [["good", "н"], ["missing", "о"], ["good", "с"]]}],
  ["쓰다듬다", "스다뜸다", true, {"outcome": "different", "typed": [["bad", "스"], ["good", "다"], ["bad", "뜸"], ["good", "다"]], "expected": [["missing", "쓰"], ["good", "다"], ["missing", "듬"], ["good", "다"]]}],
  ["Paris", "1Pari", true, {"outcome": "different", "typed": [["bad", "1"], ["good", "Pari"], ["missing", "-"]], "expected": [["good", "Pari"], ["missing", "s"]]}],
  ["Paris", "paris", true, {"outcome": "different", "typed": [["bad", "p"], ["good", "aris"]], "expected": [["missing", "P"], ["good", "aris"]]}],
  ["Paris", "Paris ", true, {"outcome": "different", "typed": [["good", "Paris"], ["bad", " "]], "expected": [["good", "Paris"]]}],
  ["Paris", " Paris", true, {"outcome": "different", "typed": [["bad", " "], ["good", "Paris"]], "expected": [["good", "Paris"]]}],
  ["café", "cafe\u0301", true, { outcome: "correct", shown: "café" }],
  ["source <dir>/bin/activate", "source <dir>/bin/activate", true, {"outcome": "correct", "shown": "source <dir>/bin/activate"}],
  ["123", "1123", true, {"outcome": "different", "typed": [["bad", "1"], ["good", "123"]], "expected": [["good", "123"]]}],
  ["חוֹף", "חופ", false, {"outcome": "different", "typed": [["good", "חו"], ["bad", "פ"]], "expected": [["good", "חוֹ"], ["missing", "ף"]]}],
  ["שִׁנּוּן", "שנון", false, {"outcome": "correct", "shown": "שִׁנּוּן"}],
  ["ば", "は", false, {"outcome": "correct", "shown": "ば"}],
  ["café", "cafe", false, {"outcome": "correct", "shown": "café"}],
  ["café", "cafx", false, {"outcome": "different", "typed": [["good", "caf"], ["bad", "x"]], "expected": [["good", "caf"], ["missing", "é"]]}],
  ["café", "cafe", true, {"outcome": "different", "typed": [["good", "caf"], ["bad", "e"]], "expected": [["good", "caf"], ["missing", "é"]]}],
  ["🙂 ok", "🙂 ko", true, {"outcome": "different", "typed": [["good", "🙂 "], ["missing", "-"], ["good", "k"], ["bad", "o"]], "expected": [["good", "🙂 "], ["missing", "o"], ["good", "k"]]}],
  ["The quick brown fox jumps over the lazy dog", "The quikc brown fax jumped over teh lazy dog", true, {"outcome": "different", "typed": [["good", "The qui"], ["missing", "-"], ["good", "k"], ["bad", "c"], ["good", " brown f"], ["bad", "a"], ["good", "x jump"], ["bad", "ed"], ["good", " over t"], ["missing", "-"], ["good", "e"], ["bad", "h"], ["good", " lazy dog"]], "expected": [["good", "The qui"], ["missing", "c"], ["good", "k"], ["good", " brown f"], ["missing", "o"], ["good", "x jump"], ["missing", "s"], ["good", " over t"], ["missing", "h"], ["good", "e"], ["good", " lazy dog"]]}],
  ["abcabcabc", "abcxabc", true, {"outcome": "different", "typed": [["good", "abc"], ["bad", "x"], ["good", "abc"], ["missing", "---"]], "expected": [["good", "abc"], ["good", "abc"], ["missing", "abc"]]}],
  ["Paris", "", true, {"outcome": "blank", "shown": "Paris"}],
];

function asVerdict(comparison: TypedAnswerComparison): Verdict {
  if (comparison.outcome !== "different") return { outcome: comparison.outcome, shown: comparison.expectedText };
  return {
    outcome: "different",
    typed: comparison.typed.map((t) => [t.kind, t.text]),
    expected: comparison.expected.map((t) => [t.kind, t.text]),
  };
}

describe("compareTypedAnswer", () => {
  it.each(ANKI_VERDICTS)("marks %j typed as %j as Anki does (combining: %s)", (expected, typed, combining, verdict) => {
    expect(asVerdict(compareTypedAnswer(expected, typed, combining))).toEqual(verdict);
  });

  it("is case-sensitive and keeps the typed text as typed", () => {
    const comparison = compareTypedAnswer("Paris", " paris ");
    expect(comparison.outcome).toBe("different");
    expect(comparison.typedText).toBe(" paris ");
  });

  it("compares in NFC, so a decomposed accent matches a precomposed one", () => {
    expect(compareTypedAnswer("e\u0301te\u0301", "\u00e9t\u00e9").outcome).toBe("correct");
    expect(compareTypedAnswer("\u00e9t\u00e9", "e\u0301te\u0301").outcome).toBe("correct");
  });

  it("counts characters, not UTF-16 units, for astral characters", () => {
    const comparison = compareTypedAnswer("𝒳𝒴", "𝒳");
    expect(asVerdict(comparison)).toEqual({
      outcome: "different",
      typed: [
        ["good", "𝒳"],
        ["missing", "-"],
      ],
      expected: [
        ["good", "𝒳"],
        ["missing", "𝒴"],
      ],
    });
  });

  it("ignores accents only when asked to (type:nc:)", () => {
    expect(compareTypedAnswer("Ångström", "Angstrom", false).outcome).toBe("correct");
    expect(compareTypedAnswer("Ångström", "Angstrom", true).outcome).toBe("different");
  });

  it("stays quick on a long answer", () => {
    const expected = "lorem ipsum dolor sit amet ".repeat(40);
    const typed = expected.replace(/o/g, "0");
    const started = performance.now();
    const comparison = compareTypedAnswer(expected, typed);
    expect(performance.now() - started).toBeLessThan(500);
    if (comparison.outcome !== "different") throw new Error("expected a difference");
    expect(comparison.typed.map((t) => t.text).join("").replace(/-/g, "")).toBe(typed);
    expect(comparison.expected.map((t) => t.text).join("")).toBe(expected);
  });
});

describe("describeComparison", () => {
  it("says in words what the colours show", () => {
    expect(describeComparison(compareTypedAnswer("Paris", "Paris"))).toBe("Correct: you typed “Paris”.");
    expect(describeComparison(compareTypedAnswer("Paris", ""))).toBe("You typed nothing. The answer is “Paris”.");
    expect(describeComparison(compareTypedAnswer("Paris", "1Pari"))).toBe(
      "Not quite: you typed “1Pari”. The answer is “Paris”. 1 wrong character and 1 missing character.",
    );
    expect(describeComparison(compareTypedAnswer("Paris", "Parisss"))).toBe(
      "Not quite: you typed “Parisss”. The answer is “Paris”. 2 wrong characters.",
    );
  });
});
