import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apiError, on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import BrowsePage, { COLUMNS_STORAGE_KEY } from "./BrowsePage";
import { COLUMNS, EMPTY_SIDEBAR, NOTETYPES, cardInfo, note, page, row } from "./testData";
import { INFO_STORAGE_KEY } from "./useBrowseView";

beforeAll(() => {
  // The note editor's rich fields (ProseMirror) measure text ranges, which jsdom does not lay out.
  const noRects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;
  Range.prototype.getClientRects ??= noRects;
  Range.prototype.getBoundingClientRect ??= () => new DOMRect();
  Element.prototype.getClientRects ??= noRects;
});

beforeEach(() => {
  window.localStorage.removeItem(COLUMNS_STORAGE_KEY);
  window.localStorage.removeItem(INFO_STORAGE_KEY);
  server.use(
    on("get", "/api/browse/sidebar", () => EMPTY_SIDEBAR),
    on("get", "/api/decks", () => ({ decks: [] })),
    on("get", "/api/browse/columns", () => COLUMNS),
    on("get", "/api/notetypes", () => NOTETYPES),
    on("get", "/api/undo", () => ({ next: null })),
  );
});

describe("BrowsePage", () => {
  it("shows the chosen columns, the flag as the row's colour, and sorts by a clicked header", async () => {
    const asked: URLSearchParams[] = [];
    server.use(
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
    fireEvent.click(await screen.findByRole("button", { name: /^Due/ }));
    await waitFor(() => expect(asked.at(-1)?.get("reverse")).toBe("true"));
  });

  it("reads ?search= (the editor's duplicate link) into the search box", async () => {
    const searches: (string | null)[] = [];
    server.use(
      on("get", "/api/browse/rows", ({ request }) => {
        searches.push(new URL(request.url).searchParams.get("search"));
        return page([row(1)]);
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?search=nid:10,20", route: "/browse" });
    await screen.findByText("verb 1");
    expect(searches[0]).toBe("nid:10,20");
    expect((screen.getByLabelText("Search") as HTMLInputElement).value).toBe("nid:10,20");
  });

  it("keeps the chosen columns, in the chosen order, in localStorage", async () => {
    const asked: string[] = [];
    server.use(
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
    fireEvent.click(screen.getByRole("button", { name: "Move Question left" }));
    await waitFor(() => expect(asked.at(-1)).toBe("sort_field,card_type,due,question,deck"));
    expect((screen.getByRole("button", { name: "Move Sort Field left" }) as HTMLButtonElement).disabled).toBe(true);
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers.slice(1)).toEqual(["Sort Field ▲", "Card Type", "Due", "Question", "Deck"]);
  });

  it("suspends the selected cards and tags them; the rows shown stay, fetched again by id", async () => {
    const searches: (string | null)[] = [];
    let suspended: number[][] = [];
    const tagged: string[][] = [];
    server.use(
      on("get", "/api/browse/rows", ({ request }) => {
        searches.push(new URL(request.url).searchParams.get("search"));
        const queue = suspended.length ? -1 : 2;
        // The server answers an id search in its sort order; the table keeps its own order.
        return searches.length > 1 ? page([row(2, { queue }), row(1, { queue, colour: "suspended" })]) : page([row(1), row(2)]);
      }),
      on("post", "/api/cards/suspend", ({ body }) => {
        suspended = [...suspended, body!.card_ids];
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
    await waitFor(() => expect(screen.getByText("verb 1").closest("tr")!.getAttribute("data-colour")).toBe("suspended"));
    expect(suspended).toEqual([[1]]);
    expect(searches[0]).toBe("");
    expect(searches.at(-1)).toBe("cid:1,2");
    expect(screen.getAllByRole("row").slice(1).map((r) => r.textContent)).toEqual([
      expect.stringContaining("verb 1"),
      expect.stringContaining("verb 2"),
    ]);
    fireEvent.click(screen.getByLabelText("Select all"));
    fireEvent.click(screen.getByRole("button", { name: "Add tags" }));
    const dialog = await screen.findByRole("dialog", { name: "Add Tags" });
    const input = within(dialog).getByLabelText(/Tags to add/);
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: "verbs  irregular" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(tagged).toEqual([["verbs", "irregular"]]));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("buries the selected cards, then undoes it and says what was undone", async () => {
    const buried: number[][] = [];
    server.use(
      on("get", "/api/browse/rows", () => page([row(1), row(2)])),
      on("post", "/api/cards/bury", ({ body }) => {
        buried.push(body!.card_ids);
        return { card_ids: body!.card_ids, changed: 1 };
      }),
      on("post", "/api/undo", () => {
        buried.length = 0;
        return { label: "Bury", card_id: null, cards: 1, notes: 0 };
      }),
      on("get", "/api/undo", () => ({ next: buried.length ? { label: "Bury", undoable: true } : null })),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Select card 2"));
    expect((screen.getByRole("button", { name: /^Undo/ }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Bury" }));
    await waitFor(() => expect(buried).toEqual([[2]]));
    fireEvent.click(await screen.findByRole("button", { name: "Undo Bury" }));
    expect((await screen.findByRole("status")).textContent).toBe("Undone: Bury");
    await waitFor(() => expect((screen.getByRole("button", { name: "Undo" }) as HTMLButtonElement).disabled).toBe(true));
  });

  it("runs the search of a sidebar item, saves the search and deletes a saved one", async () => {
    const searches: (string | null)[] = [];
    const saved: { name: string; search: string }[] = [];
    const deleted: (string | null)[] = [];
    server.use(
      on("get", "/api/browse/sidebar", () => ({
        ...EMPTY_SIDEBAR,
        saved_searches: [{ name: "Leeches", search: "tag:leech" }],
        decks: [{ id: 2, name: "Spanish", filtered: false, search: '"deck:Spanish"' }],
      })),
      on("get", "/api/browse/rows", ({ request }) => {
        searches.push(new URL(request.url).searchParams.get("search"));
        return page([row(1)]);
      }),
      on("post", "/api/browse/saved-searches", ({ body }) => {
        saved.push(body!);
        return { saved_searches: [body!] };
      }),
      on("delete", "/api/browse/saved-searches", ({ request }) => {
        deleted.push(new URL(request.url).searchParams.get("name"));
        return { saved_searches: [] };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByRole("button", { name: "Spanish" }));
    await waitFor(() => expect(searches.at(-1)).toBe('"deck:Spanish"'));
    expect((screen.getByLabelText("Search") as HTMLInputElement).value).toBe('"deck:Spanish"');
    fireEvent.click(screen.getByRole("button", { name: "Leeches" }), { ctrlKey: true });
    await waitFor(() => expect(searches.at(-1)).toBe('("deck:Spanish") tag:leech'));

    fireEvent.click(screen.getByRole("button", { name: "+ Save current search" }));
    const dialog = await screen.findByRole("dialog", { name: "Save Current Search" });
    fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "Spanish words" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saved).toEqual([{ name: "Spanish words", search: '("deck:Spanish") tag:leech' }]));

    window.confirm = () => true;
    fireEvent.click(screen.getByRole("button", { name: "Delete saved search Leeches" }));
    await waitFor(() => expect(deleted).toEqual(["Leeches"]));
  });

  it("moves with the arrow keys, selects all with Ctrl+A and deletes with Delete after asking", async () => {
    const deleted: number[][] = [];
    server.use(
      on("get", "/api/browse/rows", () => page([row(1), row(2), row(3)])),
      on("post", "/api/cards/delete-notes", ({ body }) => {
        deleted.push(body!.card_ids);
        return { note_ids: [], cards: body!.card_ids.length };
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    await screen.findByText("verb 3");
    const body = screen.getByLabelText("Rows");
    const checked = (id: number) => (screen.getByLabelText(`Select card ${id}`) as HTMLInputElement).checked;
    fireEvent.keyDown(body, { key: "ArrowDown" });
    expect([checked(1), checked(2), checked(3)]).toEqual([false, true, false]);
    fireEvent.keyDown(body, { key: "ArrowDown", shiftKey: true });
    expect([checked(1), checked(2), checked(3)]).toEqual([false, true, true]);
    fireEvent.keyDown(body, { key: "ArrowUp" });
    expect([checked(1), checked(2), checked(3)]).toEqual([false, true, false]);
    fireEvent.keyDown(body, { key: "f", ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByLabelText("Search"));
    fireEvent.keyDown(body, { key: "a", ctrlKey: true });
    expect([checked(1), checked(2), checked(3)]).toEqual([true, true, true]);
    let asked = "";
    window.confirm = (message?: string) => {
      asked = message ?? "";
      return false;
    };
    fireEvent.keyDown(body, { key: "Delete" });
    expect(asked).toBe("Delete 3 notes and all their cards?");
    expect(deleted).toEqual([]);
    window.confirm = () => true;
    fireEvent.keyDown(body, { key: "Delete" });
    await waitFor(() => expect(deleted).toEqual([[1, 2, 3]]));
  });

  it("opens the note editor with Enter; it takes focus, Escape closes it and the table has focus again", async () => {
    let saved = false;
    server.use(
      on("get", "/api/browse/rows", () => page([row(1), row(2, saved ? { cells: { ...row(2).cells, sort_field: "verb two" } } : {})])),
      on("put", "/api/notes/{note_id}", ({ params }) => {
        saved = true;
        return note(Number(params.note_id));
      }),
      on("get", "/api/notes/{note_id}", ({ params }) => note(Number(params.note_id))),
      on("get", "/api/tags", () => ({ tags: [] })),
      on("post", "/api/notes/duplicates", () => ({ note_ids: [] })),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    await screen.findByText("verb 2");
    const body = screen.getByLabelText("Rows");
    body.focus();
    fireEvent.keyDown(body, { key: "ArrowDown" });
    fireEvent.keyDown(body, { key: "Enter" });
    const editor = await screen.findByRole("dialog", { name: /Edit note/ });
    await waitFor(() => expect(editor.contains(document.activeElement)).toBe(true));
    fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(body));
    // Saving from the editor refreshes the row (the table keeps its rows, as Anki's).
    fireEvent.keyDown(body, { key: "Enter" });
    const again = await screen.findByRole("dialog", { name: /Edit note/ });
    fireEvent.keyDown(again, { key: "Enter", ctrlKey: true });
    expect(await screen.findByText("verb two")).toBeTruthy();
  });

  it("shows the card info of the current row in a side panel", async () => {
    const asked: string[] = [];
    server.use(
      on("get", "/api/browse/rows", () => page([row(1), row(2)])),
      on("get", "/api/cards/{card_id}/info", ({ params }) => {
        asked.push(params.card_id);
        return cardInfo(Number(params.card_id));
      }),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    await screen.findByText("verb 2");
    expect(screen.queryByLabelText("Card info panel")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Card info" }));
    const panel = await screen.findByLabelText("Card info panel");
    expect(await within(panel).findByText("New #1")).toBeTruthy();
    fireEvent.keyDown(screen.getByLabelText("Rows"), { key: "ArrowDown" });
    expect(await within(panel).findByText("New #2")).toBeTruthy();
    expect(asked).toEqual(["1", "2"]);
    expect(window.localStorage.getItem(INFO_STORAGE_KEY)).toBe("true");
    fireEvent.click(within(panel).getByRole("button", { name: "Close card info" }));
    expect(screen.queryByLabelText("Card info panel")).toBeNull();
  });

  it("opens Change Note Type for the selected notes of one type, and refuses two types", async () => {
    server.use(on("get", "/api/browse/rows", () => page([row(1), row(2, { notetype_id: 3 })])));
    logIn();
    renderPage(<BrowsePage />, { path: "/browse" });
    fireEvent.click(await screen.findByLabelText("Select card 1"));
    fireEvent.change(screen.getByLabelText("More actions"), { target: { value: "change-notetype" } });
    const dialog = await screen.findByRole("dialog", { name: "Change note type" });
    expect(within(dialog).getByText("Change note type of 1 note")).toBeTruthy();
    fireEvent.keyDown(dialog, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    fireEvent.click(screen.getByLabelText("Select card 2"));
    fireEvent.keyDown(screen.getByLabelText("Rows"), { key: "m", ctrlKey: true, shiftKey: true });
    expect((await screen.findByRole("alert")).textContent).toContain("only one note type");
  });

  it("shows a bad search's error in place of results, and a new search's rows in place of the error", async () => {
    server.use(
      on("get", "/api/browse/rows", ({ request }) =>
        new URL(request.url).searchParams.get("search") === "frobnicate:x"
          ? apiError(400, "invalid_request", "unknown search term 'frobnicate:'")
          : page([row(1)]),
      ),
    );
    logIn();
    renderPage(<BrowsePage />, { path: "/browse?q=frobnicate:x", route: "/browse" });
    expect((await screen.findByRole("alert")).textContent).toContain("unknown search term");
    expect(screen.queryAllByRole("row")).toHaveLength(0);
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "deck:Spanish" } });
    fireEvent.submit(screen.getByRole("search"));
    await screen.findByText("verb 1");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
