import { describe, expect, it } from "vitest";
import { cardDocument } from "./cardDocument";
import { compareTypedAnswer } from "./typedAnswer";
import { TYPED_ANSWER_MARKER, comparisonHtml, withTypedAnswer } from "./typedAnswerMarkup";

describe("the typed-answer comparison in the card", () => {
  it("marks typed runs with Anki's classes, then the expected answer under an arrow", () => {
    const html = comparisonHtml(compareTypedAnswer("Paris", "1Pari"));
    expect(html).toContain(
      '<code id="typeans" aria-hidden="true"><span class="typeBad">1</span><span class="typeGood">Pari</span>' +
        '<span class="typeMissed">-</span><br><span id="typearrow">&darr;</span><br>' +
        '<span class="typeGood">Pari</span><span class="typeMissed">s</span></code>',
    );
    expect(html).toContain('data-outcome="different"');
    expect(html).toContain('<span class="javumbo-sr-only">Not quite: you typed “1Pari”.');
  });

  it("shows a correct answer in one good run, and a blank one as plain text", () => {
    expect(comparisonHtml(compareTypedAnswer("Paris", "Paris"))).toContain(
      '<code id="typeans" aria-hidden="true"><span class="typeGood">Paris</span></code>',
    );
    expect(comparisonHtml(compareTypedAnswer("Paris", ""))).toContain('<code id="typeans" aria-hidden="true">Paris</code>');
  });

  it("never lets typed text become markup", () => {
    const typed = `<img src=x onerror="alert(1)">&amp;'`;
    const html = comparisonHtml(compareTypedAnswer("answer", typed));
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;&#39;");
    const parsed = new DOMParser().parseFromString(html, "text/html");
    expect(parsed.querySelectorAll("img")).toHaveLength(0);
    expect(parsed.querySelector(".javumbo-sr-only")?.textContent).toContain(typed);
  });

  it("gives a run that starts with an accent a no-break space to sit on, as Anki does", () => {
    const html = comparisonHtml(compareTypedAnswer("q\u0303x", "qy"));
    expect(html).toContain('<span class="typeMissed">\u00a0\u0303x</span>');
  });

  it("goes where the card's marker is, and the frame keeps its policy and Anki's colours", () => {
    const answer = `<p>Capital of France?</p><hr id=answer>${TYPED_ANSWER_MARKER}<p>after</p>`;
    const filled = withTypedAnswer(answer, comparisonHtml(compareTypedAnswer("Paris", "Pari")));
    expect(filled).not.toContain(TYPED_ANSWER_MARKER);
    expect(filled.indexOf('id="typeans"')).toBeGreaterThan(filled.indexOf("<hr id=answer>"));
    expect(filled.indexOf('id="typeans"')).toBeLessThan(filled.indexOf("<p>after</p>"));
    expect(withTypedAnswer("no marker", "<b>x</b>")).toBe("no marker");
    const doc = cardDocument(filled, ".typeGood { background: gold }", false);
    expect(doc).toContain("default-src 'none'");
    expect(doc).not.toContain("script-src");
    expect(doc).toMatch(/\.typeBad \{[^}]*line-through/);
    expect(doc).toMatch(/\.typeMissed \{[^}]*underline/);
    // The note type's CSS comes after ours, so a template styled for Anki wins.
    expect(doc.indexOf(".typeGood { background: gold }")).toBeGreaterThan(doc.indexOf(".typeGood { background: #afa"));
  });
});
