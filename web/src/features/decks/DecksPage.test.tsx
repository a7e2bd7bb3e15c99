import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { deckNode } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { DeckSelect } from "./DeckSelect";
import DecksPage from "./DecksPage";

describe("DecksPage", () => {
  it("shows the tree with its counts, and a created deck after the list is fetched again", async () => {
    let decks = [{ ...deckNode(1, "Spanish", [deckNode(2, "Spanish::Verbs")]), new: 5, review: 2 }];
    const created: string[] = [];
    server.use(
      on("get", "/api/decks", () => ({ decks })),
      on("post", "/api/decks", ({ body }) => {
        created.push(body!.name);
        decks = [...decks, deckNode(3, body!.name)];
        return { id: 3, name: body!.name };
      }),
    );
    logIn();
    renderPage(<DecksPage />);
    const spanish = await screen.findByText("Spanish");
    const row = spanish.closest("[role=row]") as HTMLElement;
    expect(within(row).getByText("5")).toBeTruthy();
    expect(screen.getByText("Verbs")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("New deck name"), { target: { value: "French" } });
    fireEvent.click(screen.getByRole("button", { name: "Create deck" }));
    expect(await screen.findByText("French")).toBeTruthy();
    expect(created).toEqual(["French"]);
  });

  it("collapses a deck at once and saves it", async () => {
    const saved: unknown[] = [];
    let collapsed = false;
    server.use(
      on("get", "/api/decks", () => ({ decks: [{ ...deckNode(1, "Spanish", [deckNode(2, "Spanish::Verbs")]), collapsed }] })),
      on("put", "/api/decks/{deck_id}", ({ body, params }) => {
        saved.push({ id: params.deck_id, ...body });
        collapsed = body!.collapsed ?? collapsed;
        return { id: 1, name: "Spanish", basename: "Spanish", dyn: false, collapsed: true, counts: { new: 0, learning: 0, review: 0 }, preset_id: 1, limits: null, fsrs: false, collection_options: { new_cards_ignore_review_limit: false, apply_all_parent_limits: false, load_balancer: true } };
      }),
    );
    logIn();
    renderPage(<DecksPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Collapse Spanish" }));
    await waitFor(() => expect(screen.queryByText("Verbs")).toBeNull());
    await waitFor(() => expect(saved).toEqual([{ id: "1", collapsed: true }]));
    expect(await screen.findByRole("button", { name: "Expand Spanish" })).toBeTruthy();
  });

  it("leaves out the empty Default deck when the server says Anki would hide it", async () => {
    let hide = true;
    server.use(on("get", "/api/decks", () => ({ decks: [deckNode(1, "Default"), deckNode(2, "Spanish")], hide_default: hide })));
    logIn();
    const first = renderPage(<DecksPage />);
    await screen.findByText("Spanish");
    expect(screen.queryByText("Default")).toBeNull();
    first.unmount();
    hide = false;
    renderPage(<DecksPage />);
    expect(await screen.findByText("Default")).toBeTruthy();
  });

  it("links each normal deck to its options page", async () => {
    server.use(on("get", "/api/decks", () => ({ decks: [deckNode(4, "Spanish"), { ...deckNode(5, "Cram"), dyn: true }] })));
    logIn();
    renderPage(<DecksPage />);
    await screen.findByText("Cram");
    const links = screen.getAllByRole("link", { name: "Options" }).map((a) => a.getAttribute("href"));
    expect(links).toEqual(["/decks/4/options"]);
  });
});

describe("DeckSelect", () => {
  it("lists every deck of the tree, nested ones as Parent › Child", async () => {
    server.use(on("get", "/api/decks", () => ({ decks: [deckNode(1, "Spanish", [deckNode(2, "Spanish::Verbs")]), deckNode(3, "French")] })));
    logIn();
    const chosen: number[] = [];
    renderPage(<DeckSelect label="Deck" value={null} placeholder="All decks" onChange={(id) => chosen.push(id)} />);
    await screen.findByRole("option", { name: "Spanish › Verbs" });
    const options = screen.getAllByRole("option").map((o) => o.textContent);
    expect(options).toEqual(["All decks", "Spanish", "Spanish › Verbs", "French"]);
    fireEvent.change(screen.getByLabelText("Deck"), { target: { value: "2" } });
    expect(chosen).toEqual([2]);
  });
});
