import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { apiError, on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { deckNode } from "../../test/fixtures";
import { CustomStudyDialog } from "./CustomStudyDialog";
import { FilteredDeckDialog, nextFilteredName } from "./FilteredDeckDialog";
import { deckSearch, FilteredMenuItems } from "./FilteredMenuItems";

beforeEach(() => {
  // The filtered deck dialog names a new deck after the decks there are.
  server.use(on("get", "/api/decks", () => ({ decks: [] })));
});

const DEFAULTS = {
  available_new: 40,
  available_new_in_children: 3,
  available_review: 12,
  available_review_in_children: 0,
  extend_new: 0,
  extend_review: 25,
  tags: [
    { name: "irregular", include: false, exclude: false },
    { name: "leech", include: false, exclude: true },
    { name: "verbs", include: true, exclude: false },
  ],
};

function studyServer() {
  const sent: unknown[] = [];
  server.use(
    on("get", "/api/decks/{deck_id}/custom-study", () => DEFAULTS),
    on("post", "/api/decks/{deck_id}/custom-study", ({ body, params }) => {
      sent.push({ deck: params.deck_id, ...body });
      return { deck_id: 99 };
    }),
  );
  return sent;
}

describe("custom study", () => {
  it("shows Anki's available counts for the limit increases", async () => {
    studyServer();
    logIn();
    renderPage(<CustomStudyDialog deckId={5} deckName="Spanish" onClose={() => {}} />);
    expect(screen.getByLabelText<HTMLInputElement>("Increase today's new card limit").checked).toBe(true);
    expect(await screen.findByText("Available new cards: 40 (3 in subdecks)")).toBeTruthy();
    fireEvent.click(screen.getByLabelText("Increase today's review card limit"));
    expect(screen.getByTestId("custom-study-available").textContent).toBe("Available review cards: 12");
    // the last increase is where the number starts, as in Anki
    expect(screen.getByLabelText<HTMLInputElement>(/Increase today's review limit by/).value).toBe("25");
    fireEvent.click(screen.getByLabelText("Review ahead"));
    expect(screen.queryByTestId("custom-study-available")).toBeNull();
  });

  it("sends the chosen mode and its days, then closes", async () => {
    const sent = studyServer();
    const onClose = vi.fn();
    logIn();
    renderPage(<CustomStudyDialog deckId={5} deckName="Spanish" onClose={onClose} />);
    fireEvent.click(screen.getByLabelText("Review ahead"));
    fireEvent.change(screen.getByLabelText(/Review ahead by/), { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(sent).toEqual([
      {
        deck: "5",
        mode: "review_ahead",
        amount: 7,
        cram_kind: "new",
        card_limit: 100,
        tags_to_include: [],
        tags_to_exclude: [],
      },
    ]);
  });

  it("studies by card state and tags", async () => {
    const sent = studyServer();
    logIn();
    renderPage(<CustomStudyDialog deckId={5} deckName="Spanish" onClose={() => {}} />);
    fireEvent.click(screen.getByLabelText("Study by card state or tag"));
    fireEvent.change(screen.getByLabelText(/^Select.*cards from the deck/), { target: { value: "30" } });
    fireEvent.change(screen.getByLabelText("Cards"), { target: { value: "all" } });
    // the last session's choice is where the lists start, as in Anki
    const required = await screen.findByRole("group", { name: "Require one or more of these tags:" });
    const excludedTags = screen.getByRole("group", { name: "Select tags to exclude:" });
    expect(within(required).getByLabelText<HTMLInputElement>("verbs").checked).toBe(true);
    expect(within(excludedTags).getByLabelText<HTMLInputElement>("leech").checked).toBe(true);
    fireEvent.click(within(required).getByLabelText("irregular"));
    fireEvent.click(within(excludedTags).getByLabelText("leech"));
    fireEvent.click(within(excludedTags).getByLabelText("verbs"));
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({
      mode: "cram",
      amount: 0,
      cram_kind: "all",
      card_limit: 30,
      tags_to_include: ["verbs", "irregular"],
      tags_to_exclude: ["verbs"],
    });
  });
});

describe("filtered deck dialog", () => {
  it("builds a new deck from Anki's starting values, with a second filter and preview delays", async () => {
    const sent: unknown[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks: [deckNode(1, "Spanish"), deckNode(2, "Filtered Deck 1")] })),
      on("post", "/api/decks/filtered", ({ body }) => {
        sent.push(body);
        return { id: 7, cards: 3 };
      }),
    );
    logIn();
    renderPage(<FilteredDeckDialog deckSearch="deck:Spanish" onClose={() => {}} />);
    expect((await screen.findByLabelText<HTMLInputElement>("Search")).value).toBe("deck:Spanish is:due");
    expect(screen.getByLabelText<HTMLInputElement>("Name").value).toBe("Filtered Deck 2");
    expect(screen.queryByLabelText("Delay for Again")).toBeNull();
    fireEvent.change(screen.getByLabelText("Limit"), { target: { value: "20" } });
    fireEvent.click(screen.getByLabelText("Enable second filter"));
    expect(screen.getByLabelText<HTMLInputElement>("Search 2").value).toBe("deck:Spanish is:new");
    fireEvent.change(screen.getByLabelText("Cards selected by (filter 2)"), { target: { value: "latest_added_first" } });
    fireEvent.click(screen.getByLabelText("Reschedule cards based on my answers in this deck"));
    fireEvent.change(screen.getByLabelText("Delay for Hard"), { target: { value: "300" } });
    fireEvent.click(screen.getByRole("button", { name: "Build" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      name: "Filtered Deck 2",
      search: "deck:Spanish is:due",
      limit: 20,
      order: "random",
      reschedule: false,
      second_filter: { search: "deck:Spanish is:new", limit: 20, order: "latest_added_first" },
      preview_again_secs: 60,
      preview_hard_secs: 300,
      preview_good_secs: 0,
    });
  });

  it("opens an existing deck filled in and saves the change with a rebuild", async () => {
    const saved: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}/filtered", () => ({
        id: 12,
        name: "Cram",
        terms: [
          { search: "deck:Spanish", limit: 50, order: 6 },
          { search: "tag:verbs", limit: 5, order: 4 },
        ],
        reschedule: false,
        preview_again_secs: 30,
        preview_hard_secs: 90,
        preview_good_secs: 120,
        cards: 8,
      })),
      on("put", "/api/decks/{deck_id}/filtered", ({ body, params }) => {
        saved.push({ id: params.deck_id, ...body });
        return { id: 12, cards: 9 };
      }),
    );
    const onClose = vi.fn();
    logIn();
    renderPage(<FilteredDeckDialog deckId={12} onClose={onClose} />);
    expect(await screen.findByRole("heading", { name: "Filtered deck: Cram" })).toBeTruthy();
    expect(screen.getByLabelText<HTMLSelectElement>("Cards selected by").value).toBe("order_due");
    expect(screen.getByLabelText<HTMLInputElement>("Enable second filter").checked).toBe(true);
    expect(screen.getByLabelText<HTMLSelectElement>("Cards selected by (filter 2)").value).toBe("most_lapses");
    expect(screen.getByLabelText<HTMLInputElement>("Delay for Good").value).toBe("120");
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "deck:Spanish is:due" } });
    fireEvent.click(screen.getByLabelText("Enable second filter"));
    fireEvent.click(screen.getByRole("button", { name: "Rebuild" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(saved).toEqual([
      {
        id: "12",
        name: "Cram",
        search: "deck:Spanish is:due",
        limit: 50,
        order: "order_due",
        reschedule: false,
        second_filter: null,
        preview_again_secs: 30,
        preview_hard_secs: 90,
        preview_good_secs: 120,
      },
    ]);
  });
});

