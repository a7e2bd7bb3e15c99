/**
 * Anki's "Daily Limits" section: new cards and reviews a day for the preset, this deck alone or
 * today only, and the two collection-wide switches that change how limits count.
 */
import type { CollectionOptions, Preset, PresetChanges } from "./api";
import type { LimitDraft, LimitTab } from "./limitDraft";
import { OverrideTabs } from "./OverrideTabs";

interface DailyLimitsProps {
  preset: Preset;
  draft: LimitDraft;
  onDraft: (draft: LimitDraft) => void;
  onPreset: (changes: PresetChanges) => void;
  switches: CollectionOptions;
  onSwitches: (changes: Partial<CollectionOptions>) => void;
}

const TABS: [LimitTab, string][] = [
  ["preset", "Preset"],
  ["deck", "This deck"],
  ["today", "Today only"],
];

export function DailyLimits({ preset, draft, onDraft, onPreset, switches, onSwitches }: DailyLimitsProps) {
  const deckNew = draft.deckNew ?? preset.new_per_day;
  const deckReview = draft.deckReview ?? preset.reviews_per_day;
  const shown =
    draft.tab === "preset"
      ? [preset.new_per_day, preset.reviews_per_day]
      : draft.tab === "deck"
        ? [deckNew, deckReview]
        : [draft.todayNew ?? deckNew, draft.todayReview ?? deckReview];
  const change = (which: 0 | 1, value: number) => {
    if (draft.tab === "preset") onPreset(which === 0 ? { new_per_day: value } : { reviews_per_day: value });
    else if (draft.tab === "deck") onDraft({ ...draft, ...(which === 0 ? { deckNew: value } : { deckReview: value }) });
    else onDraft({ ...draft, ...(which === 0 ? { todayNew: value } : { todayReview: value }) });
  };
  return (
    <fieldset className="panel deck-options-section">
      <legend>Daily Limits</legend>
      <OverrideTabs label="Limits apply to" tabs={TABS} selected={draft.tab} onSelect={(tab) => onDraft({ ...draft, tab })} />
      <label className="field deck-options-row">
        <span>New cards/day</span>
        <input type="number" min={0} max={9999} value={shown[0]} onChange={(e) => change(0, Number(e.target.value))} />
      </label>
      <label className="field deck-options-row">
        <span>Maximum reviews/day</span>
        <input type="number" min={0} max={9999} value={shown[1]} onChange={(e) => change(1, Number(e.target.value))} />
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={switches.new_cards_ignore_review_limit}
          onChange={(e) => onSwitches({ new_cards_ignore_review_limit: e.target.checked })}
        />
        <span>
          New cards ignore review limit <span className="muted small">(all presets)</span>
        </span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={switches.apply_all_parent_limits}
          onChange={(e) => onSwitches({ apply_all_parent_limits: e.target.checked })}
        />
        <span>
          Limits start from top <span className="muted small">(a subdeck is held to its parents' limits too)</span>
        </span>
      </label>
    </fieldset>
  );
}
