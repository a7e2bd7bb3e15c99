import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Editor } from "@tiptap/react";
import { describe, expect, it } from "vitest";
import { RichField } from "./RichField";

function editorOf(label: string): Editor {
  return (screen.getByRole("textbox", { name: label }) as HTMLElement & { editor: Editor }).editor;
}

describe("RichField", () => {
  it("keeps newer typing when the page echoes an older edit late, and takes a value set from outside", () => {
    const changes: string[] = [];
    const onChange = (html: string) => changes.push(html);
    const view = render(<RichField label="Front" value="" onChange={onChange} />);
    const editor = editorOf("Front");
    act(() => {
      editor.commands.insertContent("{{c1::}}");
      editor.commands.insertContent("n");
    });
    expect(changes).toEqual(["{{c1::}}", "{{c1::}}n"]);

    // The page's render for the first edit runs after the second keystroke.
    view.rerender(<RichField label="Front" value="{{c1::}}" onChange={onChange} />);
    expect(editor.getHTML()).toBe("<p>{{c1::}}n</p>");
    view.rerender(<RichField label="Front" value="{{c1::}}n" onChange={onChange} />);
    expect(editor.getHTML()).toBe("<p>{{c1::}}n</p>");

    // A value the page sets itself (the HTML view, a reset) goes in.
    view.rerender(<RichField label="Front" value="<b>new</b>" onChange={onChange} />);
    expect(editor.getHTML()).toBe("<p><strong>new</strong></p>");
    view.rerender(<RichField label="Front" value="" onChange={onChange} />);
    expect(editor.getHTML()).toBe("<p></p>");
    expect(changes).toHaveLength(2); // values from outside are not reported back as edits
  });

  it("takes the caret when it appears, but not from the tags the learner is already typing in", async () => {
    const noop = () => undefined;
    const first = render(<RichField label="Front" value="hello" onChange={noop} autoFocus />);
    await waitFor(() => expect(editorOf("Front").view.hasFocus()).toBe(true));
    first.unmount();

    const tags = document.createElement("input");
    tags.setAttribute("aria-label", "Tags");
    document.body.appendChild(tags);
    render(<RichField label="Back" value="" onChange={noop} autoFocus />);
    tags.focus();
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    await waitFor(() => expect(editorOf("Back").isInitialized).toBe(true));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(document.activeElement).toBe(tags);
    tags.remove();
  });

  it("hides the selected text in a cloze with the toolbar button (no keyboard shortcut on a phone)", () => {
    const changes: string[] = [];
    const numbers = () => ({ next: 2, same: 1 });
    render(<RichField label="Text" value="Paris is in France" onChange={(html) => changes.push(html)} clozeNumbers={numbers} clozeButton />);
    const editor = editorOf("Text");
    act(() => {
      editor.commands.focus();
      editor.commands.setTextSelection({ from: 13, to: 19 });
    });
    fireEvent.click(screen.getByRole("button", { name: "Cloze deletion" }));
    expect(changes.at(-1)).toBe("Paris is in {{c2::France}}");
  });

  it("has no cloze button outside cloze note types", () => {
    render(<RichField label="Front" value="" onChange={() => undefined} clozeNumbers={() => ({ next: 1, same: 1 })} />);
    expect(screen.queryByRole("button", { name: "Cloze deletion" })).toBeNull();
  });

  it("puts a formula's MathJax delimiters around the selection", () => {
    const changes: string[] = [];
    render(<RichField label="Back" value="E=mc^2 is famous" onChange={(html) => changes.push(html)} />);
    const editor = editorOf("Back");
    act(() => {
      editor.commands.focus();
      editor.commands.setTextSelection({ from: 1, to: 7 });
    });
    fireEvent.click(screen.getByRole("button", { name: "Formula" }));
    expect(changes.at(-1)).toBe("\\(E=mc^2\\) is famous");
  });
});
