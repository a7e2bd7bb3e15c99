/**
 * One note field in a rich text editor (TipTap on ProseMirror) that stores Anki's HTML.
 *
 * What is saved is `editorToAnki` of the editor's HTML, so fields carry no editor markup. A field
 * whose stored HTML the editor cannot show faithfully (markup it does not know) opens in the HTML
 * view, and nothing is ever written back unless the learner edits: `onChange` only fires on
 * their edits. Shortcuts as in Anki: Ctrl+B/I/U, Ctrl+Shift+C cloze (next number),
 * Ctrl+Alt+Shift+C (same number), Ctrl+Shift+X the HTML view, F3 attach; Ctrl+Enter is left to
 * the form.
 */
import { EditorContent, Extension, useEditor, type Editor } from "@tiptap/react";
import Image from "@tiptap/extension-image";
import Subscript from "@tiptap/extension-subscript";
import Superscript from "@tiptap/extension-superscript";
import { Color, TextStyle } from "@tiptap/extension-text-style";
import { TextSelection } from "@tiptap/pm/state";
import StarterKit from "@tiptap/starter-kit";
import { useEffect, useMemo, useRef, useState } from "react";
import { createMediaLoader } from "../review/media";
import { editorToAnki } from "./ankiHtml";
import { wrapCloze } from "./cloze";
import { uploadMedia } from "./api";
import { AudioRecorder } from "./AudioRecorder";

const loadMedia = createMediaLoader();
const CLOZE_EVENT = "javumbo-cloze";
const HTML_VIEW_EVENT = "javumbo-html-view";
const ATTACH_EVENT = "javumbo-attach";

/** `<img src="name">` shown with the file fetched under the learner's token; stored as is. */
const AnkiImage = Image.extend({
  // The editor's own HTML names the file in `data-anki-src` (made `src` again by editorToAnki):
  // an <img src> made in the page, even detached, makes the browser fetch it from the app's path.
  renderHTML({ HTMLAttributes }) {
    const { src, ...rest } = HTMLAttributes as Record<string, unknown>;
    return ["img", { ...rest, "data-anki-src": src }];
  },
  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("img");
      const src = String(node.attrs.src ?? "");
      dom.alt = String(node.attrs.alt ?? "");
      dom.className = "rich-field__image";
      if (/^(?:data:|https?:)/i.test(src)) dom.src = src;
      else
        void loadMedia(src).then((url) => {
          if (url) dom.src = url;
          else dom.alt = `Missing: ${src}`;
        });
      return { dom };
    };
  },
}).configure({ inline: true });

/** Anki's shortcuts, told to the field component as events on the editor's element. */
const AnkiKeys = Extension.create({
  name: "ankiKeys",
  priority: 1000,
  addKeyboardShortcuts() {
    const tell = (name: string, detail?: unknown) => () => {
      this.editor.view.dom.dispatchEvent(new CustomEvent(name, { detail }));
      return true;
    };
    return {
      "Mod-Shift-c": tell(CLOZE_EVENT, false),
      "Mod-Alt-Shift-c": tell(CLOZE_EVENT, true),
      "Mod-Shift-x": tell(HTML_VIEW_EVENT),
      // Anki's F3: attach a picture or sound (the browser's own F3 is find-next).
      F3: tell(ATTACH_EVENT),
      // Ctrl+Enter adds the note (the form's shortcut): no line break in the field.
      "Mod-Enter": () => true,
    };
  },
});

/** The editor's extensions, made once: options that stay the same between renders keep TipTap
 * from re-applying them (and redrawing the editor) on every keystroke's render. */
const EXTENSIONS = [
  StarterKit.configure({
    heading: false,
    codeBlock: false,
    code: false,
    horizontalRule: false,
    blockquote: false,
    link: { openOnClick: false, autolink: false, HTMLAttributes: { target: null, rel: null, class: null } },
  }),
  Subscript,
  Superscript,
  TextStyle,
  Color,
  AnkiImage,
  AnkiKeys,
];

/** How many of the field's own edits may wait for the page to echo them back as `value`. */
const ECHO_LIMIT = 200;

const COLOURS = ["#000000", "#c62828", "#ef6c00", "#2e7d32", "#1565c0", "#6a1b9a"];

