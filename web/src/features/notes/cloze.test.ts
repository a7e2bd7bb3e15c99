import { describe, expect, it } from "vitest";
import { nextClozeNumber, wrapCloze } from "./cloze";

describe("cloze helper", () => {
  it("numbers the next deletion after the highest in any field", () => {
    expect(nextClozeNumber(["plain", ""])).toBe(1);
    expect(nextClozeNumber(["{{c1::a}} {{c3::b}}", "{{c2::c}}"])).toBe(4);
  });

  it("wraps the selection, or inserts an empty deletion at the caret", () => {
    expect(wrapCloze("Paris is in France", 0, 5, 1)).toEqual({ text: "{{c1::Paris}} is in France", caret: 13 });
    expect(wrapCloze("ab", 1, 1, 2)).toEqual({ text: "a{{c2::}}b", caret: 7 });
  });
});
