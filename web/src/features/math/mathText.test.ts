import { describe, expect, it } from "vitest";
import { renderMath } from "./renderMath";
import { hasMath, splitMath } from "./mathText";

describe("math in card HTML", () => {
  it("finds inline and display formulas as Anki writes them", () => {
    expect(hasMath("plain [sound:a.mp3]")).toBe(false);
    expect(hasMath("\\(x\\)")).toBe(true);
    expect(splitMath("a \\(x^2\\) b \\[\\frac{1}{2}\\] c")).toEqual([
      "a ",
      { tex: "x^2", display: false },
      " b ",
      { tex: "\\frac{1}{2}", display: true },
      " c",
    ]);
  });

  it("reads the TeX as text: tags dropped, entities decoded", () => {
    expect(splitMath("\\(a &lt; b<br>+ <b>c</b>&nbsp;\\)")).toEqual([{ tex: "a < b + c", display: false }]);
  });

  it("typesets formulas to self-contained SVG and leaves the rest alone", async () => {
    const html = await renderMath("<b>Area</b> \\(\\pi r^2\\)");
    expect(html.startsWith("<b>Area</b> <mjx-container")).toBe(true);
    expect(html).toContain("<svg");
    expect(html).not.toContain("<use");
    expect(html).not.toContain("\\(");
    expect(await renderMath("no math")).toBe("no math");
  });
});
