import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import type { components } from "../../api/schema.gen";
import { apiError, on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import BrowsePage, { COLUMNS_STORAGE_KEY } from "./BrowsePage";

type BrowserRow = components["schemas"]["BrowserRowSchema"];
type Page = components["schemas"]["BrowserPageSchema"];

const COLUMNS = {
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

function row(id: number, overrides: Partial<BrowserRow> = {}): BrowserRow {
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

function page(rows: BrowserRow[], extra: Partial<Page> = {}): Page {
  return { mode: "cards", columns: [], sort: "sort_field", reverse: false, total: rows.length, page: 1, page_size: 50, rows, ...extra };
}

const EMPTY_SIDEBAR = { saved_searches: [], decks: [], notetypes: [], tags: [], flags: [], card_states: [] };

beforeEach(() => {
  window.localStorage.removeItem(COLUMNS_STORAGE_KEY);
  server.use(on("get", "/api/browse/sidebar", () => EMPTY_SIDEBAR));
});

describe("BrowsePage", () => {
  it("shows the chosen columns, the flag as the row's colour, and sorts by a clicked header", async () => {
    const asked: URLSearchParams[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", ({ request }) => {
        asked.push(new URL(request.url).searchParams);
        return page([row(1, { flag: 1, colour: "flag_red" }), row(2)]);
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?q=tag:verbs", route: "/browse" });
    const first = (await screen.findByText("verb 1")).closest("tr")!;
    expect(within(first).getByText("2026-12-24")).toBeTruthy();
    expect(first.getAttribute("data-colour")).toBe("flag_red");
    expect(asked[0].get("search")).toBe("tag:verbs");
    expect(asked[0].get("columns")).toBe("sort_field,card_type,due,deck");
    fireEvent.click(await screen.findByRole("button", { name: "Due" }));
    await waitFor(() => expect(asked.at(-1)?.get("sort")).toBe("due"));
    expect(asked.at(-1)?.get("reverse")).toBe("false");
    fireEvent.click(await screen.findByRole("button", { name: /Due/ }));
    await waitFor(() => expect(asked.at(-1)?.get("reverse")).toBe("true"));
  });

  it("keeps the chosen columns in localStorage", async () => {
    const asked: string[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", ({ request }) => {
        asked.push(new URL(request.url).searchParams.get("columns") ?? "");
        return page([row(1)]);
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Question"));
    await waitFor(() => expect(asked.at(-1)).toBe("sort_field,card_type,due,deck,question"));
    expect(JSON.parse(window.localStorage.getItem(COLUMNS_STORAGE_KEY)!)).toContain("question");
  });

  it("suspends the selected cards and tags them, then shows the rows fetched again", async () => {
    let fetched = 0;
    const suspended: number[][] = [];
    const tagged: string[][] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", () => {
        fetched += 1;
        return page([row(1), row(2)]);
      }),
      on("post", "/api/cards/suspend", ({ body }) => {
        suspended.push(body!.card_ids);
        return { card_ids: body!.card_ids, updated: 1 };
      }),
      on("post", "/api/cards/tag", ({ body }) => {
        tagged.push(body!.add ?? []);
        return { card_ids: body!.card_ids, updated: 2 };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Select card 1"));
    fireEvent.click(screen.getByRole("button", { name: "Suspend" }));
    await waitFor(() => expect(fetched).toBe(2));
    expect(suspended).toEqual([[1]]);
    fireEvent.click(screen.getByLabelText("Select all"));
    window.prompt = () => "verbs irregular";
    fireEvent.click(screen.getByRole("button", { name: "Add tags" }));
    await waitFor(() => expect(tagged).toEqual([["verbs", "irregular"]]));
  });

  it("buries the selected cards, then undoes it", async () => {
    const buried: number[][] = [];
    let undone = 0;
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", () => page([row(1), row(2)])),
      on("post", "/api/cards/bury", ({ body }) => {
        buried.push(body!.card_ids);
        return { card_ids: body!.card_ids, changed: 1 };
      }),
      on("post", "/api/undo", () => {
        undone += 1;
        return { label: "Bury", card_id: null, cards: 1, notes: 0 };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Select card 2"));
    fireEvent.click(screen.getByRole("button", { name: "Bury" }));
    await waitFor(() => expect(buried).toEqual([[2]]));
    fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    await waitFor(() => expect(undone).toBe(1));
  });

  it("runs the search of a sidebar item", async () => {
    const searches: (string | null)[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/sidebar", () => ({
        saved_searches: [],
        decks: [{ id: 2, name: "Spanish", filtered: false, search: '"deck:Spanish"' }],
        notetypes: [],
        tags: [],
        flags: [{ flag: 1, name: "Red", search: "flag:1" }],
        card_states: [],
      })),
      on("get", "/api/browse/rows", ({ request }) => {
        searches.push(new URL(request.url).searchParams.get("search"));
        return page([row(1)]);
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByRole("button", { name: "Spanish" }));
    await waitFor(() => expect(searches.at(-1)).toBe('"deck:Spanish"'));
    expect((screen.getByLabelText("Search") as HTMLInputElement).value).toBe('"deck:Spanish"');
  });

  it("moves with the arrow keys and opens the editor with Enter", async () => {
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", () => page([row(1), row(2)])),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    await screen.findByText("verb 2");
    const body = screen.getByLabelText("Rows");
    fireEvent.keyDown(body, { key: "ArrowDown" });
    expect((screen.getByLabelText("Select card 2") as HTMLInputElement).checked).toBe(true);
    fireEvent.keyDown(body, { key: "ArrowUp" });
    expect((screen.getByLabelText("Select card 1") as HTMLInputElement).checked).toBe(true);
  });

  it("shows a bad search's error in place of results", async () => {
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/browse/columns", () => COLUMNS),
      on("get", "/api/browse/rows", () => apiError(400, "invalid_request", "unknown search term 'frobnicate:'")),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?q=frobnicate:x", route: "/browse" });
    expect((await screen.findByRole("alert")).textContent).toContain("unknown search term");
    expect(screen.queryAllByRole("row")).toHaveLength(1); // the header only
  });
});