export interface RichFieldProps {
  label: string;
  value: string;
  onChange: (html: string) => void;
  /** Cloze number for Ctrl+Shift+C (`next`) and Ctrl+Alt+Shift+C (`same`). */
  clozeNumbers?: () => { next: number; same: number };
  /** A toolbar button for a cloze deletion (cloze note types: the shortcut needs a keyboard). */
  clozeButton?: boolean;
  onError?: (message: string) => void;
  autoFocus?: boolean;
}

const NOT_TYPED_IN = ["button", "submit", "reset", "checkbox", "radio", "file", "range", "color"];

/** Whether the learner is already typing somewhere else on the page (the tags, another field):
 * a field made a moment ago (after Add, a note type change) must not take the caret from there. */
function typingElsewhere(editor: Editor): boolean {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || active === document.body || editor.view.dom.contains(active)) return false;
  if (active instanceof HTMLTextAreaElement || active.isContentEditable) return true;
  return active instanceof HTMLInputElement && !NOT_TYPED_IN.includes(active.type);
}

function insertMediaInto(editor: Editor, stored: { name: string; kind: string }) {
  if (stored.kind === "image") editor.chain().focus().setImage({ src: stored.name }).run();
  else editor.chain().focus().insertContent(`[sound:${stored.name}]`).run();
}

/** The selection as the page shows it: a shortcut may come before the editor has read the
 * latest selection change. */
function shownSelection(editor: Editor): { from: number; to: number } {
  const dom = window.getSelection();
  const view = editor.view;
  if (dom && dom.anchorNode && dom.focusNode && view.dom.contains(dom.anchorNode) && view.dom.contains(dom.focusNode)) {
    try {
      const anchor = view.posAtDOM(dom.anchorNode, dom.anchorOffset);
      const focus = view.posAtDOM(dom.focusNode, dom.focusOffset);
      return { from: Math.min(anchor, focus), to: Math.max(anchor, focus) };
    } catch {
      // fall back to the editor's own selection
    }
  }
  return editor.state.selection;
}

/** Puts `opening` and `closing` around the selection (or the caret, which then sits between). */
function wrapInEditor(editor: Editor, opening: string, closing: string) {
  const { from, to } = shownSelection(editor);
  const chain = editor.chain().focus();
  if (from === to) {
    chain
      .insertContentAt(from, `${opening}${closing}`)
      .setTextSelection(from + opening.length)
      .run();
  } else {
    chain.insertContentAt(to, closing).insertContentAt(from, opening).run();
  }
}

function clozeInEditor(editor: Editor, n: number) {
  wrapInEditor(editor, `{{c${n}::`, "}}");
}

