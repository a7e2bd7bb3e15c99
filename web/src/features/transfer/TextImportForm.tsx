/** The text import dialog as Anki has it: the file's first rows, its separator and HTML, the note
 * type and deck, each field's column, the tags column and tags for all, and what to do with notes
 * already there. Separator, HTML and note type ask the server for a fresh preview (and a fresh
 * starting mapping), as Anki's dialog does; the rest is the learner's to set. */
import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useNotetypeList } from "../notetypes/api";
import {
  useTextPreview,
  type Duplicates,
  type MatchScope,
  type PreviewAsk,
  type Separator,
  type TextChoices,
  type TextPreview,
} from "./api";

export const SEPARATORS: { value: Separator; label: string }[] = [
  { value: "tab", label: "Tab" },
  { value: "pipe", label: "Pipe (|)" },
  { value: "semicolon", label: "Semicolon (;)" },
  { value: "colon", label: "Colon (:)" },
  { value: "comma", label: "Comma (,)" },
  { value: "space", label: "Space" },
];

const DUPLICATES: { value: Duplicates; label: string }[] = [
  { value: "update", label: "Update the existing note" },
  { value: "preserve", label: "Keep the current note (skip the row)" },
  { value: "duplicate", label: "Keep both (add the row as a new note)" },
];

const MATCH_SCOPES: { value: MatchScope; label: string }[] = [
  { value: "notetype", label: "Same note type" },
  { value: "notetype_and_deck", label: "Same note type and deck" },
];

interface ChoiceFieldProps<T extends string> {
  caption: string;
  /** The select's accessible name, when shorter than the caption. */
  label?: string;
  value: string;
  choices: { value: T; label: string }[];
  onChange: (value: T) => void;
}

