/** Anki's Set Due Date: "0" today, "1" tomorrow, "1-7" a random day in the range; a trailing
 * "!" also sets the card's interval to the chosen delay. Starts from the days last typed in
 * the browser, as Anki's dialog does. */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useDueDefaults, useSetDue } from "../api";
import { BrowseDialog } from "../BrowseDialog";

export const DUE_SPEC = /^\d{1,5}(-\d{1,5})?!?$/;

interface SetDueDialogProps {
  cardIds: number[];
  onClose: () => void;
}

export function SetDueDialog(props: SetDueDialogProps) {
  const defaults = useDueDefaults();
  if (defaults.isPending) return null;
  return <SetDueForm {...props} initial={defaults.data?.days ?? "1"} />;
}

function SetDueForm({ cardIds, onClose, initial }: SetDueDialogProps & { initial: string }) {
  const [days, setDays] = useState(initial);
  const setDue = useSetDue();
  const spec = days.replace(/\s+/g, "");
  const valid = DUE_SPEC.test(spec);
  return (
    <BrowseDialog
      title="Set Due Date"
      onClose={onClose}
      onSubmit={() => setDue.mutate({ cardIds, days: spec }, { onSuccess: onClose })}
      busy={setDue.isPending || !valid}
      error={setDue.error ? errorMessage(setDue.error) : null}
    >
      <label className="field">
        <span>Show cards in how many days</span>
        <input value={days} onChange={(e) => setDays(e.target.value)} aria-invalid={!valid} />
      </label>
      <p className="muted small">
        0 = today, 1 = tomorrow, 3-7 = a random day from 3 to 7 days away; add ! (1!, 3-7!) to also
        set the interval.
      </p>
    </BrowseDialog>
  );
}