describe("the deck menu's filtered deck items", () => {
  it("opens a filtered deck's options and tells when a rebuild finds nothing", async () => {
    server.use(
      on("get", "/api/decks/{deck_id}/filtered", () => ({
        id: 12,
        name: "Cram",
        terms: [{ search: "deck:Spanish", limit: 50, order: 1 }],
        reschedule: true,
        preview_again_secs: 60,
        preview_hard_secs: 600,
        preview_good_secs: 0,
        cards: 0,
      })),
      on("post", "/api/decks/{deck_id}/rebuild", () => apiError(400, "invalid_request", "the search matched no cards")),
    );
    logIn();
    renderPage(<FilteredMenuItems deck={{ id: 12, name: "Cram", dyn: true }} />);
    expect(screen.queryByRole("button", { name: "Custom study" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Options" }));
    expect(await screen.findByRole("heading", { name: "Filtered deck: Cram" })).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>("Search").value).toBe("deck:Spanish");
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    fireEvent.click(screen.getByRole("button", { name: "Rebuild" }));
    expect((await screen.findByRole("alert")).textContent).toContain("matched no cards");
  });

  it("opens the options again with what was saved, not an older answer", async () => {
    let limit = 50;
    server.use(
      on("get", "/api/decks/{deck_id}/filtered", () => ({
        id: 12,
        name: "Cram",
        terms: [{ search: "deck:Spanish", limit, order: 1 }],
        reschedule: true,
        preview_again_secs: 60,
        preview_hard_secs: 600,
        preview_good_secs: 0,
        cards: 5,
      })),
      on("put", "/api/decks/{deck_id}/filtered", ({ body }) => {
        limit = body!.limit!;
        return { id: 12, cards: limit };
      }),
    );
    logIn();
    renderPage(<FilteredMenuItems deck={{ id: 12, name: "Cram", dyn: true }} />);
    fireEvent.click(screen.getByRole("button", { name: "Options" }));
    fireEvent.change(await screen.findByLabelText("Limit"), { target: { value: "7" } });
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Rebuild" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    fireEvent.click(screen.getByRole("button", { name: "Options" }));
    expect((await screen.findByLabelText<HTMLInputElement>("Limit")).value).toBe("7");
  });

  it("names a new filtered deck with the first free number, as Anki does", () => {
    expect(nextFilteredName([])).toBe("Filtered Deck 1");
    const taken = [deckNode(1, "Filtered Deck 1"), deckNode(2, "A", [deckNode(3, "filtered deck 2")])];
    expect(nextFilteredName(taken)).toBe("Filtered Deck 3");
  });

  it("quotes and escapes a deck name as Anki's search writer does", () => {
    expect(deckSearch("Spanish")).toBe("deck:Spanish");
    expect(deckSearch("Spanish::Verbs")).toBe("deck:Spanish::Verbs");
    expect(deckSearch("My deck")).toBe('"deck:My deck"');
    expect(deckSearch("a_b*")).toBe("deck:a\\_b\\*");
  });
});
