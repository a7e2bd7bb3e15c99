import { describe, expect, it } from "vitest";
import { cardDocument, inlineMedia, mediaNames, soundTagsToPlayers } from "./cardDocument";

describe("card documents", () => {
  it("finds local media and ignores remote and inline sources", () => {
    const html = `<img src="cat.jpg"><img src="https://evil.example/x.png"><img src="data:image/png;base64,AA==">[sound:hello%20world.mp3]<img src="caf%C3%A9.png">`;
    expect(mediaNames(html).sort()).toEqual(["café.png", "cat.jpg", "hello world.mp3"]);
  });

  it("turns [sound:] tags into audio players", () => {
    expect(soundTagsToPlayers("Hi [sound:a.mp3]")).toBe('Hi <audio controls preload="auto" src="a.mp3"></audio>');
  });

  it("inlines media as data URLs and marks what is missing", async () => {
    const loaded: string[] = [];
    const html = await inlineMedia(`<p>cat</p><img src="cat.jpg"><img src="gone.png">`, async (name) => {
      loaded.push(name);
      return name === "cat.jpg" ? "data:image/jpeg;base64,/9j/" : null;
    });
    expect(loaded.sort()).toEqual(["cat.jpg", "gone.png"]);
    expect(html).toContain('src="data:image/jpeg;base64,/9j/"');
    expect(html).toContain('data-missing-media="gone.png"');
    // No src left for the frame's policy to block (a console error per missing file).
    expect(html).not.toContain('src="gone.png"');
    expect(html).toContain('alt="Missing: gone.png"');
  });

  it("wraps the card with a policy that forbids scripts and outside loads", () => {
    const doc = cardDocument("<b>Q</b><script>parent.steal()</script>", ".card { color: red }", true);
    expect(doc).toContain("Content-Security-Policy");
    expect(doc).toContain("default-src 'none'");
    expect(doc).not.toContain("script-src");
    expect(doc).toContain(".card { color: red }");
    expect(doc).toContain('<body class="card nightMode night_mode">');
  });

  it("dark theme overrides a template's plain colours but lets its own night-mode rules win", () => {
    const dark = cardDocument("x", ".card { background: white }", true);
    expect(dark.indexOf("body.card.nightMode")).toBeGreaterThan(-1);
    expect(dark.indexOf("body.card.nightMode")).toBeLessThan(dark.indexOf(".card { background: white }"));
    expect(cardDocument("x", "", false)).not.toContain("body.card.nightMode");
  });
});
