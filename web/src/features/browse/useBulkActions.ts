/** Runs a bulk action on the selected rows (every change is one undo step on the server) and
 * says how it went: an error, a short notice, or the dialog to open. */
import { useState } from "react";
import { errorMessage } from "../../lib/errors";
import type { BulkAction } from "./BulkActions";
import {
  useBuryCards,
  useDeleteNotesOfCards,
  useFlagCards,
  useMoveCards,
  useSuspendCards,
  useToggleMark,
  useUndo,
  type BrowserRow,
} from "./api";
import type { DialogKind } from "./dialogs/BrowseDialogs";

const NEED_NO_SELECTION: DialogKind[] = ["find-replace", "duplicates", "save-search"];

interface Handlers {
  onEdit: (noteId: number) => void;
  onDialog: (dialog: DialogKind) => void;
  onDeleted: () => void;
  /** Called before anything changes the rows. */
  onChange: () => void;
}

export function useBulkActions(chosen: BrowserRow[], { onEdit, onDialog, onDeleted, onChange }: Handlers) {
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const suspend = useSuspendCards();
  const move = useMoveCards();
  const flag = useFlagCards();
  const bury = useBuryCards();
  const mark = useToggleMark();
  const remove = useDeleteNotesOfCards();
  const undo = useUndo();
  const cardIds = chosen.flatMap((row) => row.card_ids);
  const noteCount = new Set(chosen.map((row) => row.note_id)).size;
  const notetypeCount = new Set(chosen.map((row) => row.notetype_id)).size;

  const run = <T>(mutation: { mutate: (v: T, o: { onError: (e: unknown) => void; onSuccess: () => void }) => void }, value: T, then?: () => void) => {
    setError(null);
    setNotice(null);
    onChange();
    mutation.mutate(value, { onError: (caught) => setError(errorMessage(caught)), onSuccess: () => then?.() });
  };

  const act = (action: BulkAction) => {
    const needsRows = action.kind !== "undo" && !(action.kind === "dialog" && NEED_NO_SELECTION.includes(action.dialog));
    if (needsRows && !chosen.length) return;
    switch (action.kind) {
      case "edit":
        return onEdit(chosen[0]!.note_id);
      case "suspend":
        return run(suspend, { cardIds, suspended: action.suspended });
      case "bury":
        return run(bury, { cardIds });
      case "mark":
        return run(mark, { cardIds });
      case "flag":
        // As in Anki, setting the flag every selected card already has clears it.
        return run(flag, { cardIds, flag: chosen.every((row) => row.flag === action.flag) ? 0 : action.flag });
      case "move":
        return run(move, { cardIds, deckId: action.deckId });
      case "delete":
        if (window.confirm(`Delete ${noteCount} ${noteCount === 1 ? "note" : "notes"} and all their cards?`)) run(remove, { cardIds }, onDeleted);
        return;
      case "undo":
        setError(null);
        onChange();
        undo.mutate(undefined, {
          onSuccess: (done) => setNotice(`Undone: ${done.label}`),
          onError: (caught) => setError(errorMessage(caught)),
        });
        return;
      case "dialog":
        if (action.dialog === "change-notetype" && notetypeCount !== 1) {
          setError("Please select notes of only one note type.");
          return;
        }
        setError(null);
        // Changing the note type adds and removes cards: the search runs again to show them.
        if (!NEED_NO_SELECTION.includes(action.dialog) && action.dialog !== "change-notetype") onChange();
        onDialog(action.dialog);
    }
  };

  const reset = () => {
    setError(null);
    setNotice(null);
  };
  return { act, error, setError, notice, setNotice, reset };
}
