import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deckDetail as deck, preset } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import DeckOptionsPage from "./DeckOptionsPage";

function open() {
  logIn();
  renderPage(<DeckOptionsPage />, { path: "/decks/4/options", route: "/decks/:deckId/options" });
}

afterEach(() => vi.restoreAllMocks());

describe("DeckOptionsPage", () => {
  it("names the deck's preset with deck counts and saves an edited option and the deck's preset", async () => {
    const presetPuts: unknown[] = [];
    const deckPuts: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () => deck()),
      on("get", "/api/presets", () => ({ presets: [{ ...preset(1, "Default"), use_count: 3 }, preset(9, "Light", { new_per_day: 5 })] })),
      on("put", "/api/presets/{preset_id}", ({ body, params }) => {
        presetPuts.push({ id: params.preset_id, ...body });
        return preset(Number(params.preset_id), "Light");
      }),
      on("put", "/api/decks/{deck_id}", ({ body }) => {
        deckPuts.push(body);
        return deck();
      }),
    );
    open();
    const select = (await screen.findByLabelText("Preset")) as HTMLSelectElement;
    expect(select.selectedOptions[0].textContent).toBe("Default (used by 3 decks)");
    fireEvent.change(select, { target: { value: "9" } });
    const limits = screen.getByRole("group", { name: "Daily Limits" });
    const perDay = within(limits).getByLabelText("New cards/day") as HTMLInputElement;
    expect(perDay.value).toBe("5");
    fireEvent.change(perDay, { target: { value: "7" } });
    fireEvent.change(screen.getByLabelText("Learning steps"), { target: { value: "2m 1h" } });
    fireEvent.change(screen.getByLabelText("Review sort order"), { target: { value: "3" } });
    fireEvent.click(screen.getByRole("button", { name: "Save to all subdecks" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(presetPuts).toEqual([{ id: "9", new_per_day: 7, review_order: 3, learn_steps: [2, 60] }]);
    expect(deckPuts[0]).toEqual({
      preset_id: 9,
      apply_to_children: true,
      limits: { new: null, review: null, new_today: null, review_today: null, desired_retention: null },
    });
  });

  it("keeps this deck's and today's limits apart from the preset's", async () => {
    const deckPuts: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () =>
        deck({
          limits: { new: 12, review: null, new_today: 1, review_today: null, new_today_active: false, review_today_active: false, desired_retention: null },
        }),
      ),
      on("get", "/api/presets", () => ({ presets: [preset(1, "Default")] })),
      on("put", "/api/decks/{deck_id}", ({ body }) => {
        deckPuts.push(body);
        return deck();
      }),
    );
    open();
    const limits = await screen.findByRole("group", { name: "Daily Limits" });
    expect(within(limits).getByRole("tab", { name: "This deck" }).getAttribute("aria-selected")).toBe("true");
    expect((within(limits).getByLabelText("New cards/day") as HTMLInputElement).value).toBe("12");
    fireEvent.click(within(limits).getByRole("tab", { name: "Today only" }));
    fireEvent.change(within(limits).getByLabelText("New cards/day"), { target: { value: "30" } });
    fireEvent.click(within(limits).getByRole("tab", { name: "Preset" }));
    expect((within(limits).getByLabelText("New cards/day") as HTMLInputElement).value).toBe("20");
    fireEvent.click(within(limits).getByRole("tab", { name: "Today only" }));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(deckPuts[0]).toEqual({
      preset_id: 1,
      apply_to_children: false,
      limits: { new: 12, review: null, new_today: 30, review_today: 200, desired_retention: null },
    });
  });

  it("saves the collection-wide limit switches and the load balancer only when changed, with easy days", async () => {
    const presetPuts: unknown[] = [];
    const deckPuts: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () => deck()),
      on("get", "/api/presets", () => ({ presets: [preset(1, "Default", { easy_days_percentages: [1, 0, 0.5, 1, 1, 1, 1] })] })),
      on("put", "/api/presets/{preset_id}", ({ body, params }) => {
        presetPuts.push({ id: params.preset_id, ...body });
        return preset(1, "Default");
      }),
      on("put", "/api/decks/{deck_id}", ({ body }) => {
        deckPuts.push(body);
        return deck();
      }),
    );
    open();
    const limits = await screen.findByRole("group", { name: "Daily Limits" });
    fireEvent.click(within(limits).getByLabelText(/New cards ignore review limit/));
    const easyDays = screen.getByRole("group", { name: "Easy Days" });
    expect((within(easyDays).getByLabelText("Tuesday") as HTMLInputElement).value).toBe("0");
    expect((within(easyDays).getByLabelText("Wednesday") as HTMLSelectElement).selectedOptions[0].textContent).toBe("Reduced");
    fireEvent.change(within(easyDays).getByLabelText("Sunday"), { target: { value: "0.5" } });
    fireEvent.click(within(easyDays).getByLabelText(/Load balancer/));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(presetPuts).toEqual([{ id: "1", easy_days_percentages: [1, 0, 0.5, 1, 1, 1, 0.5] }]);
    expect(deckPuts[0]).toMatchObject({
      collection_options: { new_cards_ignore_review_limit: true, apply_all_parent_limits: false, load_balancer: false },
    });
  });

  it("leaves the collection switches out of the save when untouched", async () => {
    const deckPuts: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () => deck()),
      on("get", "/api/presets", () => ({ presets: [preset(1, "Default")] })),
      on("put", "/api/decks/{deck_id}", ({ body }) => {
        deckPuts.push(body);
        return deck();
      }),
    );
    open();
    fireEvent.click(await screen.findByRole("button", { name: "Save" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(deckPuts[0]).not.toHaveProperty("collection_options");
  });

  it("adds, clones and deletes presets; Default cannot be deleted", async () => {
    let presets = [preset(1, "Default"), preset(9, "Light", { new_per_day: 5 })];
    const posted: unknown[] = [];
    const deleted: string[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () => deck({ preset_id: 9 })),
      on("get", "/api/presets", () => ({ presets })),
      on("post", "/api/presets", ({ body }) => {
        posted.push(body);
        presets = [...presets, preset(11, body!.name, { new_per_day: 5 })];
        return { id: 11 };
      }),
      on("delete", "/api/presets/{preset_id}", ({ params }) => {
        deleted.push(params.preset_id);
        presets = presets.filter((p) => p.id !== Number(params.preset_id));
        return { deleted: Number(params.preset_id) };
      }),
    );
    vi.spyOn(window, "prompt").mockReturnValue("Light copy");
    vi.spyOn(window, "confirm").mockReturnValue(true);
    open();
    const select = (await screen.findByLabelText("Preset")) as HTMLSelectElement;
    expect(select.value).toBe("9");
    fireEvent.click(screen.getByRole("button", { name: "Clone preset" }));
    await waitFor(() => expect(select.value).toBe("11"));
    expect(posted).toEqual([{ name: "Light copy", clone_of: 9 }]);
    fireEvent.click(screen.getByRole("button", { name: "Delete preset" }));
    await waitFor(() => expect(select.value).toBe("1"));
    expect(deleted).toEqual(["11"]);
    expect((screen.getByRole("button", { name: "Delete preset" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
