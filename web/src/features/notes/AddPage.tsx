/**
 * Adding notes. Starts on Anki's current deck and note type (`/api/notes/defaults`); once the
 * learner picks a deck or type it is never replaced by a default arriving later, and the note
 * goes exactly to the deck the select shows (Add waits until the lists are loaded).
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useDeckTree } from "../decks/api";
import { CardPreview } from "./CardPreview";
import { DuplicateWarning } from "./DuplicateWarning";
import { RichField } from "./RichField";
import { TagEditor } from "./TagEditor";
import { splitTags, useAddNote, useAddingDefaults, useNotetypes } from "./api";
import { nextClozeNumber, sameClozeNumber } from "./cloze";

/** How many of the notes just added the "Browse added notes" link opens. */
const HISTORY_LENGTH = 50;

export default function AddPage() {
  const notetypes = useNotetypes();
  const tree = useDeckTree();
  const defaults = useAddingDefaults();
  const add = useAddNote();
  const types = notetypes.data ?? [];
  const [pickedType, setPickedType] = useState<number | null>(null);
  const [pickedDeck, setPickedDeck] = useState<number | null>(null);
  const [fields, setFields] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [added, setAdded] = useState<number>(0);
  // The notes added on this screen, newest last (Anki's History): a link opens them in the browser.
  const [addedIds, setAddedIds] = useState<number[]>([]);
  const [previewing, setPreviewing] = useState(false);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  // A pick always wins; until then the collection's current deck and type.
  const typeId = pickedType ?? types.find((t) => t.id === defaults.data?.notetype_id)?.id ?? types[0]?.id ?? null;
  const deckId = pickedDeck ?? (defaults.data ? defaults.data.deck_id : null);
  const type = types.find((t) => t.id === typeId) ?? null;
  const ready = type !== null && deckId !== null && tree.isSuccess && defaults.isSuccess;
  const loadError = notetypes.error ?? tree.error ?? defaults.error;
  const error = add.error ? errorMessage(add.error) : loadError ? errorMessage(loadError) : mediaError;
  const busy = add.isPending;
  const values = type ? type.fields.map((_, i) => fields[i] ?? "") : [];

  const setField = (index: number, value: string) =>
    setFields((old) => (type ? type.fields.map((_, i) => (i === index ? value : (old[i] ?? ""))) : old));

  const submit = (event?: React.FormEvent) => {
    event?.preventDefault();
    if (!ready || !type || deckId === null || busy) return;
    add.mutate(
      { notetype_id: type.id, deck_id: deckId, fields: values, tags: splitTags(tags) },
      {
        onSuccess: (created) => {
          setAdded((n) => n + 1);
          setAddedIds((ids) => [...ids, created.id].slice(-HISTORY_LENGTH));
          setFields(type.fields.map(() => ""));
          setGeneration((g) => g + 1);
          setMediaError(null);
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
        {addedIds.length > 0 && (
          <Link className="small" to={`/browse?search=${encodeURIComponent(`nid:${addedIds.join(",")}`)}`}>
            Browse added notes
          </Link>
        )}
      </div>
      <ErrorNotice
        message={error}
        onDismiss={() => {
          add.reset();
          setMediaError(null);
        }}
      />
      <form
        className="panel form"
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
      >
        <div className="grid-2">
          <label className="field">
            <span>Type</span>
            <select
              value={typeId ?? ""}
              disabled={!notetypes.isSuccess}
              onChange={(e) => setPickedType(Number(e.target.value))}
              aria-label="Note type"
            >
              {types.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Deck</span>
            <DeckSelect value={deckId} onChange={setPickedDeck} label="Deck" disabled={!defaults.isSuccess} />
          </label>
        </div>
        {type?.is_cloze && (
          <p className="muted small">Select text and press Ctrl+Shift+C to hide it (c{nextClozeNumber(values)}); Ctrl+Alt+Shift+C keeps the number.</p>
        )}
        {type?.fields.map((name, index) => (
          <div className="field" key={`${type.id}-${name}-${generation}`}>
            <span>{name}</span>
            <RichField
              label={name}
              value={values[index] ?? ""}
              onChange={(html) => setField(index, html)}
              clozeNumbers={() => ({ next: nextClozeNumber(values), same: sameClozeNumber(values) })}
              clozeButton={type.is_cloze}
              onError={setMediaError}
              autoFocus={index === 0}
            />
            {index === 0 && <DuplicateWarning notetypeId={typeId} firstField={values[0] ?? ""} />}
          </div>
        ))}
        <div className="field">
          <span>Tags</span>
          <TagEditor value={tags} onChange={setTags} />
        </div>
        <div className="form-actions">
          <span className="muted small">Ctrl+Enter adds</span>
          <button type="button" className="button" aria-pressed={previewing} onClick={() => setPreviewing((p) => !p)}>
            {previewing ? "Hide preview" : "Preview"}
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !ready}>
            Add
          </button>
        </div>
        {previewing && <CardPreview notetypeId={typeId} fields={values} deckId={deckId} />}
      </form>
    </section>
  );
}
