/** Anki's Reposition New Cards: start position, step, randomize order, shift position of
 * existing cards. Only new cards move (the server leaves the others). */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useReposition } from "../api";
import { BrowseDialog } from "../BrowseDialog";

export function RepositionDialog({ cardIds, onClose }: { cardIds: number[]; onClose: () => void }) {
  const [start, setStart] = useState("0");
  const [step, setStep] = useState("1");
  const [randomize, setRandomize] = useState(false);
  const [shift, setShift] = useState(false);
  const reposition = useReposition();
  const valid = /^\d+$/.test(start) && /^[1-9]\d*$/.test(step);
  return (
    <BrowseDialog
      title="Reposition New Cards"
      onClose={onClose}
      onSubmit={() => reposition.mutate({ cardIds, start: Number(start), step: Number(step), randomize, shift }, { onSuccess: onClose })}
      busy={reposition.isPending || !valid}
      error={reposition.error ? errorMessage(reposition.error) : null}
    >
      <label className="field">
        <span>Start position</span>
        <input inputMode="numeric" value={start} onChange={(e) => setStart(e.target.value.trim())} />
      </label>
      <label className="field">
        <span>Step</span>
        <input inputMode="numeric" value={step} onChange={(e) => setStep(e.target.value.trim())} />
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={randomize} onChange={(e) => setRandomize(e.target.checked)} />
        Randomize order
      </label>
      <label className="browse-check">
        <input type="checkbox" checked={shift} onChange={(e) => setShift(e.target.checked)} />
        Shift position of existing cards
      </label>
    </BrowseDialog>
  );
}
