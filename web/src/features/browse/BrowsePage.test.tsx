import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { components } from "../../api/schema.gen";
import { deckNode } from "../../test/fixtures";
import { apiError, on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import BrowsePage from "./BrowsePage";

type CardRow = components["schemas"]["CardRowSchema"];

function row(id: number, overrides: Partial<CardRow> = {}): CardRow {
  return {
    card_id: id,
    note_id: id * 10,
    deck_id: 2,
    deck_name: "Spanish::Verbs",
    notetype: "Basic",
    sort_field: `<b>verb ${id}</b>`,
    ord: 0,
    type: 2,
    queue: 2,
    due: 100,
    ivl: 45,
    factor: 2500,
    reps: 3,
    lapses: 0,
    flags: 0,
    suspended: false,
    tags: ["verbs"],
    ...overrides,
  };
}

describe("BrowsePage", () => {
  it("shows each row's sort field as text, its deck, and its interval", async () => {
    const queries: (string | null)[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [deckNode(1, "Spanish", [deckNode(2, "Spanish::Verbs")])] })),
      on("get", "/api/cards", ({ request }) => {
        queries.push(new URL(request.url).searchParams.get("q"));
        return { cards: [row(1), row(2, { type: 0, ivl: 0 })], total: 2, page: 1, page_size: 50 };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?q=tag:verbs", route: "/browse" });
    const first = (await screen.findByText("verb 1")).closest("tr")!;
    expect(within(first).getByText("Spanish › Verbs")).toBeTruthy();
    expect(within(first).getByText("1.5mo")).toBeTruthy();
    expect(within(screen.getByText("verb 2").closest("tr")!).getByText("new")).toBeTruthy();
    expect(queries).toEqual(["tag:verbs"]);
  });

  it("suspends the selected cards, then shows the list fetched again", async () => {
    let suspended = false;
    const sent: number[][] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/cards", () => ({ cards: [row(1, { suspended })], total: 1, page: 1, page_size: 50 })),
      on("post", "/api/cards/suspend", ({ body }) => {
        sent.push(body!.card_ids);
        suspended = true;
        return { card_ids: body!.card_ids, updated: 1 };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Select card 1"));
    fireEvent.click(screen.getByRole("button", { name: "Suspend" }));
    await waitFor(() => expect(screen.getByText("suspended")).toBeTruthy());
    expect(sent).toEqual([[1]]);
  });

  it("shows a bad search's error in place of results", async () => {
    server.use(
      on("get", "/api/decks", () => ({ decks: [] })),
      on("get", "/api/cards", () => apiError(400, "invalid_request", "unknown search term 'frobnicate:'")),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?q=frobnicate:x", route: "/browse" });
    expect((await screen.findByRole("alert")).textContent).toContain("unknown search term");
    expect(screen.queryAllByRole("row")).toHaveLength(1); // the header only
  });
});
