/** Anki's Find Duplicates: notes whose chosen field holds the same text (optionally within a
 * search); a result runs its notes' search, "Tag Duplicates" tags them all "duplicate". */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useNotetypeList } from "../../notetypes/api";
import { findDuplicates, useTagNotes } from "../api";
import { BrowseDialog } from "../BrowseDialog";

type Duplicate = { text: string; note_ids: number[] };

export function DuplicatesDialog({ onClose, onSearch }: { onClose: () => void; onSearch: (search: string) => void }) {
  const types = useNotetypeList();
  const fields = [...new Set((types.data ?? []).flatMap((t) => t.fields))].sort((a, b) => a.localeCompare(b));
  const [field, setField] = useState("");
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<Duplicate[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tag = useTagNotes();
  const chosen = field || fields[0] || "";

  const run = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      setFound((await findDuplicates(chosen, search)).duplicates);
    } catch (caught) {
      setFound(null);
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  const all = (found ?? []).flatMap((d) => d.note_ids);

  return (
    <BrowseDialog
      title="Find Duplicates"
      onClose={onClose}
      onSubmit={() => void run()}
      submitLabel="Search"
      busy={busy || !chosen}
      error={error ?? (tag.error ? errorMessage(tag.error) : null)}
    >
      <label className="field">
        <span>Search in</span>
        <select aria-label="Search in" value={chosen} onChange={(e) => setField(e.target.value)}>
          {fields.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Optional filter</span>
        <input aria-label="Optional filter" value={search} placeholder="an Anki search" onChange={(e) => setSearch(e.target.value)} />
      </label>
      {found && (
        <div className="browse-duplicates" aria-label="Duplicates">
          <p className="muted small">
            {found.length ? `${found.length} ${found.length === 1 ? "set" : "sets"} of duplicates` : "No duplicates found."}
          </p>
          <ul>
            {found.map((d) => (
              <li key={d.note_ids.join(",")}>
                <button type="button" className="browse-link" onClick={() => onSearch(`nid:${d.note_ids.join(",")}`)}>
                  {d.note_ids.length} notes: {d.text}
                </button>
              </li>
            ))}
          </ul>
          {found.length > 0 && (
            <button
              type="button"
              className="button button--small"
              disabled={tag.isPending || tag.isSuccess}
              onClick={() => tag.mutate({ noteIds: all, add: ["duplicate"] })}
            >
              {tag.isSuccess ? "Tagged" : "Tag Duplicates"}
            </button>
          )}
        </div>
      )}
    </BrowseDialog>
  );
}
