/** A deck's options preset: daily limits, steps, FSRS. Edits Anki's own keys (`new.perDay`...). */
import { useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { useDeck, useUpdateDeck, type Deck, type DeckNode } from "./api";
import { parseSteps, stepsText } from "./steps";

interface Draft {
  newPerDay: number;
  reviewsPerDay: number;
  learning: string;
  relearning: string;
  fsrs: boolean;
  desiredRetention: number;
}

function draftOf(deck: Deck): Draft {
  const config = deck.config;
  return {
    newPerDay: config?.new?.perDay ?? 20,
    reviewsPerDay: config?.rev?.perDay ?? 200,
    learning: stepsText(config?.new?.delays ?? [1, 10]),
    relearning: stepsText(config?.lapse?.delays ?? [10]),
    fsrs: deck.fsrs,
    desiredRetention: config?.desiredRetention ?? 0.9,
  };
}

export function DeckOptionsDialog({ deck, onClose }: { deck: DeckNode; onClose: () => void }) {
  const loaded = useDeck(deck.id);
  const save = useUpdateDeck();
  const [edits, setEdits] = useState<Partial<Draft>>({});
  const [error, setError] = useState<string | null>(null);
  const draft = loaded.data ? { ...draftOf(loaded.data), ...edits } : null;
  const set = (patch: Partial<Draft>) => setEdits((old) => ({ ...old, ...patch }));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    const learningSteps = parseSteps(draft.learning);
    const relearningSteps = parseSteps(draft.relearning);
    if ([...learningSteps, ...relearningSteps].some((n) => !Number.isFinite(n) || n <= 0)) {
      setError("Steps are durations like 1m 10m 1h 1d, separated by spaces.");
      return;
    }
    save.mutate(
      {
        id: deck.id,
        config: {
          new: { perDay: draft.newPerDay, delays: learningSteps },
          rev: { perDay: draft.reviewsPerDay },
          lapse: { delays: relearningSteps },
          desiredRetention: draft.desiredRetention,
        },
        fsrs: draft.fsrs,
      },
      { onSuccess: onClose, onError: (caught) => setError(errorMessage(caught)) },
    );
  };

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={`Options for ${deck.name}`}
        onClick={(e) => e.stopPropagation()}
        onSubmit={submit}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2>Options · {deck.basename}</h2>
        <ErrorNotice message={error ?? (loaded.error ? errorMessage(loaded.error) : null)} />
        {!draft ? (
          <div className="page-loading">Loading…</div>
        ) : (
          <>
            <div className="grid-2">
              <label className="field">
                <span>New cards per day</span>
                <input type="number" min={0} value={draft.newPerDay} onChange={(e) => set({ newPerDay: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>Maximum reviews per day</span>
                <input type="number" min={0} value={draft.reviewsPerDay} onChange={(e) => set({ reviewsPerDay: Number(e.target.value) })} />
              </label>
              <label className="field">
                <span>Learning steps</span>
                <input value={draft.learning} onChange={(e) => set({ learning: e.target.value })} placeholder="1m 10m" />
              </label>
              <label className="field">
                <span>Relearning steps</span>
                <input value={draft.relearning} onChange={(e) => set({ relearning: e.target.value })} placeholder="10m" />
              </label>
            </div>
            <label className="check">
              <input type="checkbox" checked={draft.fsrs} onChange={(e) => set({ fsrs: e.target.checked })} />
              <span>
                Use FSRS scheduling <span className="muted small">(for all decks)</span>
              </span>
            </label>
            <label className="field">
              <span>Desired retention: {Math.round(draft.desiredRetention * 100)}%</span>
              <input
                type="range"
                min={0.7}
                max={0.99}
                step={0.01}
                disabled={!draft.fsrs}
                value={draft.desiredRetention}
                onChange={(e) => set({ desiredRetention: Number(e.target.value) })}
              />
            </label>
          </>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={!draft || save.isPending}>
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
