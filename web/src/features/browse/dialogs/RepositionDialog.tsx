/** Anki's Reposition New Cards: the queue's top and bottom shown, start position, step,
 * randomize order, shift position of existing cards (the last two as last chosen). Only new
 * cards move (the server leaves the others). */
import { useState } from "react";
import { errorMessage } from "../../../lib/errors";
import { useReposition, useRepositionDefaults } from "../api";
import { BrowseDialog } from "../BrowseDialog";

interface RepositionDialogProps {
  cardIds: number[];
  onClose: () => void;
}

interface Defaults {
  queue_top: number;
  queue_bottom: number;
  randomize: boolean;
  shift: boolean;
}

export function RepositionDialog(props: RepositionDialogProps) {
  const defaults = useRepositionDefaults();
  if (defaults.isPending) return null;
  return <RepositionForm {...props} defaults={defaults.data ?? { queue_top: 0, queue_bottom: 0, randomize: false, shift: false }} />;
}

function RepositionForm({ cardIds, onClose, defaults }: RepositionDialogProps & { defaults: Defaults }) {
  const [start, setStart] = useState("0");
  const [step, setStep] = useState("1");
  const [randomize, setRandomize] = useState(defaults.randomize);
  const [shift, setShift] = useState(defaults.shift);
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
      <p className="muted small">
        Queue top: {defaults.queue_top}
        <br />
        Queue bottom: {defaults.queue_bottom}
      </p>
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