export function RichField({ label, value, onChange, clozeNumbers, clozeButton, onError, autoFocus }: RichFieldProps) {
  const [htmlView, setHtmlView] = useState(false);
  const [lossy, setLossy] = useState(false);
  const [busy, setBusy] = useState(false);
  const shown = useRef(value);
  const [initialValue] = useState(value);
  // The field's own edits, oldest first, until the page gives each back as `value`: a render of
  // the page can run late (an effect after a newer keystroke), and then brings an older edit.
  const echoes = useRef<string[]>([]);
  const editorRef = useRef<Editor | null>(null);
  const handlers = useRef({ onChange });
  useEffect(() => {
    handlers.current = { onChange };
  });
  const fileInput = useRef<HTMLInputElement | null>(null);
  const textArea = useRef<HTMLTextAreaElement | null>(null);

  const upload = async (files: File[], editor: Editor | null) => {
    setBusy(true);
    try {
      for (const file of files) {
        const stored = await uploadMedia(file, file.name || "pasted");
        if (editor && !htmlView) insertMediaInto(editor, stored);
        else {
          const tag = stored.kind === "image" ? `<img src="${stored.name}">` : `[sound:${stored.name}]`;
          const next = shown.current + tag;
          shown.current = next;
          handlers.current.onChange(next);
        }
      }
    } catch (error) {
      onError?.(error instanceof Error ? error.message : "The file could not be added.");
    } finally {
      setBusy(false);
    }
  };
  const uploadRef = useRef(upload);
  useEffect(() => {
    uploadRef.current = upload;
  });

  const editorProps = useMemo(
    () => ({
      attributes: { class: "rich-field__editor", "aria-label": label, role: "textbox", "aria-multiline": "true" },
      handlePaste: (_view: unknown, event: ClipboardEvent) => {
        const files = [...(event.clipboardData?.files ?? [])];
        if (files.length === 0) return false;
        void uploadRef.current(files, editorRef.current);
        return true;
      },
      handleDrop: (_view: unknown, event: Event) => {
        const files = [...((event as DragEvent).dataTransfer?.files ?? [])];
        if (files.length === 0) return false;
        event.preventDefault();
        void uploadRef.current(files, editorRef.current);
        return true;
      },
    }),
    [label],
  );

  const editor = useEditor({
    extensions: EXTENSIONS,
    content: initialValue,
    editorProps,
    onCreate: ({ editor: created }) => {
      if (autoFocus) {
        requestAnimationFrame(() => {
          if (created.isDestroyed || typingElsewhere(created)) return;
          const { state, view } = created;
          view.dispatch(state.tr.setSelection(TextSelection.atEnd(state.doc)));
          view.focus();
        });
      }
      const changes = value.trim() !== "" && editorToAnki(created.getHTML()) !== value;
      setLossy(changes);
      if (changes) setHtmlView(true);
    },
    onUpdate: ({ editor: updated }) => {
      const html = editorToAnki(updated.getHTML());
      shown.current = html;
      echoes.current.push(html);
      if (echoes.current.length > ECHO_LIMIT) echoes.current.shift();
      handlers.current.onChange(html);
    },
  });
  useEffect(() => {
    editorRef.current = editor;
  }, [editor]);

  // A value set from outside (cleared after adding, the HTML view) goes into the editor quietly;
  // the echo of one of the field's own edits does not (an older one would undo newer typing and
  // move the caret to the end).
  useEffect(() => {
    if (!editor) return;
    const echo = echoes.current.indexOf(value);
    if (echo >= 0) {
      echoes.current.splice(0, echo + 1);
      return;
    }
    if (value === shown.current) return;
    shown.current = value;
    editor.commands.setContent(value, { emitUpdate: false });
  }, [editor, value]);

  useEffect(() => {
    if (!editor) return;
    const dom = editor.view.dom;
    const cloze = (event: Event) => {
      const numbers = clozeNumbers?.();
      if (numbers) clozeInEditor(editor, (event as CustomEvent<boolean>).detail ? numbers.same : numbers.next);
    };
    const toggle = () => setHtmlView((v) => !v);
    const attach = () => fileInput.current?.click();
    dom.addEventListener(CLOZE_EVENT, cloze);
    dom.addEventListener(HTML_VIEW_EVENT, toggle);
    dom.addEventListener(ATTACH_EVENT, attach);
    return () => {
      dom.removeEventListener(CLOZE_EVENT, cloze);
      dom.removeEventListener(HTML_VIEW_EVENT, toggle);
      dom.removeEventListener(ATTACH_EVENT, attach);
    };
  }, [editor, clozeNumbers]);

  useEffect(() => {
    if (!htmlView && editor && editorToAnki(editor.getHTML()) !== shown.current) {
      editor.commands.setContent(shown.current, { emitUpdate: false });
    }
    if (htmlView) textArea.current?.focus();
  }, [htmlView, editor]);

  const active = (name: string) => (editor?.isActive(name) ? " rich-field__tool--on" : "");
  const run = (action: (e: Editor) => void) => () => {
    if (editor && !htmlView) action(editor);
  };

  return (
    <div className="rich-field">
      <div className="rich-field__toolbar" role="toolbar" aria-label={`${label} formatting`}>
        <button type="button" className={`rich-field__tool${active("bold")}`} title="Bold (Ctrl+B)" aria-label="Bold" onClick={run((e) => e.chain().focus().toggleBold().run())}>
          <b>B</b>
        </button>
        <button type="button" className={`rich-field__tool${active("italic")}`} title="Italic (Ctrl+I)" aria-label="Italic" onClick={run((e) => e.chain().focus().toggleItalic().run())}>
          <i>I</i>
        </button>
        <button type="button" className={`rich-field__tool${active("underline")}`} title="Underline (Ctrl+U)" aria-label="Underline" onClick={run((e) => e.chain().focus().toggleUnderline().run())}>
          <u>U</u>
        </button>
        <button type="button" className={`rich-field__tool${active("subscript")}`} title="Subscript (Ctrl+,)" aria-label="Subscript" onClick={run((e) => e.chain().focus().toggleSubscript().run())}>
          x<sub>2</sub>
        </button>
        <button type="button" className={`rich-field__tool${active("superscript")}`} title="Superscript (Ctrl+.)" aria-label="Superscript" onClick={run((e) => e.chain().focus().toggleSuperscript().run())}>
          x<sup>2</sup>
        </button>
        <select
          className="rich-field__colour"
          aria-label="Text colour"
          value=""
          onChange={(event) => {
            const colour = event.target.value;
            run((e) => (colour === "none" ? e.chain().focus().unsetColor().run() : e.chain().focus().setColor(colour).run()))();
          }}
        >
          <option value="" disabled>
            Colour
          </option>
          <option value="none">No colour</option>
          {COLOURS.map((colour) => (
            <option key={colour} value={colour} style={{ color: colour }}>
              {colour}
            </option>
          ))}
        </select>
        <button type="button" className={`rich-field__tool${active("bulletList")}`} title="Bulleted list" aria-label="Bulleted list" onClick={run((e) => e.chain().focus().toggleBulletList().run())}>
          •
        </button>
        <button type="button" className={`rich-field__tool${active("orderedList")}`} title="Numbered list" aria-label="Numbered list" onClick={run((e) => e.chain().focus().toggleOrderedList().run())}>
          1.
        </button>
        <button
          type="button"
          className={`rich-field__tool${active("link")}`}
          title="Link"
          aria-label="Link"
          onClick={run((e) => {
            if (e.isActive("link")) {
              e.chain().focus().unsetLink().run();
              return;
            }
            const href = window.prompt("Link address");
            if (href) e.chain().focus().setLink({ href }).run();
          })}
        >
          Link
        </button>
        <button type="button" className="rich-field__tool" title="Clear formatting" aria-label="Clear formatting" onClick={run((e) => e.chain().focus().unsetAllMarks().clearNodes().run())}>
          Clear
        </button>
        {clozeButton && clozeNumbers && (
          <button
            type="button"
            className="rich-field__tool"
            title="Cloze deletion (Ctrl+Shift+C)"
            aria-label="Cloze deletion"
            // The field keeps its focus and selection: the selected text is what gets hidden.
            onMouseDown={(event) => event.preventDefault()}
            onClick={run((e) => clozeInEditor(e, clozeNumbers().next))}
          >
            [...]
          </button>
        )}
        <button
          type="button"
          className="rich-field__tool"
          title={"MathJax formula, inline: \\(…\\)"}
          aria-label="Formula"
          onMouseDown={(event) => event.preventDefault()}
          onClick={run((e) => wrapInEditor(e, "\\(", "\\)"))}
        >
          ∑
        </button>
        <button type="button" className="rich-field__tool" title="Attach a picture or sound (F3)" aria-label="Attach picture or sound" disabled={busy} onClick={() => fileInput.current?.click()}>
          Attach
        </button>
        <AudioRecorder
          disabled={busy}
          onRecorded={(blob, name) => void upload([new File([blob], name, { type: blob.type })], editor)}
          onError={onError}
        />
        <button
          type="button"
          className={`rich-field__tool${htmlView ? " rich-field__tool--on" : ""}`}
          title="HTML view (Ctrl+Shift+X)"
          aria-label="HTML view"
          aria-pressed={htmlView}
          onClick={() => setHtmlView((v) => !v)}
        >
          {"</>"}
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          multiple
          accept="image/*,audio/*,video/*"
          aria-label={`${label} file`}
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = "";
            if (files.length > 0) void upload(files, editor);
          }}
        />
      </div>
      {htmlView ? (
        <textarea
          ref={textArea}
          className="rich-field__html"
          aria-label={`${label} HTML`}
          rows={4}
          value={value}
          onChange={(event) => {
            shown.current = event.target.value;
            onChange(event.target.value);
          }}
          onKeyDown={(event) => {
            const key = event.key.toLowerCase();
            if ((event.ctrlKey || event.metaKey) && event.shiftKey && key === "x") {
              event.preventDefault();
              setHtmlView(false);
            } else if ((event.ctrlKey || event.metaKey) && event.shiftKey && key === "c" && clozeNumbers) {
              event.preventDefault();
              const area = event.currentTarget;
              const numbers = clozeNumbers();
              const result = wrapCloze(area.value, area.selectionStart, area.selectionEnd, event.altKey ? numbers.same : numbers.next);
              shown.current = result.text;
              onChange(result.text);
              requestAnimationFrame(() => area.setSelectionRange(result.caret, result.caret));
            }
          }}
        />
      ) : (
        <EditorContent editor={editor} className="rich-field__content" />
      )}
      {lossy && htmlView && (
        <p className="muted small">This field has formatting the rich editor would change, so it opens as HTML.</p>
      )}
    </div>
  );
}
