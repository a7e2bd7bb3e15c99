/** Answers of the browser's routes for the web tests, typed by the server's schema. */
import type { components } from "../../api/schema.gen";

type Schemas = components["schemas"];

export const COLUMNS: Schemas["ColumnsSchema"] = {
  columns: [
    { key: "sort_field", label: "Sort Field", notes_label: "Sort Field", sortable_cards: true, sortable_notes: true },
    { key: "question", label: "Question", notes_label: "Question", sortable_cards: false, sortable_notes: false },
    { key: "due", label: "Due", notes_label: "Due", sortable_cards: true, sortable_notes: true },
    { key: "deck", label: "Deck", notes_label: "Deck", sortable_cards: true, sortable_notes: true },
    { key: "card_type", label: "Card Type", notes_label: "Cards", sortable_cards: true, sortable_notes: true },
  ],
  default_columns: ["sort_field", "card_type", "due", "deck"],
  default_sort: "sort_field",
};

export const EMPTY_SIDEBAR: Schemas["SidebarSchema"] = { saved_searches: [], decks: [], notetypes: [], tags: [], flags: [], card_states: [] };

export function row(id: number, overrides: Partial<Schemas["BrowserRowSchema"]> = {}): Schemas["BrowserRowSchema"] {
  return {
    id,
    note_id: id * 10,
    card_ids: [id],
    notetype_id: 1,
    deck_id: 2,
    ord: 0,
    flag: 0,
    queue: 2,
    type: 2,
    marked: false,
    colour: "",
    cells: { sort_field: `verb ${id}`, card_type: "Card 1", due: "2026-12-24", deck: "Spanish::Verbs" },
    ...overrides,
  };
}

export function page(rows: Schemas["BrowserRowSchema"][], extra: Partial<Schemas["BrowserPageSchema"]> = {}): Schemas["BrowserPageSchema"] {
  return { mode: "cards", columns: [], sort: "sort_field", reverse: false, total: rows.length, page: 1, page_size: 50, rows, ...extra };
}

export const NOTETYPES: Schemas["NotetypeListSchema"] = {
  notetypes: [
    { id: 1, name: "Basic", fields: ["Front", "Back"], templates: ["Card 1"], is_cloze: false, note_count: 2 },
    { id: 3, name: "Vocab", fields: ["Word", "Meaning", "Front"], templates: ["Recognition"], is_cloze: false, note_count: 0 },
  ],
};

export function cardInfo(cardId: number): Schemas["CardInfoSchema"] {
  return {
    card_id: cardId,
    note_id: cardId * 10,
    deck: "Spanish::Verbs",
    original_deck: null,
    preset: "Default",
    notetype: "Basic",
    card_type: "Card 1",
    added: 1_780_000_000,
    first_review: null,
    latest_review: null,
    due_date: null,
    due_position: cardId,
    interval: 0,
    ease: 0,
    reviews: 0,
    lapses: 0,
    average_secs: 0,
    total_secs: 0,
    stability: null,
    difficulty: null,
    retrievability: null,
    desired_retention: null,
    revlog: [],
  };
}

export function note(id: number): Schemas["NoteSchema"] {
  return {
    id,
    guid: "g",
    mod: 1,
    notetype: "Basic",
    notetype_id: 1,
    deck_id: 2,
    card_ids: [id / 10],
    field_names: ["Front", "Back"],
    fields: [`verb ${id / 10}`, "back"],
    tags: [],
  };
}
