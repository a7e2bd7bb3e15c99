/** Anki's Reset (Forget) dialog: the cards become new, optionally back at their original
 * position and with their review and lapse counts zeroed; starts from the browser's last choice. */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useForgetCards, useForgetDefaults, type ForgetChoice } from "../api";
import { BrowseDialog } from "../BrowseDialog";

interface ForgetDialogProps {
  cardIds: number[];
  onClose: () => void;
}

export function ForgetDialog(props: ForgetDialogProps) {
  const defaults = useForgetDefaults();
  if (defaults.isPending) return null;
  const initial = defaults.data
    ? { restorePosition: defaults.data.restore_position, resetCounts: defaults.data.reset_counts }
    : { restorePosition: true, resetCounts: false };
  return <ForgetForm {...props} initial={initial} />;
}

function ForgetForm({ cardIds, onClose, initial }: ForgetDialogProps & { initial: ForgetChoice }) {
  const [choice, setChoice] = useState(initial);
  const forget = useForgetCards();
  const count = cardIds.length;
  return (
    <BrowseDialog
      title="Reset"
      onClose={onClose}
      onSubmit={() => forget.mutate({ cardIds, ...choice }, { onSuccess: onClose })}
      busy={forget.isPending}
      error={forget.error ? errorMessage(forget.error) : null}
    >
      <p>
        Reset {count} {count === 1 ? "card" : "cards"} to new.
      </p>
      <label className="browse-check">
        <input
          type="checkbox"
          checked={choice.restorePosition}
          onChange={(e) => setChoice({ ...choice, restorePosition: e.target.checked })}
        />
        Restore original position where possible
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={choice.resetCounts} onChange={(e) => setChoice({ ...choice, resetCounts: e.target.checked })} />
        Reset repetition and lapse counts
      </label>
    </BrowseDialog>
  );
}
