/**
 * The rich editor's HTML turned into the HTML Anki writes: no paragraphs (lines are `<br>`,
 * as Anki's editor makes them), `<b>`/`<i>` rather than `<strong>`/`<em>`, lists without the
 * paragraphs the editor keeps inside items, and none of the editor's own attributes.
 */

const RENAMED: Record<string, string> = { STRONG: "b", EM: "i" };
const EDITOR_ATTRIBUTES = ["class", "target", "rel", "contenteditable", "draggable", "data-name"];

function parse(html: string): HTMLElement {
  return new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, "text/html").body;
}

function rename(element: Element, tag: string): Element {
  const replacement = element.ownerDocument.createElement(tag);
  for (const attribute of [...element.attributes]) replacement.setAttribute(attribute.name, attribute.value);
  replacement.append(...element.childNodes);
  element.replaceWith(replacement);
  return replacement;
}

function clean(root: Element): void {
  for (const element of [...root.querySelectorAll("*")]) {
    let current = element;
    const renamed = RENAMED[current.tagName];
    if (renamed) current = rename(current, renamed);
    for (const name of EDITOR_ATTRIBUTES) current.removeAttribute(name);
    const stored = current.getAttribute("data-anki-src");
    if (stored !== null) {
      current.removeAttribute("data-anki-src");
      current.setAttribute("src", stored);
    }
    if (current.getAttribute("style") === "") current.removeAttribute("style");
    // A list item's lone paragraph is the editor's, not the learner's.
    if (current.tagName === "P" && current.parentElement?.tagName === "LI") {
      const item = current.parentElement;
      const paragraphs = [...item.children].filter((child) => child.tagName === "P");
      if (paragraphs.indexOf(current) > 0) current.before(current.ownerDocument.createElement("br"));
      current.replaceWith(...current.childNodes);
    }
  }
}

/** The HTML Anki would store for what the editor shows. */
export function editorToAnki(html: string): string {
  const body = parse(html);
  clean(body);
  const parts: string[] = [];
  let previousWasLine = false;
  for (const node of [...body.childNodes]) {
    if (node instanceof HTMLElement && node.tagName === "P") {
      if (previousWasLine) parts.push("<br>");
      parts.push(node.innerHTML);
      previousWasLine = true;
    } else {
      parts.push(node instanceof HTMLElement ? node.outerHTML : (node.textContent ?? ""));
      previousWasLine = false;
    }
  }
  const joined = parts.join("");
  return joined === "<br>" ? "" : joined;
}
