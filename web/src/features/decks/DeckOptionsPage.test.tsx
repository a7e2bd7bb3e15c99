import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { components } from "../../api/schema.gen";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import DeckOptionsPage from "./DeckOptionsPage";

type Schemas = components["schemas"];

function preset(id: number, name: string, overrides: Partial<Schemas["PresetSchema"]> = {}): Schemas["PresetSchema"] {
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

function deck(overrides: Partial<Schemas["DeckSchema"]> = {}): Schemas["DeckSchema"] {
  return {
    id: 4,
    name: "Spanish",
    basename: "Spanish",
    dyn: false,
    collapsed: false,
    counts: { new: 3, learning: 0, review: 0 },
    preset_id: 1,
    limits: { new: null, review: null, new_today: null, review_today: null, new_today_active: false, review_today_active: false },
    fsrs: false,
    collection_options: { new_cards_ignore_review_limit: false, apply_all_parent_limits: false, load_balancer: true },
    ...overrides,
  };
}

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
      limits: { new: null, review: null, new_today: null, review_today: null },
    });
  });

  it("keeps this deck's and today's limits apart from the preset's", async () => {
    const deckPuts: unknown[] = [];
    server.use(
      on("get", "/api/decks/{deck_id}", () =>
        deck({ limits: { new: 12, review: null, new_today: 1, review_today: null, new_today_active: false, review_today_active: false } }),
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
      limits: { new: 12, review: null, new_today: 30, review_today: 200 },
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
