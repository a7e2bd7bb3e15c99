/**
 * Editing one note's fields and tags in a dialog (mounted by review's "E" and the browser).
 * Only the fields the learner edited are sent: an untouched field keeps its stored HTML exactly.
 */
import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DuplicateWarning } from "./DuplicateWarning";
import { RichField } from "./RichField";
import { TagEditor } from "./TagEditor";
import { splitTags, useNote, useNotetypes, useUpdateNote } from "./api";
import { nextClozeNumber, sameClozeNumber } from "./cloze";

interface NoteEditorProps {
  noteId: number;
  onClose: () => void;
  /** Called after a successful save, before `onClose`. */
  onSaved?: () => void;
}

export function NoteEditor({ noteId, onClose, onSaved }: NoteEditorProps) {
  const note = useNote(noteId);
  const types = useNotetypes();
  const save = useUpdateNote();
  const [edited, setEdited] = useState<Record<number, string>>({});
  const [tagText, setTagText] = useState<string | null>(null);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const loaded = note.data;
  const type = types.data?.find((t) => t.id === loaded?.notetype_id) ?? null;
  const loadError = note.error ?? types.error;
  const values = loaded ? loaded.fields.map((v, i) => edited[i] ?? v) : [];
  const tags = tagText ?? loaded?.tags.join(" ") ?? "";

  const submit = (event?: React.FormEvent) => {
    event?.preventDefault();
    if (!loaded || save.isPending) return;
    const fieldsByName: Record<string, string> = {};
    for (const [index, value] of Object.entries(edited)) {
      const i = Number(index);
      if (value !== loaded.fields[i]) fieldsByName[loaded.field_names[i]!] = value;
    }
    save.mutate(
      { id: noteId, fieldsByName, tags: splitTags(tags) },
      {
        onSuccess: () => {
          onSaved?.();
          onClose();
        },
      },
    );
  };

  const message = loadError ? errorMessage(loadError) : save.error ? errorMessage(save.error) : mediaError;

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        className="dialog dialog--wide"
        role="dialog"
        aria-modal="true"
        aria-label="Edit note"
        onClick={(e) => e.stopPropagation()}
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
      >
        <h2>Edit note{type ? ` · ${type.name}` : ""}</h2>
        <ErrorNotice message={message} onDismiss={() => setMediaError(null)} />
        {loaded?.fields.map((_, index) => {
          const name = loaded.field_names[index] ?? `Field ${index + 1}`;
          return (
            <div className="field" key={`${noteId}-${index}`}>
              <span>{name}</span>
              <RichField
                label={name}
                value={values[index] ?? ""}
                onChange={(html) => setEdited((old) => ({ ...old, [index]: html }))}
                clozeNumbers={
                  type?.is_cloze
                    ? () => ({ next: nextClozeNumber(values), same: sameClozeNumber(values) })
                    : undefined
                }
                clozeButton={type?.is_cloze ?? false}
                onError={setMediaError}
                autoFocus={index === 0}
              />
              {index === 0 && <DuplicateWarning notetypeId={loaded.notetype_id} firstField={values[0] ?? ""} noteId={noteId} />}
            </div>
          );
        })}
        {loaded && (
          <div className="field">
            <span>Tags</span>
            <TagEditor value={tags} onChange={setTagText} />
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!loaded || save.isPending}>
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
