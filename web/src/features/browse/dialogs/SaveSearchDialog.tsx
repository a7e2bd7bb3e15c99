/** Save the current search under a name (a saved search of the sidebar, Anki's savedFilters). */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useSaveSearch } from "../api";
import { BrowseDialog } from "../BrowseDialog";

export function SaveSearchDialog({ search, onClose }: { search: string; onClose: () => void }) {
  const [name, setName] = useState("");
  const save = useSaveSearch();
  return (
    <BrowseDialog
      title="Save Current Search"
      onClose={onClose}
      onSubmit={() => save.mutate({ name: name.trim(), search }, { onSuccess: onClose })}
      submitLabel="Save"
      busy={save.isPending || !name.trim()}
      error={save.error ? errorMessage(save.error) : null}
    >
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <p className="muted small">Search: {search || "(every card)"}</p>
    </BrowseDialog>
  );
}
