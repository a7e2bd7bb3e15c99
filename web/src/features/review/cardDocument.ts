/**
 * Turns a card's rendered HTML into a self-contained document for a sandboxed iframe.
 *
 * The iframe has `sandbox=""` (no scripts, opaque origin), so the card's scripts cannot run and
 * nothing in it can reach the app or its token. It also cannot send our Bearer header, so media
 * the card references (`<img src>`, `<audio src>`, `[sound:…]`) are fetched by the app and
 * inlined as `data:` URLs, and a Content-Security-Policy forbids every other load.
 */
import { MATH_CSS } from "../math/renderMath";

export type MediaLoader = (name: string) => Promise<string | null>;

const CSP =
  "default-src 'none'; img-src data:; media-src data:; font-src data:; style-src 'unsafe-inline'";
const MEDIA_SELECTOR = "img[src], audio[src], video[src], source[src], input[type=image][src]";
const SOUND_TAG = /\[sound:([^\]]+)\]/g;

function isLocalName(src: string): boolean {
  return !/^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(src.trim());
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** Anki's `[sound:x.mp3]` becomes an audio player the learner can press. */
export function soundTagsToPlayers(html: string): string {
  return html.replace(
    SOUND_TAG,
    (_all, name: string) => `<audio controls preload="auto" src="${escapeAttribute(name)}"></audio>`,
  );
}

function parseBody(html: string): HTMLElement {
  return new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, "text/html").body;
}

/** The media file names a card's HTML references (decoded, deduplicated). */
export function mediaNames(html: string): string[] {
  const body = parseBody(soundTagsToPlayers(html));
  const names = new Set<string>();
  body.querySelectorAll(MEDIA_SELECTOR).forEach((element) => {
    const src = element.getAttribute("src") ?? "";
    if (src && isLocalName(src)) names.add(safeDecode(src));
  });
  return [...names];
}

function safeDecode(src: string): string {
  try {
    return decodeURIComponent(src);
  } catch {
    return src;
  }
}

/** The card's HTML with local media replaced by data URLs (missing files are left as they are). */
export async function inlineMedia(html: string, load: MediaLoader): Promise<string> {
  const body = parseBody(soundTagsToPlayers(html));
  const elements = [...body.querySelectorAll(MEDIA_SELECTOR)];
  await Promise.all(
    elements.map(async (element) => {
      const src = element.getAttribute("src") ?? "";
      if (!src || !isLocalName(src)) return;
      const url = await load(safeDecode(src));
      if (url) element.setAttribute("src", url);
      else {
        // Anki's quiet placeholder: no request the frame's policy would block (and log).
        element.removeAttribute("src");
        element.setAttribute("data-missing-media", src);
        if (element.tagName === "IMG") element.setAttribute("alt", `Missing: ${safeDecode(src)}`);
      }
    }),
  );
  return body.innerHTML;
}

/** The `srcdoc` for the card iframe: CSP, the note type's CSS, Anki's body classes, the HTML. */
export function cardDocument(html: string, css: string, dark: boolean): string {
  const bodyClass = dark ? "card nightMode night_mode" : "card";
  const base = `
    html { color-scheme: ${dark ? "dark" : "light"}; }
    body { margin: 0; padding: 20px 16px; font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
      font-size: 20px; line-height: 1.45; overflow-wrap: anywhere;
      color: ${dark ? "#e8eaf0" : "#1b1f2a"}; background: transparent; }
    img { max-width: 100%; height: auto; }
    audio { max-width: 100%; margin: 6px 0; }
    [data-missing-media] { display: inline-block; padding: 2px 6px; font-size: 0.7em; opacity: 0.7;
      border: 1px dashed currentColor; border-radius: 4px; }${MATH_CSS}
    hr#answer { border: 0; border-top: 1px solid ${dark ? "#3a4152" : "#d9dde6"}; margin: 18px 0; }
    .cloze { font-weight: bold; color: ${dark ? "#7fb4ff" : "#1f5fd1"}; }
    /* The typed-answer comparison, coloured as in Anki; strike-through and underline say the
       same without colour. Card CSS comes later and may restyle these Anki class names. */
    code#typeans { font-family: inherit; font-size: inherit; white-space: pre-wrap; }
    .typeGood { background: #afa; color: #000; }
    .typeBad { background: #faa; color: #000; text-decoration: line-through; }
    .typeMissed { background: #ccc; color: #000; text-decoration: underline; }
    .javumbo-sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
      overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }${
      dark
        ? `
    /* Like Anki's night mode: beats a template's plain .card colours, loses to its own
       .nightMode rules (they come later, with at least this specificity). */
    body.card.nightMode { color: #e8eaf0; background-color: #1b1f29; }`
        : ""
    }`;
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<style>${base}</style><style>${css}</style></head>` +
    `<body class="${bodyClass}">${html}</body></html>`
  );
}
