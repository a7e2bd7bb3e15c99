import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../api/client";
import { fakeFetch, json, memoryStorage } from "../test/fakeServer";
import { useDBSession } from "../session/useDBSession";
import { useReviewQueue } from "./useReviewQueue";

const card = (id: number) => ({
  card_id: id,
  question: `Q${id}`,
  answer: `A${id}`,
  intervals: ["1m", "6m", "10m", "4d"],
});

function setup(answerResponse: () => Promise<Response>) {
  const answers: number[] = [];
  let served = [card(1), card(2), card(3)];
  const server = fakeFetch({
    "POST /api/session/start": () => json({ session_id: "s1" }),
    "POST /api/session/flush": () => json({}),
    "GET /api/review/7": () => json({ cards: served, counts: { new: served.length, learning: 0, review: 0 } }),
    "POST /api/review": async (request) => {
      const id = (request.body as { card_id: number }).card_id;
      answers.push(id);
      const response = await answerResponse();
      served = served.filter((c) => c.card_id !== id);
      return response;
    },
    "GET /api/stats": () => json({ today: { studied: 7 } }),
    "POST /api/review/undo": () => {
      served = [card(1), ...served];
      return json({ card_id: 1 });
    },
  });
  const storage = memoryStorage();
  storage.setItem("javumbo.auth", JSON.stringify({ token: "t", username: "ana" }));
  const client = new ApiClient({ fetch: server.fetch, storage });
  const hook = renderHook(() => {
    const session = useDBSession(client);
    return useReviewQueue(client, 7, session);
  });
  return { hook, server, answers };
}

describe("useReviewQueue", () => {
  it("shows the next card at once, while the answer is still on its way", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { hook, answers } = setup(async () => {
      await gate;
      return json({ ok: true });
    });
    await waitFor(() => expect(hook.result.current.current?.cardId).toBe(1));
    act(() => hook.result.current.showAnswer());
    expect(hook.result.current.showingAnswer).toBe(true);
    act(() => hook.result.current.answer(3));
    // Synchronously after the keypress: the prefetched card, no request has finished.
    expect(hook.result.current.current?.cardId).toBe(2);
    expect(hook.result.current.showingAnswer).toBe(false);
    expect(hook.result.current.answered).toBe(1);
    await waitFor(() => expect(answers).toEqual([1]));
    release();
    await waitFor(() => expect(hook.result.current.counts?.new).toBe(2));
    expect(hook.result.current.current?.cardId).toBe(2);
    expect(hook.result.current.studiedToday).toBe(7);
    expect(hook.result.current.error).toBeNull();
  });

  it("undo brings the last card back and tells the server", async () => {
    const { hook, server } = setup(async () => json({ ok: true }));
    await waitFor(() => expect(hook.result.current.current?.cardId).toBe(1));
    act(() => hook.result.current.showAnswer());
    act(() => hook.result.current.answer(1));
    expect(hook.result.current.current?.cardId).toBe(2);
    act(() => hook.result.current.undo());
    expect(hook.result.current.current?.cardId).toBe(1);
    expect(hook.result.current.canUndo).toBe(false);
    await waitFor(() => expect(server.calls.some((c) => c.url === "/api/review/undo")).toBe(true));
    await waitFor(() => expect(hook.result.current.upcoming.map((c) => c.cardId)).toEqual([2, 3]));
    expect(hook.result.current.current?.cardId).toBe(1);
  });

  it("says done when the server has no more cards", async () => {
    const { hook } = setup(async () => json({ ok: true }));
    await waitFor(() => expect(hook.result.current.current?.cardId).toBe(1));
    for (const id of [1, 2, 3]) {
      expect(hook.result.current.current?.cardId).toBe(id);
      act(() => hook.result.current.showAnswer());
      act(() => hook.result.current.answer(4));
    }
    await waitFor(() => expect(hook.result.current.done).toBe(true));
    expect(hook.result.current.current).toBeNull();
  });

  it("answers are sent in order with the session id", async () => {
    const { hook, server } = setup(async () => json({ ok: true }));
    await waitFor(() => expect(hook.result.current.current?.cardId).toBe(1));
    for (let i = 0; i < 2; i++) {
      act(() => hook.result.current.showAnswer());
      act(() => hook.result.current.answer(3));
    }
    await waitFor(() => expect(server.calls.filter((c) => c.url === "/api/review" && c.method === "POST")).toHaveLength(2));
    const posts = server.calls.filter((c) => c.url === "/api/review" && c.method === "POST");
    expect(posts.map((c) => (c.body as { card_id: number }).card_id)).toEqual([1, 2]);
    expect(posts.every((c) => c.headers["X-Session-ID"] === "s1")).toBe(true);
    expect((posts[0].body as { rating: number }).rating).toBe(3);
  });
});
