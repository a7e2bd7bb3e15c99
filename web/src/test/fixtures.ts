/** Typed sample answers of the server, for the network mocks. */
import type { components } from "../api/schema.gen";

type Schemas = components["schemas"];

export function reviewCard(id: number, overrides: Partial<Schemas["ReviewCardSchema"]> = {}): Schemas["ReviewCardSchema"] {
  return {
    card_id: id,
    note_id: id * 10,
    deck_id: 7,
    home_deck_id: 7,
    question: `Q${id}`,
    answer: `A${id}`,
    css: "",
    intervals: ["1m", "6m", "10m", "4d"],
    interval_seconds: [60, 360, 600, 345600],
    queue: 0,
    kind: "new",
    typed_answer: null,
    audio: { autoplay: false, replay_question: true },
    timer: { show: false, stop_on_answer: false, max_secs: 60 },
    auto_advance: { question_secs: 0, answer_secs: 0, wait_for_audio: true, question_action: 0, answer_action: 0 },
    flag: 0,
    marked: false,
    ...overrides,
  };
}

export function answered(cardId: number, rating: number): Schemas["AnsweredSchema"] {
  return { success: true, card_id: cardId, rating, revlog_id: 1, queue: 2, type: 2, due: 1, ivl: 1, leeched: false };
}

export function deckNode(id: number, name: string, children: Schemas["DeckNodeSchema"][] = []): Schemas["DeckNodeSchema"] {
  return {
    id,
    name,
    basename: name.split("::").pop() ?? name,
    dyn: false,
    collapsed: false,
    new: 0,
    learning: 0,
    review: 0,
    children,
  };
}

const rate = { passed: 0, failed: 0, rate: null };
const period = { young: rate, mature: rate, total: rate };

export function stats(studiedToday = 0): Schemas["StatsSchema"] {
  return {
    today: {
      day: 100,
      studied: studiedToday,
      time_secs: 0,
      again: 0,
      learn: 0,
      review: 0,
      relearn: 0,
      filtered: 0,
      mature_passed: 0,
      mature_answers: 0,
    },
    reviews_per_day: [],
    forecast: [],
    intervals: { buckets: [], total: 0, mean: null, max: null },
    eases: { buckets: [], total: 0, mean: null },
    hourly: [],
    retention: { today: period, yesterday: period, week: period, month: period, year: period, all: period },
    streak: { current: 0, longest: 0, studied_today: false },
    card_counts: { new: 0, learning: 0, relearning: 0, young: 0, mature: 0, suspended: 0, buried: 0, total: 0 },
    calendar: { start: "2026-01-01", end: "2026-12-31", days: [] },
    due_counts: [],
  };
}

export function importJob(overrides: Partial<Schemas["ImportJobSchema"]> = {}): Schemas["ImportJobSchema"] {
  return { job_id: "j1", status: "running", progress: 0, stage: "queued", report: null, error: null, ...overrides };
}

export function importReport(overrides: Partial<Schemas["ImportReportSchema"]> = {}): Schemas["ImportReportSchema"] {
  return {
    notes_added: 0,
    notes_updated: 0,
    notes_skipped: 0,
    cards_added: 0,
    revlog_added: 0,
    decks_added: [],
    notetypes_added: [],
    notetypes_updated: [],
    media_added: 0,
    media_unchanged: 0,
    media_renamed: {},
    cards_dropped: 0,
    replaced_collection: false,
    ...overrides,
  };
}

/** A deck options preset as `GET /api/presets` gives it, with Anki's defaults. */
export function preset(id: number, name: string, overrides: Partial<Schemas["PresetSchema"]> = {}): Schemas["PresetSchema"] {
  return {
    id,
    name,
    use_count: 1,
    new_per_day: 20,
    reviews_per_day: 200,
    learn_steps: [1, 10],
    graduating_interval_good: 1,
    graduating_interval_easy: 4,
    new_card_insert_order: 0,
    relearn_steps: [10],
    minimum_lapse_interval: 1,
    leech_threshold: 8,
    leech_action: 1,
    new_card_gather_priority: 0,
    new_card_sort_order: 0,
    new_mix: 0,
    interday_learning_mix: 0,
    review_order: 0,
    bury_new: false,
    bury_reviews: false,
    bury_interday_learning: false,
    disable_autoplay: false,
    skip_question_when_replaying_answer: false,
    cap_answer_time_to_secs: 60,
    show_timer: false,
    stop_timer_on_answer: false,
    seconds_to_show_question: 0,
    seconds_to_show_answer: 0,
    wait_for_audio: true,
    question_action: 0,
    answer_action: 0,
    easy_days_percentages: [1, 1, 1, 1, 1, 1, 1],
    maximum_review_interval: 36500,
    initial_ease: 2.5,
    easy_multiplier: 1.3,
    interval_multiplier: 1,
    hard_multiplier: 1.2,
    lapse_multiplier: 0,
    desired_retention: 0.9,
    historical_retention: 0.9,
    fsrs_params_4: [],
    fsrs_params_5: [],
    fsrs_params_6: [],
    param_search: "",
    ignore_revlogs_before_date: "",
    ...overrides,
  };
}

/** A deck as GET /api/decks/<id> gives it: Spanish (4), Default preset, FSRS off. */
export function deckDetail(overrides: Partial<Schemas["DeckSchema"]> = {}): Schemas["DeckSchema"] {
  return {
    id: 4,
    name: "Spanish",
    basename: "Spanish",
    dyn: false,
    collapsed: false,
    counts: { new: 3, learning: 0, review: 0 },
    preset_id: 1,
    limits: { new: null, review: null, new_today: null, review_today: null, new_today_active: false, review_today_active: false, desired_retention: null },
    fsrs: false,
    collection_options: { new_cards_ignore_review_limit: false, apply_all_parent_limits: false, load_balancer: true },
    ...overrides,
  };
}
