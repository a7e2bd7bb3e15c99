import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { components } from "../../api/schema.gen";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import { FsrsSection, formatParams, parseParams } from "./FsrsSection";

type Settings = components["schemas"]["FsrsSettingsSchema"];
type Changes = components["schemas"]["FsrsChangesSchema"];

const TRAINED = Array.from({ length: 21 }, (_, i) => 0.1 + i / 10);

function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    enabled: false,
    desired_retention: 0.9,
    params: [],
    historical_retention: 0.9,
    ignore_revlogs_before_date: "",
    param_search: "",
    ...overrides,
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

describe("FsrsSection", () => {
  it("optimizes, evaluates and saves with reschedule", async () => {
    let saved: Changes | undefined;
    server.use(
      on("get", "/api/presets/{preset_id}/fsrs", () => settings()),
      on("post", "/api/presets/{preset_id}/fsrs/optimize", () => ({ params: TRAINED, review_count: 812, item_count: 500 })),
      on("post", "/api/presets/{preset_id}/fsrs/evaluate", () => ({ log_loss: 0.3512, rmse_bins: 0.0421, item_count: 500 })),
      on("put", "/api/presets/{preset_id}/fsrs", ({ body }) => {
        saved = body;
        return { ...settings({ enabled: true, params: TRAINED }), cards: 40, rescheduled: 31 };
      }),
    );
    logIn();
    renderPage(<FsrsSection presetId={1} />);
    fireEvent.click(await screen.findByRole("button", { name: "Optimize" }));
    expect(await screen.findByText("Optimized from 812 reviews.")).toBeTruthy();
    expect((screen.getByLabelText("FSRS parameters") as HTMLTextAreaElement).value).toBe(formatParams(TRAINED));
    fireEvent.click(screen.getByRole("button", { name: "Evaluate" }));
    expect(await screen.findByText("Log loss 0.3512, RMSE (bins) 4.21%")).toBeTruthy();
    fireEvent.click(screen.getByLabelText("FSRS (all presets)"));
    fireEvent.click(screen.getByLabelText("Reschedule cards on change"));
    fireEvent.click(screen.getByRole("button", { name: "Save FSRS settings" }));
    expect(await screen.findByText("Saved. 40 cards updated, 31 rescheduled.")).toBeTruthy();
    await waitFor(() => expect(saved?.reschedule).toBe(true));
    expect(saved?.enabled).toBe(true);
    expect(saved?.params).toHaveLength(21);
  });

  it("refuses to save malformed parameters", async () => {
    server.use(on("get", "/api/presets/{preset_id}/fsrs", () => settings()));
    logIn();
    renderPage(<FsrsSection presetId={1} />);
    const box = await screen.findByLabelText("FSRS parameters");
    fireEvent.change(box, { target: { value: "1, 2, 3" } });
    expect(screen.getByRole("alert").textContent).toContain("17, 19 or 21");
    expect((screen.getByRole("button", { name: "Save FSRS settings" }) as HTMLButtonElement).disabled).toBe(true);
  });
});
