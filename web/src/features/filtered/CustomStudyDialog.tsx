import { useState } from "react";
import { useCustomStudy, type CustomStudyInput } from "./api";

type Mode = CustomStudyInput["mode"];

const MODES: { mode: Mode; label: string; amount: string; initial: number }[] = [
  { mode: "new_limit", label: "Increase today's new card limit", amount: "Increase by", initial: 10 },
  { mode: "review_limit", label: "Increase today's review card limit", amount: "Increase by", initial: 50 },
  { mode: "forgotten", label: "Review forgotten cards", amount: "Forgotten in the last days", initial: 1 },
  { mode: "review_ahead", label: "Review ahead", amount: "Due in the next days", initial: 1 },
  { mode: "preview_new", label: "Preview new cards", amount: "Added in the last days", initial: 1 },
  { mode: "cram", label: "Study by card state or tag", amount: "Cards", initial: 100 },
];

/** Anki's custom study dialog for one deck: the six modes. */
export function CustomStudyDialog({ deckId, deckName, onClose }: { deckId: number; deckName: string; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>("review_ahead");
  const chosen = MODES.find((m) => m.mode === mode)!;
  const [amount, setAmount] = useState(chosen.initial);
  const [cramKind, setCramKind] = useState<NonNullable<CustomStudyInput["cram_kind"]>>("due");
  const [tags, setTags] = useState("");
  const study = useCustomStudy();

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const cram = mode === "cram";
    const body: CustomStudyInput & { id: number } = {
      id: deckId,
      mode,
      amount: cram ? 0 : amount,
      cram_kind: cramKind,
      card_limit: cram ? amount : 100,
      tags_to_include: cram ? tags.split(/\s+/).filter(Boolean) : [],
    };
    study.mutate(body, { onSuccess: onClose });
  }

  return (
    <div className="filtered-dialog" role="dialog" aria-label={`Custom study: ${deckName}`}>
      <form onSubmit={submit}>
        <h2>Custom study: {deckName}</h2>
        <fieldset>
          {MODES.map((m) => (
            <label key={m.mode}>
              <input
                type="radio"
                name="mode"
                checked={mode === m.mode}
                onChange={() => {
                  setMode(m.mode);
                  setAmount(m.initial);
                }}
              />
              {m.label}
            </label>
          ))}
        </fieldset>
        <label>
          {chosen.amount}
          <input type="number" value={amount} onChange={(e) => setAmount(Number(e.target.value))} />
        </label>
        {mode === "cram" && (
          <>
            <label>
              Cards
              <select value={cramKind} onChange={(e) => setCramKind(e.target.value as typeof cramKind)}>
                <option value="due">Due cards only</option>
                <option value="new">New cards only</option>
                <option value="review">Review cards in random order</option>
                <option value="all">All cards in random order (don't reschedule)</option>
              </select>
            </label>
            <label>
              With tags (any of)
              <input value={tags} onChange={(e) => setTags(e.target.value)} />
            </label>
          </>
        )}
        {study.error && <p role="alert">{String((study.error as Error).message ?? study.error)}</p>}
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="submit" className="button button--primary" disabled={study.isPending}>OK</button>
      </form>
    </div>
  );
}
