import { useEffect, useRef, useState } from "react";
import { decks, notes, type DeckNode, type NoteType } from "../api/client";
import { ErrorNotice, errorMessage } from "../components/ErrorNotice";
import { nextClozeNumber, wrapCloze } from "./cloze";
import { flattenDecks } from "./deckList";

const LAST_CHOICE = "javumbo.add.last";

export default function AddPage() {
  const [types, setTypes] = useState<NoteType[]>([]);
  const [deckList, setDeckList] = useState<DeckNode[]>([]);
  const [typeId, setTypeId] = useState<number | null>(null);
  const [deckId, setDeckId] = useState<number | null>(null);
  const [fields, setFields] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<number>(0);
  const [busy, setBusy] = useState(false);
  const fieldRefs = useRef<(HTMLTextAreaElement | null)[]>([]);
  const lastFocused = useRef(0);

  useEffect(() => {
    Promise.all([notes.types(), decks.tree()])
      .then(([loadedTypes, tree]) => {
        const flat = flattenDecks(tree);
        const last = JSON.parse(localStorage.getItem(LAST_CHOICE) ?? "{}") as { typeId?: number; deckId?: number };
        const type = loadedTypes.find((t) => t.id === last.typeId) ?? loadedTypes[0];
        setTypes(loadedTypes);
        setDeckList(flat);
        setTypeId(type?.id ?? null);
        setFields(type ? type.fields.map(() => "") : []);
        setDeckId(flat.find((d) => d.id === last.deckId)?.id ?? flat[0]?.id ?? null);
      })
      .catch((caught: unknown) => setError(errorMessage(caught)));
  }, []);

  const type = types.find((t) => t.id === typeId) ?? null;

  const chooseType = (id: number) => {
    const next = types.find((t) => t.id === id);
    setTypeId(id);
    setFields((old) => (next ? next.fields.map((_, i) => old[i] ?? "") : []));
  };

  const setField = (index: number, value: string) => setFields((old) => old.map((v, i) => (i === index ? value : v)));

  const cloze = () => {
    const index = lastFocused.current;
    const area = fieldRefs.current[index];
    const text = fields[index] ?? "";
    const start = area?.selectionStart ?? text.length;
    const end = area?.selectionEnd ?? text.length;
    const result = wrapCloze(text, start, end, nextClozeNumber(fields));
    setField(index, result.text);
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(result.caret, result.caret);
    });
  };

  const submit = async (event?: React.FormEvent) => {
    event?.preventDefault();
    if (!type || deckId === null || busy) return;
    setBusy(true);
    setError(null);
    try {
      await notes.add({
        notetype_id: type.id,
        deck_id: deckId,
        fields,
        tags: tags.split(/\s+/).filter(Boolean),
      });
      localStorage.setItem(LAST_CHOICE, JSON.stringify({ typeId: type.id, deckId }));
      setAdded((n) => n + 1);
      setFields(type.fields.map(() => ""));
      lastFocused.current = 0;
      fieldRefs.current[0]?.focus();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page page--narrow">
      <div className="page-head">
        <h1>Add notes</h1>
        {added > 0 && (
          <span className="badge badge--ok" role="status">
            Added {added} {added === 1 ? "note" : "notes"}
          </span>
        )}
      </div>
      <ErrorNotice message={error} onDismiss={() => setError(null)} />
      <form
        className="panel form"
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit();
          // Anki's shortcut for a cloze deletion.
          if (type?.isCloze && e.key.toLowerCase() === "c" && e.shiftKey && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            cloze();
          }
        }}
      >
        <div className="grid-2">
          <label className="field">
            <span>Type</span>
            <select value={typeId ?? ""} onChange={(e) => chooseType(Number(e.target.value))} aria-label="Note type">
              {types.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Deck</span>
            <select value={deckId ?? ""} onChange={(e) => setDeckId(Number(e.target.value))} aria-label="Deck">
              {deckList.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name.replace(/::/g, " › ")}
                </option>
              ))}
            </select>
          </label>
        </div>
        {type?.isCloze && (
          <div className="toolbar">
            <button type="button" className="button button--small" onClick={cloze} title="Cloze deletion (Ctrl+Shift+C)">
              [...] c{nextClozeNumber(fields)}
            </button>
            <span className="muted small">Select text in a field, then press the button to hide it.</span>
          </div>
        )}
        {type?.fields.map((name, index) => (
          <label className="field" key={`${type.id}-${name}`}>
            <span>{name}</span>
            <textarea
              ref={(el) => {
                fieldRefs.current[index] = el;
              }}
              aria-label={name}
              rows={index === 0 ? 3 : 2}
              value={fields[index] ?? ""}
              onFocus={() => {
                lastFocused.current = index;
              }}
              onChange={(e) => setField(index, e.target.value)}
            />
          </label>
        ))}
        <label className="field">
          <span>Tags</span>
          <input aria-label="Tags" placeholder="space separated" value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <div className="form-actions">
          <span className="muted small">Ctrl+Enter adds</span>
          <button type="submit" className="button button--primary" disabled={busy || !type || deckId === null}>
            Add
          </button>
        </div>
      </form>
    </section>
  );
}