/** A labelled select over a fixed list of choices. */
function ChoiceField<T extends string>({ caption, label, value, choices, onChange }: ChoiceFieldProps<T>) {
  return (
    <label className="field">
      <span>{caption}</span>
      <select aria-label={label ?? caption} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "Column 2: dog": the column's name from the file's header, else its first row's value. */
function columnLabel(preview: TextPreview, column: number): string {
  const label = preview.column_labels[column - 1] || preview.rows[0]?.[column - 1] || "";
  return label ? `Column ${column}: ${label}` : `Column ${column}`;
}

interface Mapping {
  /** The preview the learner's mapping was made on: a new preview starts from its own mapping. */
  preview: TextPreview;
  fieldColumns: number[];
  tagsColumn: number;
}

interface TextImportFormProps {
  file: File;
  busy: boolean;
  onImport: (choices: TextChoices) => void;
}

export function TextImportForm({ file, busy, onImport }: TextImportFormProps) {
  const [ask, setAsk] = useState<PreviewAsk>({});
  const [deckId, setDeckId] = useState<number | null>(null);
  const [tags, setTags] = useState("");
  const [updatedTags, setUpdatedTags] = useState("");
  const [duplicates, setDuplicates] = useState<Duplicates | null>(null);
  const [matchScope, setMatchScope] = useState<MatchScope | null>(null);
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const previewQuery = useTextPreview(file, ask);
  const notetypes = useNotetypeList().data ?? [];
  const preview = previewQuery.data;

  if (!preview) {
    return previewQuery.isError ? (
      <div>
        <ErrorNotice message={`This file can't be imported: ${errorMessage(previewQuery.error)}`} />
        {Object.keys(ask).length > 0 && (
          <button type="button" className="button" onClick={() => setAsk({})}>
            Back to the file's own settings
          </button>
        )}
      </div>
    ) : (
      <p className="muted small" role="status">
        Reading the file…
      </p>
    );
  }

  const current: Mapping =
    mapping?.preview === preview ? mapping : { preview, fieldColumns: preview.field_columns, tagsColumn: preview.tags_column };
  const updating = previewQuery.isFetching || previewQuery.isPlaceholderData;
  const columns = Array.from({ length: preview.column_count }, (_, i) => i + 1);
  const chosenDeck = deckId ?? preview.deck_id;

  const setFieldColumn = (index: number, column: number) =>
    setMapping({ ...current, fieldColumns: current.fieldColumns.map((c, i) => (i === index ? column : c)) });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    onImport({
      separator: preview.separator as Separator,
      html: preview.html,
      notetype_id: preview.notetype_id ?? undefined,
      deck_id: chosenDeck ?? undefined,
      field_columns: preview.notetype_id !== null ? current.fieldColumns.join(",") : undefined,
      tags_column: current.tagsColumn,
      tags: tags.trim() || undefined,
      updated_tags: updatedTags.trim() || undefined,
      duplicates: duplicates ?? (preview.duplicates as Duplicates),
      match_scope: matchScope ?? preview.match_scope,
    });
  };

  return (
    <form className="text-import" onSubmit={submit} aria-label="Text import options">
      {previewQuery.isError && (
        <ErrorNotice message={`The file can't be read that way: ${errorMessage(previewQuery.error)}`} />
      )}
      <fieldset className="text-import-group">
        <legend>File</legend>
        <ChoiceField
          caption="Field separator"
          value={preview.separator}
          choices={SEPARATORS}
          onChange={(separator) => setAsk({ ...ask, separator })}
        />
        <label className="check">
          <input type="checkbox" checked={preview.html} onChange={(e) => setAsk({ ...ask, html: e.target.checked })} />
          <span>Allow HTML in fields</span>
        </label>
      </fieldset>

      <div
        className="text-import-preview"
        role="region"
        aria-label="Preview of the first rows"
        aria-busy={updating}
        tabIndex={0}
      >
        <table data-testid="text-preview">
          <caption className="muted small">
            {updating ? "Updating the preview…" : `The first ${preview.rows.length} rows, as they will be read`}
          </caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {preview.column_labels[column - 1] || `Column ${column}`}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, index) => (
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column}>{row[column - 1] ?? ""}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <fieldset className="text-import-group">
        <legend>Import options</legend>
        <label className="field">
          <span>Note type</span>
          <select
            aria-label="Note type"
            value={preview.notetype_id ?? ""}
            onChange={(e) => setAsk({ ...ask, notetypeId: Number(e.target.value) })}
          >
            {preview.notetype_id === null && <option value="">From a column of the file</option>}
            {notetypes.map((nt) => (
              <option key={nt.id} value={nt.id}>
                {nt.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Deck</span>
          <DeckSelect
            label="Deck"
            value={chosenDeck}
            placeholder={
              preview.deck_name
                ? `${preview.deck_name} (new deck named in the file)`
                : preview.deck_id === null
                  ? "From a column of the file"
                  : undefined
            }
            onChange={setDeckId}
            onClear={() => setDeckId(null)}
          />
        </label>
        <ChoiceField
          caption="When a note is already there (same first field)"
          label="When a note is already there"
          value={duplicates ?? preview.duplicates}
          choices={DUPLICATES}
          onChange={setDuplicates}
        />
        <ChoiceField
          caption="Look for existing notes of"
          value={matchScope ?? preview.match_scope}
          choices={MATCH_SCOPES}
          onChange={setMatchScope}
        />
      </fieldset>

      <fieldset className="text-import-group">
        <legend>Field mapping</legend>
        {preview.notetype_id === null ? (
          <p className="muted small">Each row's note type comes from the file: its columns fill the fields in order.</p>
        ) : (
          preview.field_names.map((name, index) => (
            <label key={`${preview.notetype_id}-${name}`} className="field">
              <span>{name}</span>
              <select
                aria-label={`Column for ${name}`}
                value={current.fieldColumns[index] ?? 0}
                onChange={(e) => setFieldColumn(index, Number(e.target.value))}
              >
                {index > 0 && <option value={0}>(nothing)</option>}
                {columns.map((column) => (
                  <option key={column} value={column}>
                    {columnLabel(preview, column)}
                  </option>
                ))}
              </select>
            </label>
          ))
        )}
        <label className="field">
          <span>Tags</span>
          <select
            aria-label="Column for tags"
            value={current.tagsColumn}
            onChange={(e) => setMapping({ ...current, tagsColumn: Number(e.target.value) })}
          >
            <option value={0}>(nothing)</option>
            {columns.map((column) => (
              <option key={column} value={column}>
                {columnLabel(preview, column)}
              </option>
            ))}
          </select>
        </label>
      </fieldset>

      <label className="field">
        <span>Tags added to all notes</span>
        <input
          type="text"
          aria-label="Tags added to all notes"
          value={tags}
          placeholder="space-separated, e.g. vocab lesson::1"
          onChange={(e) => setTags(e.target.value)}
        />
      </label>
      {preview.tags.length > 0 && <p className="muted small">The file adds the tags {preview.tags.join(" ")} too.</p>}
      <label className="field">
        <span>Tags added to updated notes</span>
        <input
          type="text"
          aria-label="Tags added to updated notes"
          value={updatedTags}
          placeholder="space-separated"
          onChange={(e) => setUpdatedTags(e.target.value)}
        />
      </label>

      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy || updating || previewQuery.isError}>
          Import
        </button>
      </div>
    </form>
  );
}
