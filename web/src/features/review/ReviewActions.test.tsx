import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes, useParams } from "react-router-dom";
import { createQueryClient } from "../../lib/queryClient";
import { afterEach, describe, expect, it, vi } from "vitest";
import { answered, reviewCard, stats } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import type { ReviewCard } from "./api";
import { formatElapsed } from "./AnswerTimer";
import { DUE_DAYS } from "./ReviewDialogs";
import ReviewPage from "./ReviewPage";

function setup(cards: ReviewCard[], lastReset = { restore_position: true, reset_counts: false }) {
  const sent = serve(cards, lastReset);
  renderPage(<ReviewPage />, { path: "/review/7", route: "/review/:deckId" });
  return { sent };
}

/** The review routes answering with these cards; what the page sent, in order. */
function serve(cards: ReviewCard[], lastReset: { restore_position: boolean; reset_counts: boolean }) {
  const sent: { path: string; body: unknown }[] = [];
  let served = cards;
  server.use(
    on("get", "/api/cards/forget", () => lastReset),
    on("get", "/api/cards/set-due", () => ({ days: "2" })),
    on("post", "/api/session/start", () => ({ session_id: "s1", expires_at: 0 })),
    on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: served.length, learning: 0, review: 0 } })),
    on("post", "/api/review", ({ body }) => {
      sent.push({ path: "answer", body });
      served = served.filter((card) => card.card_id !== body!.card_id);
      return answered(body!.card_id, body!.rating);
    }),
    on("post", "/api/cards/flag", ({ body }) => {
      sent.push({ path: "flag", body });
      served = served.map((c) => (body!.card_ids.includes(c.card_id) ? { ...c, flag: body!.flag } : c));
      return { card_ids: body!.card_ids, updated: 1 };
    }),
    on("post", "/api/cards/mark", ({ body }) => {
      sent.push({ path: "mark", body });
      served = served.map((c) => (body!.card_ids.includes(c.card_id) ? { ...c, marked: !c.marked } : c));
      return { note_ids: [1], marked: true };
    }),
    on("post", "/api/cards/forget", ({ body }) => {
      sent.push({ path: "forget", body });
      served = served.filter((c) => !body!.card_ids.includes(c.card_id));
      return { card_ids: body!.card_ids, changed: 1 };
    }),
    on("post", "/api/cards/set-due", ({ body }) => {
      sent.push({ path: "set-due", body });
      served = served.filter((c) => !body!.card_ids.includes(c.card_id));
      return { card_ids: body!.card_ids, changed: 1 };
    }),
    on("post", "/api/cards/bury", ({ body }) => {
      sent.push({ path: "bury", body });
      served = served.filter((c) => !body!.card_ids.includes(c.card_id));
      return { card_ids: body!.card_ids, changed: 1 };
    }),
    on("get", "/api/stats", () => stats(0)),
  );
  logIn();
  return sent;
}

const TIMERS: ("setTimeout" | "clearTimeout" | "setInterval" | "clearInterval")[] = [
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
];

const stage = () => document.querySelector(".card-stage");

/** The card is on screen and the page's effects (its key listener among them) have run: the
 * frames of what comes next are made only after that. */
