import { useState } from "react";
import { errorMessage } from "../../lib/errors";
import { useCustomStudy, useStudyDefaults, type CustomStudyInput, type StudyDefaults } from "./api";

type Mode = CustomStudyInput["mode"];
type CramKind = NonNullable<CustomStudyInput["cram_kind"]>;

/** Anki's six modes with its wording: the radio label, the words around the number, the
 * number's starting value and lower bound. */
const MODES: { mode: Mode; label: string; before: string; after: string; initial: number; min: number }[] = [
  { mode: "new_limit", label: "Increase today's new card limit", before: "Increase today's new card limit by", after: "cards", initial: 10, min: -9999 },
  { mode: "review_limit", label: "Increase today's review card limit", before: "Increase today's review limit by", after: "cards", initial: 50, min: -9999 },
  { mode: "forgotten", label: "Review forgotten cards", before: "Review cards forgotten in the last", after: "days", initial: 1, min: 1 },
  { mode: "review_ahead", label: "Review ahead", before: "Review ahead by", after: "days", initial: 1, min: 1 },
  { mode: "preview_new", label: "Preview new cards", before: "Preview new cards added in the last", after: "days", initial: 1, min: 1 },
  { mode: "cram", label: "Study by card state or tag", before: "Select", after: "cards from the deck", initial: 100, min: 1 },
];

const CRAM_KINDS: [CramKind, string][] = [
  ["new", "New cards only"],
  ["due", "Due cards only"],
  ["review", "All review cards in random order"],
  ["all", "All cards in random order (don't reschedule)"],
];

/** One of Anki's two tag lists of "study by card state or tag". */
function TagList({
  label,
  tags,
  chosen,
  onChange,
}: {
  label: string;
  tags: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  return (
    <fieldset className="filtered-tag-list" aria-label={label}>
      <legend>{label}</legend>
      {tags.map((tag) => (
        <label key={tag} className="filtered-check">
          <input
            type="checkbox"
            checked={chosen.includes(tag)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, tag] : chosen.filter((t) => t !== tag))}
          />
          {tag}
        </label>
      ))}
    </fieldset>
  );
}

/** "12" or, with cards in subdecks, "12 (3 in subdecks)", as Anki words it. */
function available(own: number, children: number): string {
  return children ? `${own} (${children} in subdecks)` : String(own);
}

function startingAmount(mode: Mode, defaults: StudyDefaults | undefined): number {
  const chosen = MODES.find((m) => m.mode === mode)!;
  if (mode === "new_limit" && defaults?.extend_new) return defaults.extend_new;
  if (mode === "review_limit" && defaults?.extend_review) return defaults.extend_review;
  return chosen.initial;
}

/** Anki's custom study dialog for one deck: the six modes, with the cards available beyond
 * today's limits for the two limit increases. */
export function CustomStudyDialog({
  deckId,
  deckName,
  onClose,
  onStudied,
}: {
  deckId: number;
  deckName: string;
  onClose: () => void;
  /** After OK: the Custom Study Session deck built, or null when a limit was raised. */
  onStudied?: (sessionDeckId: number | null) => void;
}) {
  const defaults = useStudyDefaults(deckId);
  const [mode, setMode] = useState<Mode>("new_limit");
  const chosen = MODES.find((m) => m.mode === mode)!;
  const [typed, setTyped] = useState<{ mode: Mode; amount: number } | null>(null);
  const amount = typed?.mode === mode ? typed.amount : startingAmount(mode, defaults.data);
  const [cramKind, setCramKind] = useState<CramKind>("new");
  // The tags required and excluded: the learner's choice, or the last session's (as Anki).
  const [include, setInclude] = useState<string[] | null>(null);
  const [exclude, setExclude] = useState<string[] | null>(null);
  const tags = defaults.data?.tags ?? [];
  const included = include ?? tags.filter((t) => t.include).map((t) => t.name);
  const excluded = exclude ?? tags.filter((t) => t.exclude).map((t) => t.name);
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
      tags_to_include: cram ? included : [],
      tags_to_exclude: cram ? excluded : [],
    };
    study.mutate(body, {
      onSuccess: (done) => {
        onClose();
        onStudied?.(done.deck_id ?? null);
      },
    });
  }

  const counts = defaults.data;
  const title =
    mode === "new_limit" && counts
      ? `Available new cards: ${available(counts.available_new, counts.available_new_in_children)}`
      : mode === "review_limit" && counts
        ? `Available review cards: ${available(counts.available_review, counts.available_review_in_children)}`
        : null;

  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div
        className="dialog filtered-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={`Custom study: ${deckName}`}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
        }}
      >
        <form className="filtered-form" onSubmit={submit}>
          <h2>Custom study: {deckName}</h2>
          <fieldset className="filtered-modes">
            <legend className="visually-hidden">Mode</legend>
            {MODES.map((m) => (
              <label key={m.mode} className="filtered-check">
                <input type="radio" name="mode" checked={mode === m.mode} onChange={() => setMode(m.mode)} />
                {m.label}
              </label>
            ))}
          </fieldset>
          {title && (
            <p className="filtered-available" data-testid="custom-study-available">
              {title}
            </p>
          )}
          <label className="filtered-field filtered-amount">
            {chosen.before}
            <span className="filtered-amount-input">
              <input
                type="number"
                inputMode="numeric"
                min={chosen.min}
                max={9999}
                value={amount}
                onChange={(e) => setTyped({ mode, amount: Number(e.target.value) })}
              />
              <span className="muted">{chosen.after}</span>
            </span>
          </label>
          {mode === "cram" && (
            <>
              <label className="filtered-field">
                Cards
                <select value={cramKind} onChange={(e) => setCramKind(e.target.value as CramKind)}>
                  {CRAM_KINDS.map(([kind, label]) => (
                    <option key={kind} value={kind}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
              {tags.length > 0 && (
                <div className="filtered-tags">
                  <TagList label="Require one or more of these tags:" tags={tags.map((t) => t.name)} chosen={included} onChange={setInclude} />
                  <TagList label="Select tags to exclude:" tags={tags.map((t) => t.name)} chosen={excluded} onChange={setExclude} />
                </div>
              )}
            </>
          )}
          {study.error && <p role="alert">{errorMessage(study.error)}</p>}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={study.isPending}>
              OK
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
