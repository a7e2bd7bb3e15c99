/** Anki's Find and Replace: text or a regular expression, case-sensitive or not, in one field,
 * all fields or the tags, in the selected notes or every note; one undo step ("Find and
 * Replace", or "Update Tag" for tags as Anki names it). */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useNotetypeList } from "../../notetypes/api";
import { useFindReplace } from "../api";
import { BrowseDialog } from "../BrowseDialog";

/** The "In" choice's values: every field, the tags, or one field by name (prefixed, since a
 * field may be named "Tags"). */
const ALL_FIELDS = "all";
const TAGS = "tags";
const FIELD = "field:";

interface FindReplaceDialogProps {
  noteIds: number[];
  notetypeIds: number[];
  onClose: () => void;
  onDone: (message: string) => void;
}

export function FindReplaceDialog({ noteIds, notetypeIds, onClose, onDone }: FindReplaceDialogProps) {
  const [search, setSearch] = useState("");
  const [replacement, setReplacement] = useState("");
  const [field, setField] = useState(ALL_FIELDS);
  const [selectedOnly, setSelectedOnly] = useState(noteIds.length > 0);
  const [matchCase, setMatchCase] = useState(false);
  const [regex, setRegex] = useState(false);
  const types = useNotetypeList();
  const replace = useFindReplace();
  const relevant = (types.data ?? []).filter((t) => !selectedOnly || notetypeIds.includes(t.id));
  const fields = [...new Set(relevant.flatMap((t) => t.fields))].sort((a, b) => a.localeCompare(b));
  const submit = () =>
    replace.mutate(
      {
        noteIds: selectedOnly ? noteIds : [],
        search,
        replacement,
        regex,
        matchCase,
        field: field.startsWith(FIELD) ? field.slice(FIELD.length) : null,
        target: field === TAGS ? "tags" : "fields",
      },
      {
        onSuccess: ({ changed }) => {
          onDone(`${changed} ${changed === 1 ? "note" : "notes"} updated.`);
          onClose();
        },
      },
    );
  return (
    <BrowseDialog
      title="Find and Replace"
      onClose={onClose}
      onSubmit={submit}
      busy={replace.isPending || !search}
      error={replace.error ? errorMessage(replace.error) : null}
    >
      <label className="field">
        <span>Find</span>
        <input aria-label="Find" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      <label className="field">
        <span>Replace with</span>
        <input aria-label="Replace with" value={replacement} onChange={(e) => setReplacement(e.target.value)} />
      </label>
      <label className="field">
        <span>In</span>
        <select aria-label="In" value={field} onChange={(e) => setField(e.target.value)}>
          <option value={ALL_FIELDS}>All fields</option>
          <option value={TAGS}>Tags</option>
          {fields.map((name) => (
            <option key={name} value={FIELD + name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={selectedOnly} disabled={!noteIds.length} onChange={(e) => setSelectedOnly(e.target.checked)} />
        Selected notes only
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={!matchCase} onChange={(e) => setMatchCase(!e.target.checked)} />
        Ignore case
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} />
        Treat input as regular expression
      </label>
    </BrowseDialog>
  );
}