async function ready(cardId: number) {
  await waitFor(() => {
    expect(stage()?.getAttribute("data-card-id")).toBe(String(cardId));
    expect(document.querySelectorAll("iframe.card-frame").length).toBeGreaterThan(1);
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("actions on the card under review", () => {
  it("shows the card's flag and star, and a flag or mark set with Anki's keys at once", async () => {
    const { sent } = setup([reviewCard(1, { flag: 4 }), reviewCard(2)]);
    await ready(1);
    expect(screen.getByRole("img", { name: "Blue flag" })).toBeTruthy();
    expect(stage()?.className).toContain("card-stage--flag-4");
    expect(screen.queryByRole("img", { name: "Marked" })).toBeNull();

    fireEvent.keyDown(window, { key: "1", code: "Digit1", ctrlKey: true });
    expect(screen.getByRole("img", { name: "Red flag" })).toBeTruthy();
    fireEvent.keyDown(window, { key: "*", code: "Digit8", shiftKey: true });
    expect(screen.getByRole("img", { name: "Marked" })).toBeTruthy();
    await waitFor(() => expect(sent.map((s) => s.path)).toEqual(["flag", "mark"]));
    expect(sent[0]!.body).toEqual({ card_ids: [1], flag: 1 });
    // The server's card agrees after the refresh.
    await waitFor(() => expect(screen.getByTestId("review-notice").textContent).toBe("Note marked"));
    expect(screen.getByRole("img", { name: "Red flag" })).toBeTruthy();

    // The menu shows the card's flag; choosing it again takes it off, as Anki's reviewer does.
    fireEvent.click(screen.getByRole("button", { name: /More/ }));
    expect(screen.getByRole("menuitemradio", { name: "Red flag" }).getAttribute("aria-checked")).toBe("true");
    expect(screen.getByRole("menuitemradio", { name: "Blue flag" }).getAttribute("aria-checked")).toBe("false");
    fireEvent.click(screen.getByRole("menuitemradio", { name: "Red flag" }));
    expect(screen.queryByRole("img", { name: "Red flag" })).toBeNull();
    await waitFor(() => expect(sent.at(-1)).toEqual({ path: "flag", body: { card_ids: [1], flag: 0 } }));
  });

  it("resets a card with the options the learner chose in Anki's dialog", async () => {
    const { sent } = setup([reviewCard(1), reviewCard(2)]);
    await ready(1);
    fireEvent.keyDown(window, { key: "n", code: "KeyN", ctrlKey: true, altKey: true });
    const dialog = await screen.findByRole("dialog", { name: "Reset Card" });
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "OK" }));
    expect(screen.getByLabelText<HTMLInputElement>("Restore original position where possible").checked).toBe(true);
    const counts = screen.getByLabelText<HTMLInputElement>("Reset repetition and lapse counts");
    expect(counts.checked).toBe(false);
    fireEvent.click(counts);
    // Keys pressed in the dialog are not review keys.
    fireEvent.keyDown(counts, { key: " " });
    expect(stage()?.getAttribute("data-side")).toBe("question");
    fireEvent.submit(dialog.closest("form") ?? dialog);
    await waitFor(() =>
      expect(sent).toEqual([
        { path: "forget", body: { card_ids: [1], restore_position: true, reset_counts: true, remember: "reviewer" } },
      ]),
    );
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("2"));
  });

  it("starts the Reset dialog from the last choice made in it", async () => {
    setup([reviewCard(1)], { restore_position: false, reset_counts: true });
    await ready(1);
    fireEvent.click(screen.getByRole("button", { name: /More/ }));
    fireEvent.click(screen.getByRole("menuitem", { name: /Reset/ }));
    const counts = await screen.findByLabelText<HTMLInputElement>("Reset repetition and lapse counts");
    expect(counts.checked).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>("Restore original position where possible").checked).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("sets a due date in Anki's syntax and refuses anything else", async () => {
    const { sent } = setup([reviewCard(1), reviewCard(2)]);
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("1"));
    fireEvent.click(screen.getByRole("button", { name: /More/ }));
    fireEvent.click(screen.getByRole("menuitem", { name: /Set due date/ }));
    const box = await screen.findByLabelText<HTMLInputElement>("Show card in how many days?");
    expect(box.value).toBe("2"); // the days typed last time, as Anki
    fireEvent.change(box, { target: { value: "soon" } });
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    expect(screen.getByRole("alert").textContent).toContain("range");
    expect(sent).toEqual([]);
    fireEvent.change(box, { target: { value: "3-7!" } });
    fireEvent.click(screen.getByRole("button", { name: "OK" }));
    await waitFor(() =>
      expect(sent).toEqual([{ path: "set-due", body: { card_ids: [1], days: "3-7!", remember: "reviewer" } }]),
    );
    expect(screen.queryByRole("dialog", { name: "Set Due Date" })).toBeNull();
  });

  it("opens the options of the card's home deck with O, as Anki's reviewer", async () => {
    serve([reviewCard(1, { deck_id: 99, home_deck_id: 7 })], { restore_position: true, reset_counts: false });
    function OptionsProbe() {
      return <p data-testid="options-of">{useParams().deckId}</p>;
    }
    render(
      <QueryClientProvider client={createQueryClient()}>
        <MemoryRouter initialEntries={["/review/99"]}>
          <Routes>
            <Route path="/review/:deckId" element={<ReviewPage />} />
            <Route path="/decks/:deckId/options" element={<OptionsProbe />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>,
    );
    await ready(1);
    fireEvent.keyDown(window, { key: "o", code: "KeyO" });
    expect((await screen.findByTestId("options-of")).textContent).toBe("7");
  });

  it("accepts the day specs Anki accepts", () => {
    for (const good of ["0", "3", "1-7", "3!", " 10 - 20 ! "]) expect(DUE_DAYS.test(good)).toBe(true);
    for (const bad of ["", "-1", "soon", "1-", "!", "3!!"]) expect(DUE_DAYS.test(bad)).toBe(false);
  });
});

