import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { reviewCard, stats } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import ReviewPage from "./ReviewPage";

const played = vi.hoisted(() => [] as string[][]);
vi.mock("./replayAudio", async (importOriginal) => {
  const original = await importOriginal<typeof import("./replayAudio")>();
  return {
    ...original,
    playSounds: (names: string[]) => {
      played.push(names);
      return Promise.resolve();
    },
  };
});

describe("autoplay as the preset says", () => {
  it("plays each side's sounds once, leaving the question's out of the answer, whatever refreshes the card", async () => {
    const card = reviewCard(1, {
      question: "[sound:q.mp3]",
      answer: "[sound:q.mp3]<hr id=answer>[sound:a.mp3]",
      audio: { autoplay: true, replay_question: false },
    });
    let served = [card, reviewCard(2)];
    server.use(
      on("post", "/api/session/start", () => ({ session_id: "s1", expires_at: 0 })),
      on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: 2, learning: 0, review: 0 } })),
      on("post", "/api/cards/flag", ({ body }) => {
        served = served.map((c) => (c.card_id === 1 ? { ...c, flag: body!.flag } : c));
        return { card_ids: body!.card_ids, updated: 1 };
      }),
      on("get", "/api/stats", () => stats(0)),
    );
    logIn();
    renderPage(<ReviewPage />, { path: "/review/7", route: "/review/:deckId" });
    await waitFor(() => expect(document.querySelectorAll("iframe.card-frame").length).toBeGreaterThan(1));
    expect(played).toEqual([["q.mp3"]]);
    // a flag replaces the card object twice (at once, then the server's): no replay
    fireEvent.keyDown(window, { key: "3", code: "Digit3", ctrlKey: true });
    await waitFor(() => expect(screen.getByTestId("review-notice").textContent).toBe("Flag 3 set"));
    expect(played).toEqual([["q.mp3"]]);
    fireEvent.keyDown(window, { key: " " });
    await waitFor(() => expect(played).toEqual([["q.mp3"], ["a.mp3"]]));
  });
});
