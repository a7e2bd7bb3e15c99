import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import type { components } from "../../api/schema.gen";
import { deckDetail, preset } from "../../test/fixtures";
import { apiError, on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import DeckOptionsPage from "../decks/DeckOptionsPage";
import type { Preset, PresetChanges } from "../decks/api";
import { FsrsSection, formatParams, parseParams } from "./FsrsSection";
import { bucketDays } from "./FsrsSimulator";

type Schemas = components["schemas"];

const TRAINED = Array.from({ length: 21 }, (_, i) => 0.1 + i / 10);

/** The section as the deck options page holds it: a preset draft and the switches. */
function Harness({ changes, start = {} }: { changes: PresetChanges[]; start?: Partial<Preset> }) {
  const [draft, setDraft] = useState(preset(1, "Default", start));
  const [enabled, setEnabled] = useState(true);
  const [reschedule, setReschedule] = useState(false);
  const [deckRetention, setDeckRetention] = useState<number | null>(null);
  return (
    <FsrsSection
      presetId={1}
      preset={draft}
      onChange={(change) => {
        changes.push(change);
        setDraft((old) => ({ ...old, ...change }));
      }}
      enabled={enabled}
      onEnabled={setEnabled}
      reschedule={reschedule}
      onReschedule={setReschedule}
      deckRetention={deckRetention}
      onDeckRetention={setDeckRetention}
    />
  );
}

function simulation(days: number): Schemas["SimulationSchema"] {
  return {
    desired_retention: 0.9,
    days_to_simulate: days,
    daily_review_count: Array.from({ length: days }, (_, i) => i),
    daily_new_count: Array.from({ length: days }, () => 10),
    daily_time_seconds: Array.from({ length: days }, () => 600),
    memorized: Array.from({ length: days }, (_, i) => i * 5),
    simulated_cards: 300,
    studied_cards_left_out: 42,
  };
}

describe("parseParams", () => {
  it("takes empty or 17, 19 or 21 numbers separated by commas or spaces", () => {
    expect(parseParams("")).toEqual([]);
    expect(parseParams(formatParams(TRAINED))).toHaveLength(21);
    expect(parseParams("1, 2, 3")).toBeNull();
    expect(parseParams(Array(21).fill("x").join(","))).toBeNull();
  });
});

describe("bucketDays", () => {
  it("averages days into at most 60 bars", () => {
    const buckets = bucketDays(simulation(365));
    expect(buckets).toHaveLength(53);
    expect(buckets[0]).toEqual({ firstDay: 1, lastDay: 7, reviews: 3 + 10, minutes: 10 });
    expect(buckets[52].lastDay).toBe(365);
    expect(bucketDays(simulation(30))).toHaveLength(30);
  });
});

describe("FsrsSection", () => {
  it("shows progress while optimizing, fills in the new parameters and evaluates them", async () => {
    let finish: (() => void) | undefined;
    let judged: number[] | undefined;
    let optimizedWith: Schemas["OptimizeSchema"] | undefined;
    server.use(
      on("post", "/api/presets/{preset_id}/fsrs/optimize", async ({ body }) => {
        optimizedWith = body;
        await new Promise<void>((resolve) => (finish = resolve));
        return { params: TRAINED, review_count: 812, item_count: 500 };
      }),
      on("post", "/api/presets/{preset_id}/fsrs/evaluate", ({ body }) => {
        judged = body?.params;
        return { log_loss: 0.3512, rmse_bins: 0.0421, item_count: 500 };
      }),
    );
    const changes: PresetChanges[] = [];
    logIn();
    renderPage(<Harness changes={changes} />);
    fireEvent.change(screen.getByLabelText("Optimizer search"), { target: { value: "deck:Spanish" } });
    fireEvent.click(screen.getByRole("button", { name: "Optimize" }));
    expect(await screen.findByRole("progressbar", { name: "Optimizing" })).toBeTruthy();
    await waitFor(() => expect(optimizedWith).toEqual({ params: [], param_search: "deck:Spanish", ignore_revlogs_before_date: "" }));
    expect((screen.getByRole("button", { name: "Optimizing…" }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(finish).toBeDefined());
    act(() => finish?.());
    expect(await screen.findByText(/Optimized from 812 reviews \(500 answers judged\)/)).toBeTruthy();
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect((screen.getByLabelText("FSRS parameters") as HTMLTextAreaElement).value).toBe(formatParams(TRAINED));
    expect(changes).toContainEqual({ fsrs_params_6: TRAINED });

    fireEvent.click(screen.getByRole("button", { name: "Evaluate" }));
    expect(await screen.findByText("Log loss 0.3512, RMSE (bins) 4.21% over 500 answers.")).toBeTruthy();
    expect(judged).toEqual(TRAINED.map((p) => Number(p.toFixed(4))));
  });

  it("says clearly when the server is busy or the reviews are too many", async () => {
    server.use(on("post", "/api/presets/{preset_id}/fsrs/optimize", () => apiError(429, "fsrs_busy", "another run")));
    logIn();
    renderPage(<Harness changes={[]} />);
    fireEvent.click(screen.getByRole("button", { name: "Optimize" }));
    expect((await screen.findByRole("alert")).textContent).toContain("busy with another FSRS optimization");
    server.use(
      on("post", "/api/presets/{preset_id}/fsrs/optimize", () =>
        apiError(422, "too_many_reviews", "more than 400000 reviews"),
      ),
    );
    fireEvent.click(screen.getByRole("button", { name: "Optimize" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("more than 400000 reviews"));
    expect(screen.getByRole("alert").textContent).toContain("Narrow the optimizer search");
  });

  it("keeps malformed parameters out of the draft and hides FSRS options when off", () => {
    const changes: PresetChanges[] = [];
    logIn();
    renderPage(<Harness changes={changes} start={{ fsrs_params_6: TRAINED }} />);
    const box = screen.getByLabelText("FSRS parameters") as HTMLTextAreaElement;
    expect(box.value).toBe(formatParams(TRAINED));
    fireEvent.change(box, { target: { value: "1, 2, 3" } });
    expect(screen.getByRole("alert").textContent).toContain("17, 19 or 21");
    expect(changes).toEqual([]);
    expect((screen.getByRole("button", { name: "Evaluate" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(box, { target: { value: "" } });
    expect(changes).toEqual([{ fsrs_params_6: [], fsrs_params_5: [], fsrs_params_4: [] }]);
    fireEvent.change(screen.getByLabelText("Desired retention"), { target: { value: "0.75" } });
    expect(screen.getByText(/below 80%/)).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: /^FSRS/ }));
    expect(screen.queryByLabelText("Desired retention")).toBeNull();
  });

  it("simulates the workload and takes the suggested retention", async () => {
    let asked: Schemas["SimulateSchema"] | undefined;
    server.use(
      on("post", "/api/presets/{preset_id}/fsrs/simulate", ({ body }) => {
        asked = body;
        return simulation(365);
      }),
      on("post", "/api/presets/{preset_id}/fsrs/optimal-retention", () => ({
        optimal_retention: 0.8712,
        studied_cards: 42,
        new_cards: 300,
      })),
    );
    const changes: PresetChanges[] = [];
    logIn();
    renderPage(<Harness changes={changes} />);
    fireEvent.click(screen.getByText("Retention simulator"));
    fireEvent.change(screen.getByLabelText("Extra new cards"), { target: { value: "300" } });
    fireEvent.click(screen.getByRole("button", { name: "Simulate" }));
    const result = await screen.findByRole("region", { name: "Simulation result" });
    expect(asked).toMatchObject({ days_to_simulate: 365, additional_new_cards: 300, new_limit: 20, desired_retention: 0.9 });
    expect(within(result).getByText("Reviews/day").nextSibling?.textContent).toBe("182.0");
    expect(within(result).getByText("Minutes/day").nextSibling?.textContent).toBe("10.0");
    expect(result.querySelectorAll(".fsrs-bar")).toHaveLength(53);
    expect(result.textContent).toContain("The 42 cards you have already studied are not part of this simulation.");

    fireEvent.click(screen.getByRole("button", { name: "Help me decide" }));
    fireEvent.click(await screen.findByRole("button", { name: "Use 0.87" }));
    expect(changes).toContainEqual({ desired_retention: 0.87 });
    expect((screen.getByLabelText("Desired retention") as HTMLInputElement).value).toBe("0.87");
    expect((screen.getByLabelText("Retention to simulate") as HTMLInputElement).value).toBe("0.87");
  });
});

/** The options page's server for `deck` with the Default preset; what the page saves. */
function optionsServer(deck: Schemas["DeckSchema"]): { presetPuts: unknown[]; deckPuts: unknown[] } {
  const presetPuts: unknown[] = [];
  const deckPuts: unknown[] = [];
  server.use(
    on("get", "/api/decks/{deck_id}", () => deck),
    on("get", "/api/presets", () => ({ presets: [preset(1, "Default")] })),
    on("put", "/api/presets/{preset_id}", ({ body }) => {
      presetPuts.push(body);
      return preset(1, "Default");
    }),
    on("put", "/api/decks/{deck_id}", ({ body }) => {
      deckPuts.push(body);
      return deck;
    }),
  );
  return { presetPuts, deckPuts };
}

describe("DeckOptionsPage with FSRS", () => {
  it("saves FSRS on, a new retention and parameters with 'reschedule cards on change'", async () => {
    const { presetPuts, deckPuts } = optionsServer(deckDetail());
    server.use(
      on("post", "/api/presets/{preset_id}/fsrs/optimize", () => ({ params: TRAINED, review_count: 90, item_count: 60 })),
    );
    logIn();
    renderPage(<DeckOptionsPage />, { path: "/decks/4/options", route: "/decks/:deckId/options" });
    const fsrs = await screen.findByRole("group", { name: "FSRS" });
    fireEvent.click(within(fsrs).getByRole("checkbox", { name: /^FSRS/ }));
    fireEvent.change(within(fsrs).getByLabelText("Desired retention"), { target: { value: "0.85" } });
    fireEvent.click(within(fsrs).getByRole("button", { name: "Optimize" }));
    await within(fsrs).findByText(/Optimized from 90 reviews/);
    fireEvent.click(within(fsrs).getByLabelText("Reschedule cards on change"));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(presetPuts).toEqual([{ desired_retention: 0.85, fsrs_params_6: TRAINED, fsrs_reschedule: true }]);
    expect(deckPuts[0]).toMatchObject({ fsrs: true, fsrs_reschedule: true });
  });

  it("keeps this deck's desired retention apart from the preset's, as Anki's 'This deck' tab", async () => {
    const { presetPuts, deckPuts } = optionsServer(deckDetail({ fsrs: true }));
    logIn();
    renderPage(<DeckOptionsPage />, { path: "/decks/4/options", route: "/decks/:deckId/options" });
    const fsrs = await screen.findByRole("group", { name: "FSRS" });
    const retention = () => within(fsrs).getByLabelText("Desired retention") as HTMLInputElement;
    expect(within(fsrs).getByRole("tab", { name: "Preset" }).getAttribute("aria-selected")).toBe("true");
    fireEvent.click(within(fsrs).getByRole("tab", { name: "This deck" }));
    expect(retention().value).toBe("0.9"); // starts from the preset's
    fireEvent.change(retention(), { target: { value: "0.8" } });
    fireEvent.click(within(fsrs).getByRole("tab", { name: "Preset" }));
    expect(retention().value).toBe("0.9");
    fireEvent.click(within(fsrs).getByRole("tab", { name: "This deck" }));
    fireEvent.change(retention(), { target: { value: "0.82" } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(deckPuts).toHaveLength(1));
    expect(presetPuts).toEqual([]); // the preset's retention is untouched
    expect(deckPuts[0]).toMatchObject({ limits: { desired_retention: 0.82 } });
  });

  it("optimizes all presets one after the other and saves the new parameters with Save", async () => {
    const { presetPuts } = optionsServer(deckDetail({ fsrs: true }));
    const optimized: number[] = [];
    server.use(
      on("get", "/api/presets", () => ({ presets: [preset(1, "Default"), preset(7, "Verbs"), preset(9, "Fresh")] })),
      on("post", "/api/presets/{preset_id}/fsrs/optimize", ({ params }) => {
        const id = Number(params.preset_id);
        optimized.push(id);
        // Default gets new parameters, Verbs already fits, Fresh has no reviews yet
        if (id === 1) return { params: TRAINED, review_count: 90, item_count: 60 };
        if (id === 7) return { params: [], review_count: 40, item_count: 30 };
        return { params: [], review_count: 0, item_count: 0 };
      }),
    );
    logIn();
    renderPage(<DeckOptionsPage />, { path: "/decks/4/options", route: "/decks/:deckId/options" });
    const fsrs = await screen.findByRole("group", { name: "FSRS" });
    fireEvent.click(within(fsrs).getByRole("button", { name: "Optimize all presets" }));
    const done = await within(fsrs).findByText(/New parameters for “Default”: save to use them\./);
    expect(done.textContent).toContain("“Verbs”, “Fresh” keep their parameters");
    expect(optimized).toEqual([1, 7, 9]);
    expect((within(fsrs).getByLabelText("FSRS parameters") as HTMLTextAreaElement).value).toBe(formatParams(TRAINED));
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(presetPuts).toHaveLength(1));
    expect(presetPuts[0]).toEqual({ fsrs_params_6: TRAINED });
  });

  it("says which preset the optimizer stopped at", async () => {
    optionsServer(deckDetail({ fsrs: true }));
    server.use(
      on("get", "/api/presets", () => ({ presets: [preset(1, "Default"), preset(7, "Verbs")] })),
      on("post", "/api/presets/{preset_id}/fsrs/optimize", ({ params }) =>
        Number(params.preset_id) === 1
          ? { params: TRAINED, review_count: 90, item_count: 60 }
          : apiError(429, "fsrs_busy", "another optimization runs"),
      ),
    );
    logIn();
    renderPage(<DeckOptionsPage />, { path: "/decks/4/options", route: "/decks/:deckId/options" });
    const fsrs = await screen.findByRole("group", { name: "FSRS" });
    fireEvent.click(within(fsrs).getByRole("button", { name: "Optimize all presets" }));
    const alert = await within(fsrs).findByRole("alert");
    expect(alert.textContent).toContain("The server is busy");
    expect(alert.textContent).toContain("optimized before that: “Default”");
  });
});
