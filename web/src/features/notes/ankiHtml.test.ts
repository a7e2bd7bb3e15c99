import { describe, expect, it } from "vitest";
import { editorToAnki } from "./ankiHtml";
import { completeTag, tagSuggestions } from "./tagCompletion";
import { nextClozeNumber, sameClozeNumber } from "./cloze";

describe("editor HTML as Anki stores it", () => {
  it("drops the editor's paragraphs: one line is bare, lines are joined with <br>", () => {
    expect(editorToAnki("<p>hello</p>")).toBe("hello");
    expect(editorToAnki("<p>one</p><p>two</p>")).toBe("one<br>two");
    expect(editorToAnki("<p>a<br>b</p>")).toBe("a<br>b");
    expect(editorToAnki("<p></p>")).toBe("");
  });

  it("writes Anki's tags and none of the editor's attributes", () => {
    expect(editorToAnki("<p><strong>bold</strong> <em>it</em> <u>u</u> x<sub>2</sub> y<sup>3</sup></p>")).toBe(
      "<b>bold</b> <i>it</i> <u>u</u> x<sub>2</sub> y<sup>3</sup>",
    );
    expect(editorToAnki('<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://x.org">x</a></p>')).toBe(
      '<a href="https://x.org">x</a>',
    );
    expect(editorToAnki('<p><span style="color: #c62828">red</span></p>')).toBe('<span style="color: #c62828">red</span>');
  });

  it("keeps lists without paragraphs in their items, media and cloze text as typed", () => {
    expect(editorToAnki("<p>Fruit:</p><ul><li><p>apple</p></li><li><p>pear</p></li></ul>")).toBe(
      "Fruit:<ul><li>apple</li><li>pear</li></ul>",
    );
    expect(editorToAnki('<p>{{c1::Paris}} <img src="map.png"> [sound:a b.mp3]</p>')).toBe(
      '{{c1::Paris}} <img src="map.png"> [sound:a b.mp3]',
    );
    expect(editorToAnki('<p>see <img data-anki-src="a b.png" alt=""></p>')).toBe('see <img alt="" src="a b.png">');
    expect(editorToAnki("<p>a &amp; b &lt; c&nbsp;d</p>")).toBe("a &amp; b &lt; c&nbsp;d");
  });
});

describe("cloze numbers", () => {
  it("next is one past the highest, same reuses the highest (1 when none)", () => {
    expect(nextClozeNumber(["{{c2::a}}", "{{c1::b}}"])).toBe(3);
    expect(sameClozeNumber(["{{c2::a}}", "{{c1::b}}"])).toBe(2);
    expect(sameClozeNumber(["plain"])).toBe(1);
  });
});

describe("tag completion", () => {
  const known = ["adjectives", "Spanish::Chapter_1", "spanish::Chapter_2", "verbs"];
  it("completes the last word from tags or their :: levels, without repeating a tag", () => {
    expect(tagSuggestions("verbs spa", known)).toEqual(["Spanish::Chapter_1", "spanish::Chapter_2"]);
    expect(tagSuggestions("chap", known)).toEqual(["Spanish::Chapter_1", "spanish::Chapter_2"]);
    expect(tagSuggestions("verbs ", known)).toEqual([]);
    expect(tagSuggestions("verbs v", known)).toEqual([]);
    expect(completeTag("verbs spa", "Spanish::Chapter_1")).toBe("verbs Spanish::Chapter_1 ");
  });
});
