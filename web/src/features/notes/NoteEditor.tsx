/** Editing one note's fields and tags in a dialog. */
import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { splitTags, useNote, useNotetypes, useUpdateNote } from "./api";

interface Draft {
  fields: string[];
  tags: string;
}

export function NoteEditor({ noteId, onClose }: { noteId: number; onClose: () => void }) {
  const note = useNote(noteId);
  const types = useNotetypes();
  const save = useUpdateNote();
  const [draft, setDraft] = useState<Draft | null>(null);
  const loaded = note.data;
  const shown: Draft | null = draft ?? (loaded ? { fields: loaded.fields, tags: loaded.tags.join(" ") } : null);
  const type = types.data?.find((t) => t.id === loaded?.notetype_id) ?? null;
  const loadError = note.error ?? types.error;

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!shown) return;
    save.mutate({ id: noteId, fields: shown.fields, tags: splitTags(shown.tags) }, { onSuccess: onClose });
  };

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Edit note"
        onClick={(e) => e.stopPropagation()}
        onSubmit={submit}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2>Edit note{type ? ` · ${type.name}` : ""}</h2>
        <ErrorNotice message={loadError ? errorMessage(loadError) : save.error ? errorMessage(save.error) : null} />
        {shown?.fields.map((value, index) => (
          <label className="field" key={index}>
            <span>{loaded?.field_names[index] ?? `Field ${index + 1}`}</span>
            <textarea
              rows={2}
              value={value}
              onChange={(e) => setDraft({ ...shown, fields: shown.fields.map((v, i) => (i === index ? e.target.value : v)) })}
            />
          </label>
        ))}
        {shown && (
          <label className="field">
            <span>Tags</span>
            <input value={shown.tags} onChange={(e) => setDraft({ ...shown, tags: e.target.value })} />
          </label>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!shown || save.isPending}>
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