describe("the preset's timer and auto advance", () => {
  it("counts up and stops when the answer is shown if the preset says so", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: [...TIMERS, "performance"] });
    setup([reviewCard(1, { timer: { show: true, stop_on_answer: true, max_secs: 30 } })]);
    const timer = await screen.findByRole("timer", { name: "Answer timer" });
    await ready(1);
    await act(() => vi.advanceTimersByTimeAsync(2100));
    const atAnswer = timer.textContent!;
    expect(atAnswer).toMatch(/^0:0[2-5]$/);
    fireEvent.keyDown(window, { key: " " });
    expect(stage()?.getAttribute("data-side")).toBe("answer");
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(screen.getByRole("timer").textContent).toBe(atAnswer);
    expect(formatElapsed(125)).toBe("2:05");
  });

  it("stops at the maximum, shown as reached", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: [...TIMERS, "performance"] });
    setup([reviewCard(1, { timer: { show: true, stop_on_answer: false, max_secs: 3 } })]);
    const timer = await screen.findByRole("timer");
    await act(() => vi.advanceTimersByTimeAsync(6000));
    expect(timer.textContent).toBe("0:03");
    expect(timer.className).toContain("review-timer--max");
  });

  it("shows no timer when the preset does not", async () => {
    setup([reviewCard(1)]);
    await waitFor(() => expect(stage()?.getAttribute("data-card-id")).toBe("1"));
    expect(screen.queryByRole("timer")).toBeNull();
  });

  it("once turned on, shows the answer and then answers Good after the preset's seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: TIMERS });
    const advance = { question_secs: 2, answer_secs: 3, wait_for_audio: true, question_action: 0, answer_action: 2 };
    const { sent } = setup([reviewCard(1, { auto_advance: advance }), reviewCard(2, { auto_advance: advance })]);
    await ready(1);
    await act(() => vi.advanceTimersByTimeAsync(2500));
    expect(stage()?.getAttribute("data-side")).toBe("question"); // off until turned on
    fireEvent.keyDown(window, { key: "A", code: "KeyA", shiftKey: true });
    expect(screen.getByTestId("review-reminder").textContent).toBe("Auto Advance enabled");
    await act(() => vi.advanceTimersByTimeAsync(2100));
    expect(stage()?.getAttribute("data-side")).toBe("answer");
    await act(() => vi.advanceTimersByTimeAsync(3100));
    await waitFor(() => expect(sent).toEqual([{ path: "answer", body: expect.objectContaining({ card_id: 1, rating: 3 }) }]));
    expect(stage()?.getAttribute("data-card-id")).toBe("2");
  });

  it("buries the card as the default answer action", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true, toFake: TIMERS });
    const advance = { question_secs: 1, answer_secs: 1, wait_for_audio: false, question_action: 0, answer_action: 0 };
    const { sent } = setup([reviewCard(1, { auto_advance: advance }), reviewCard(2)]);
    await ready(1);
    fireEvent.click(screen.getByRole("button", { name: /More/ }));
    fireEvent.click(screen.getByRole("menuitemcheckbox", { name: /Auto Advance/ }));
    await act(() => vi.advanceTimersByTimeAsync(1100));
    expect(stage()?.getAttribute("data-side")).toBe("answer");
    await act(() => vi.advanceTimersByTimeAsync(1100));
    await waitFor(() => expect(sent.map((s) => s.path)).toEqual(["bury"]));
  });
});
