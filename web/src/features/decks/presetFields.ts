/** The options of a preset, grouped as Anki's deck options screen shows them. */
import type { Preset } from "./api";

type Choices = ReadonlyArray<readonly [number, string]>;

export type OptionField =
  | { key: keyof Preset; label: string; kind: "int"; min: number; max: number; hint?: string }
  | { key: keyof Preset; label: string; kind: "float"; min: number; max: number; step: number; hint?: string }
  | { key: keyof Preset; label: string; kind: "percent"; min: number; max: number; hint?: string }
  | { key: keyof Preset; label: string; kind: "bool"; hint?: string }
  | { key: keyof Preset; label: string; kind: "steps"; hint?: string }
  | { key: keyof Preset; label: string; kind: "choice"; choices: Choices; hint?: string };

export interface OptionSection {
  title: string;
  fields: OptionField[];
}

const MIX: Choices = [
  [0, "Mix with reviews"],
  [1, "Show after reviews"],
  [2, "Show before reviews"],
];

export const SECTIONS: OptionSection[] = [
  {
    title: "New Cards",
    fields: [
      { key: "learn_steps", label: "Learning steps", kind: "steps", hint: "e.g. 1m 10m" },
      { key: "graduating_interval_good", label: "Graduating interval (days)", kind: "int", min: 1, max: 36500 },
      { key: "graduating_interval_easy", label: "Easy interval (days)", kind: "int", min: 1, max: 36500 },
      {
        key: "new_card_insert_order",
        label: "Insertion order",
        kind: "choice",
        choices: [
          [0, "Sequential (oldest cards first)"],
          [1, "Random"],
        ],
      },
    ],
  },
  {
    title: "Lapses",
    fields: [
      { key: "relearn_steps", label: "Relearning steps", kind: "steps", hint: "e.g. 10m" },
      { key: "minimum_lapse_interval", label: "Minimum interval (days)", kind: "int", min: 1, max: 36500 },
      { key: "leech_threshold", label: "Leech threshold", kind: "int", min: 1, max: 9999 },
      {
        key: "leech_action",
        label: "Leech action",
        kind: "choice",
        choices: [
          [1, "Tag Only"],
          [0, "Suspend Card"],
        ],
      },
    ],
  },
  {
    title: "Display Order",
    fields: [
      {
        key: "new_card_gather_priority",
        label: "New card gather order",
        kind: "choice",
        choices: [
          [0, "Deck"],
          [5, "Deck, then random notes"],
          [1, "Ascending position"],
          [2, "Descending position"],
          [3, "Random notes"],
          [4, "Random cards"],
        ],
      },
      {
        key: "new_card_sort_order",
        label: "New card sort order",
        kind: "choice",
        choices: [
          [0, "Card type, then order gathered"],
          [1, "Order gathered"],
          [2, "Card type, then random"],
          [3, "Random note, then card type"],
          [4, "Random"],
        ],
      },
      { key: "new_mix", label: "New/review order", kind: "choice", choices: MIX },
      { key: "interday_learning_mix", label: "Interday learning/review order", kind: "choice", choices: MIX },
      {
        key: "review_order",
        label: "Review sort order",
        kind: "choice",
        choices: [
          [0, "Due date, then random"],
          [1, "Due date, then deck"],
          [2, "Deck, then due date"],
          [3, "Ascending intervals"],
          [4, "Descending intervals"],
          [5, "Ascending ease"],
          [6, "Descending ease"],
          [7, "Ascending retrievability"],
          [11, "Descending retrievability"],
          [12, "Relative overdueness"],
          [8, "Random"],
          [9, "Order added"],
          [10, "Reverse order added"],
        ],
      },
    ],
  },
  {
    title: "Burying",
    fields: [
      { key: "bury_new", label: "Bury new siblings", kind: "bool" },
      { key: "bury_reviews", label: "Bury review siblings", kind: "bool" },
      { key: "bury_interday_learning", label: "Bury interday learning siblings", kind: "bool" },
    ],
  },
  {
    title: "Audio",
    fields: [
      { key: "disable_autoplay", label: "Don't play audio automatically", kind: "bool" },
      { key: "skip_question_when_replaying_answer", label: "Skip question when replaying answer", kind: "bool" },
    ],
  },
  {
    title: "Timers",
    fields: [
      { key: "cap_answer_time_to_secs", label: "Maximum answer seconds", kind: "int", min: 1, max: 9999 },
      { key: "show_timer", label: "Show answer timer", kind: "bool" },
      { key: "stop_timer_on_answer", label: "Stop timer on answer", kind: "bool" },
    ],
  },
  {
    title: "Auto Advance",
    fields: [
      { key: "seconds_to_show_question", label: "Seconds to show question for", kind: "float", min: 0, max: 9999, step: 0.1 },
      { key: "seconds_to_show_answer", label: "Seconds to show answer for", kind: "float", min: 0, max: 9999, step: 0.1 },
      { key: "wait_for_audio", label: "Wait for audio", kind: "bool" },
      {
        key: "question_action",
        label: "Question action",
        kind: "choice",
        choices: [
          [0, "Show Answer"],
          [1, "Show Reminder"],
        ],
      },
      {
        key: "answer_action",
        label: "Answer action",
        kind: "choice",
        choices: [
          [0, "Bury Card"],
          [1, "Answer Again"],
          [2, "Answer Good"],
          [3, "Answer Hard"],
          [4, "Show Reminder"],
        ],
      },
    ],
  },
  {
    title: "Advanced",
    fields: [
      { key: "maximum_review_interval", label: "Maximum interval (days)", kind: "int", min: 1, max: 36500 },
      { key: "initial_ease", label: "Starting ease", kind: "percent", min: 131, max: 500 },
      { key: "easy_multiplier", label: "Easy bonus", kind: "percent", min: 100, max: 500 },
      { key: "interval_multiplier", label: "Interval modifier", kind: "percent", min: 50, max: 200 },
      { key: "hard_multiplier", label: "Hard interval", kind: "percent", min: 50, max: 130 },
      { key: "lapse_multiplier", label: "New interval", kind: "percent", min: 0, max: 100 },
    ],
  },
];

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
