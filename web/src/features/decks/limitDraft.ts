/**
 * The deck's own daily limits as edited on the options page: which tab (Preset, This deck,
 * Today only) is selected and the numbers typed, and what they become when saved; with the
 * deck's own FSRS desired retention, which Anki keeps beside them (null: the preset's).
 */
import type { Deck, DeckLimits, Preset } from "./api";

export type LimitTab = "preset" | "deck" | "today";

export interface LimitDraft {
  tab: LimitTab;
  deckNew: number | null;
  deckReview: number | null;
  todayNew: number | null;
  todayReview: number | null;
  deckRetention: number | null;
}

function initialTab(deck: Deck): LimitTab {
  const limits = deck.limits;
  if (limits?.new_today_active || limits?.review_today_active) return "today";
  if (limits?.new != null || limits?.review != null) return "deck";
  return "preset";
}

export function limitDraftOf(deck: Deck): LimitDraft {
  const limits = deck.limits;
  return {
    tab: initialTab(deck),
    deckNew: limits?.new ?? null,
    deckReview: limits?.review ?? null,
    todayNew: limits?.new_today_active ? (limits.new_today ?? null) : null,
    todayReview: limits?.review_today_active ? (limits.review_today ?? null) : null,
    deckRetention: limits?.desired_retention ?? null,
  };
}

/** What the deck's own limits become on save, following the tab the learner left selected. */
export function limitsToSave(draft: LimitDraft, preset: Preset): DeckLimits {
  const retention = { desired_retention: draft.deckRetention };
  if (draft.tab === "preset") return { new: null, review: null, new_today: null, review_today: null, ...retention };
  const deckNew = draft.deckNew ?? preset.new_per_day;
  const deckReview = draft.deckReview ?? preset.reviews_per_day;
  if (draft.tab === "deck") return { new: deckNew, review: deckReview, new_today: null, review_today: null, ...retention };
  return {
    new: draft.deckNew,
    review: draft.deckReview,
    new_today: draft.todayNew ?? deckNew,
    review_today: draft.todayReview ?? deckReview,
    ...retention,
  };
}
