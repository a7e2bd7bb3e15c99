import { useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useDeckTree } from "../decks/api";
import { flattenDecks } from "../decks/deckTree";
import { splitTags, useAddNote, useNotetypes } from "./api";
import { nextClozeNumber, wrapCloze } from "./cloze";

const LAST_CHOICE = "javumbo.add.last";

function lastChoice(): { typeId?: number; deckId?: number } {
  try {
    return JSON.parse(localStorage.getItem(LAST_CHOICE) ?? "{}") as { typeId?: number; deckId?: number };
  } catch {
    return {};
  }
}

export default function AddPage() {
  const notetypes = useNotetypes();
  const tree = useDeckTree();
  const add = useAddNote();
  const types = notetypes.data ?? [];
  const deckList = flattenDecks(tree.data ?? []);
  const [chosenType, setTypeId] = useState<number | null>(null);
  const [chosenDeck, setDeckId] = useState<number | null>(null);
  const [fields, setFields] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [added, setAdded] = useState<number>(0);
  const fieldRefs = useRef<(HTMLTextAreaElement | null)[]>([]);
  const lastFocused = useRef(0);
  const last = lastChoice();
  // Until the learner chooses, the last type and deck used (else the first ones).
  const typeId = chosenType ?? types.find((t) => t.id === last.typeId)?.id ?? types[0]?.id ?? null;
  const deckId = chosenDeck ?? deckList.find((d) => d.id === last.deckId)?.id ?? deckList[0]?.id ?? null;
  const loadError = notetypes.error ?? tree.error;
  const error = add.error ? errorMessage(add.error) : loadError ? errorMessage(loadError) : null;
  const busy = add.isPending;

  const type = types.find((t) => t.id === typeId) ?? null;

  const chooseType = (id: number) => {
    const next = types.find((t) => t.id === id);
    setTypeId(id);
    setFields((old) => (next ? next.fields.map((_, i) => old[i] ?? "") : []));
  };

  const setField = (index: number, value: string) =>
    setFields((old) => (type ? type.fields.map((_, i) => (i === index ? value : (old[i] ?? ""))) : old));

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

  const submit = (event?: React.FormEvent) => {
    event?.preventDefault();
    if (!type || deckId === null || busy) return;
    add.mutate(
      { notetype_id: type.id, deck_id: deckId, fields: type.fields.map((_, i) => fields[i] ?? ""), tags: splitTags(tags) },
      {
        onSuccess: () => {
          localStorage.setItem(LAST_CHOICE, JSON.stringify({ typeId: type.id, deckId }));
          setAdded((n) => n + 1);
          setFields(type.fields.map(() => ""));
          lastFocused.current = 0;
          fieldRefs.current[0]?.focus();
        },
      },
    );
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
      <ErrorNotice message={error} onDismiss={() => add.reset()} />
      <form
        className="panel form"
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit();
          // Anki's shortcut for a cloze deletion.
          if (type?.is_cloze && e.key.toLowerCase() === "c" && e.shiftKey && (e.ctrlKey || e.metaKey)) {
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
            <DeckSelect value={deckId} onChange={setDeckId} label="Deck" />
          </label>
        </div>
        {type?.is_cloze && (
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
