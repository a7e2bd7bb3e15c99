/** Add Tags / Remove Tags on the notes of the selected cards (one undo step each). */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { splitTags } from "../../notes/api";
import { useTagCards } from "../api";
import { BrowseDialog } from "../BrowseDialog";

export function TagsDialog({ kind, cardIds, onClose }: { kind: "add" | "remove"; cardIds: number[]; onClose: () => void }) {
  const [text, setText] = useState("");
  const tag = useTagCards();
  const tags = splitTags(text);
  const submit = () => {
    if (!tags.length) return;
    tag.mutate({ cardIds, add: kind === "add" ? tags : [], remove: kind === "remove" ? tags : [] }, { onSuccess: onClose });
  };
  return (
    <BrowseDialog
      title={kind === "add" ? "Add Tags" : "Remove Tags"}
      onClose={onClose}
      onSubmit={submit}
      submitLabel={kind === "add" ? "Add" : "Remove"}
      busy={tag.isPending || !tags.length}
      error={tag.error ? errorMessage(tag.error) : null}
    >
      <label className="field">
        <span>{kind === "add" ? "Tags to add" : "Tags to remove"} (separated by spaces)</span>
        <input value={text} onChange={(e) => setText(e.target.value)} />
      </label>
    </BrowseDialog>
  );
}
