import { act, renderHook, waitFor } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { createApi } from "../../lib/api";
import { createQueryClient } from "../../lib/queryClient";
import { apiError, on } from "../../test/handlers";
import { answered, reviewCard, stats } from "../../test/fixtures";
import { logIn } from "../../test/render";
import { server } from "../../test/server";
import { useReviewQueue } from "./useReviewQueue";

interface Posted {
  cardId: number;
  sessionId: string | null;
  key: string | null;
}

function setup(answerReply: (posted: Posted) => Promise<Response | null> | Response | null = () => null) {
  const posted: Posted[] = [];
  const undone: number[] = [];
  const buried: number[] = [];
  let served = [reviewCard(1), reviewCard(2), reviewCard(3)];
  server.use(
    on("post", "/api/session/start", () => ({ session_id: "s1", expires_at: 0 })),
    on("post", "/api/session/flush", () => ({ success: true, status: "flushed", snapshot_seq: 1, session_ended: true })),
    on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: served.length, learning: 0, review: 0 } })),
    on("post", "/api/review", async ({ body, request }) => {
      const entry = { cardId: body!.card_id, sessionId: request.headers.get("X-Session-ID"), key: request.headers.get("Idempotency-Key") };
      posted.push(entry);
      const reply = await answerReply(entry);
      if (reply) return reply;
      served = served.filter((c) => c.card_id !== body!.card_id);
      return answered(body!.card_id, body!.rating);
    }),
    on("get", "/api/stats", () => stats(7)),
    on("post", "/api/undo", () => {
      served = [reviewCard(1), ...served];
      undone.push(1);
      return { label: "Answer Card", card_id: 1, cards: 1, notes: 0 };
    }),
    on("post", "/api/cards/bury", ({ body }) => {
      buried.push(...body.card_ids);
      served = served.filter((c) => !body.card_ids.includes(c.card_id));
      return { card_ids: body.card_ids, changed: body.card_ids.length };
    }),
  );
  logIn();
  // Retries wait no time in tests.
  const client = createApi({ retry: { sleep: async () => undefined } });
  client.auth.set({ access_token: "t", refresh_token: "r", username: "ana" });
  const queryClient = createQueryClient();
  const hook = renderHook(() => useReviewQueue(7, client), {
    wrapper: ({ children }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>,
  });
  return { hook, posted, undone, buried };
}

const answerShown = (hook: ReturnType<typeof setup>["hook"], rating: 1 | 2 | 3 | 4) => {
  act(() => hook.result.current.showAnswer());
  act(() => hook.result.current.answer(rating));
};

describe("useReviewQueue", () => {
  it("shows the next card at once, while the answer is still on its way", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { hook, posted } = setup(async () => {
      await gate;
      return null;
    });
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    act(() => hook.result.current.showAnswer());
    expect(hook.result.current.showingAnswer).toBe(true);
    act(() => hook.result.current.answer(3));
    // Synchronously after the keypress: the prefetched card, no request has finished.
    expect(hook.result.current.current?.card_id).toBe(2);
    expect(hook.result.current.showingAnswer).toBe(false);
    expect(hook.result.current.answered).toBe(1);
    expect(hook.result.current.save.state).toBe("saving");
    await waitFor(() => expect(posted.map((p) => p.cardId)).toEqual([1]));
    release();
    await waitFor(() => expect(hook.result.current.counts?.new).toBe(2));
    expect(hook.result.current.save.state).toBe("saved");
    expect(hook.result.current.current?.card_id).toBe(2);
    expect(hook.result.current.studiedToday).toBe(7);
    expect(hook.result.current.error).toBeNull();
  });

  it("undo brings the last card back and tells the server", async () => {
    const { hook, undone } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 1);
    expect(hook.result.current.current?.card_id).toBe(2);
    act(() => hook.result.current.undo());
    expect(hook.result.current.current?.card_id).toBe(1);
    expect(hook.result.current.canUndo).toBe(false);
    await waitFor(() => expect(undone).toEqual([1]));
    await waitFor(() => expect(hook.result.current.upcoming.map((c) => c.card_id)).toEqual([2, 3]));
    expect(hook.result.current.current?.card_id).toBe(1);
  });

  it("burying moves on at once, tells the server, and undo brings the card back", async () => {
    const { hook, buried, undone } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 3);
    act(() => hook.result.current.act({ kind: "bury-card" }));
    expect(hook.result.current.current?.card_id).toBe(3);
    expect(hook.result.current.answered).toBe(1);
    expect(hook.result.current.undoLabel).toBe("Bury Card");
    await waitFor(() => expect(buried).toEqual([2]));
    await waitFor(() => expect(hook.result.current.notice).toBe("Card buried"));
    act(() => hook.result.current.undo());
    expect(hook.result.current.current?.card_id).toBe(2);
    // the next step back is the answer before
    expect(hook.result.current.undoLabel).toBe("Answer Card");
    await waitFor(() => expect(undone).toEqual([1]));
    await waitFor(() => expect(hook.result.current.notice).toBe("Undone: Answer Card"));
  });

  it("burying the note as the first action skips its siblings, and undo shows the same card next", async () => {
    const { hook } = setup();
    let served = [reviewCard(1), reviewCard(2, { note_id: 10 }), reviewCard(3)];
    server.use(
      on("get", "/api/review/{deck_id}", () => ({ cards: served, counts: { new: served.length, learning: 0, review: 0 } })),
      on("post", "/api/cards/bury", ({ body }) => {
        expect(body).toEqual({ card_ids: [1], scope: "notes" });
        served = served.filter((c) => c.note_id !== 10);
        return { card_ids: [1, 2], changed: 2 };
      }),
      on("post", "/api/undo", () => {
        served = [reviewCard(1), reviewCard(2, { note_id: 10 }), reviewCard(3)];
        return { label: "Bury Note", card_id: 1, cards: 2, notes: 0 };
      }),
    );
    act(() => hook.result.current.refresh());
    await waitFor(() => expect(hook.result.current.upcoming.map((c) => c.card_id)).toEqual([2, 3]));
    act(() => hook.result.current.act({ kind: "bury-note" }));
    expect(hook.result.current.current?.card_id).toBe(3);
    await waitFor(() => expect(hook.result.current.notice).toBe("Note buried"));
    expect(hook.result.current.current?.card_id).toBe(3);
    act(() => hook.result.current.undo());
    expect(hook.result.current.current?.card_id).toBe(1);
    await waitFor(() => expect(hook.result.current.notice).toBe("Undone: Bury Note"));
    expect(hook.result.current.current?.card_id).toBe(1);
    expect(hook.result.current.upcoming.map((c) => c.card_id)).toEqual([2, 3]);
  });

  it("undo of a step taken before the page opened shows the card the server names", async () => {
    const { hook } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    server.use(
      on("get", "/api/review/{deck_id}", () => ({
        cards: [reviewCard(1), reviewCard(2), reviewCard(3)],
        counts: { new: 3, learning: 0, review: 0 },
      })),
      on("post", "/api/undo", () => ({ label: "Bury Note", card_id: 2, cards: 2, notes: 0 })),
    );
    act(() => hook.result.current.undo());
    await waitFor(() => expect(hook.result.current.notice).toBe("Undone: Bury Note"));
    expect(hook.result.current.current?.card_id).toBe(2);
  });

  it("an edit of the card's note is the step undo takes back, keeping the same card on screen", async () => {
    const { hook, undone } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 3);
    const second = hook.result.current.current!;
    expect(second.card_id).toBe(2);
    act(() => hook.result.current.noteEdited(second));
    expect(hook.result.current.canUndo).toBe(true);
    act(() => hook.result.current.undo());
    // the edit is undone, not the answer before it: card 2 stays, card 1 stays answered
    expect(hook.result.current.current?.card_id).toBe(2);
    expect(hook.result.current.answered).toBe(1);
    await waitFor(() => expect(undone).toEqual([1]));
    expect(hook.result.current.canUndo).toBe(true);
  });

  it("says done when the server has no more cards", async () => {
    const { hook } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    for (const id of [1, 2, 3]) {
      expect(hook.result.current.current?.card_id).toBe(id);
      answerShown(hook, 4);
    }
    await waitFor(() => expect(hook.result.current.done).toBe(true));
    expect(hook.result.current.current).toBeNull();
  });

  it("sends answers in order, with the session id and one idempotency key each", async () => {
    const { hook, posted } = setup();
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 3);
    answerShown(hook, 3);
    await waitFor(() => expect(posted).toHaveLength(2));
    expect(posted.map((p) => p.cardId)).toEqual([1, 2]);
    expect(posted.every((p) => p.sessionId === "s1")).toBe(true);
    expect(new Set(posted.map((p) => p.key)).size).toBe(2);
  });

  it("says 'retrying' while the store is busy, then 'saved' when the answer got through", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { hook, posted } = setup(async ({ cardId }) => {
      if (posted.filter((p) => p.cardId === cardId).length === 1) {
        return apiError(503, "store_unavailable", "busy", { "Retry-After": "1" });
      }
      await gate;
      return null;
    });
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 3);
    await waitFor(() => expect(hook.result.current.save.state).toBe("retrying"));
    release();
    await waitFor(() => expect(hook.result.current.save.state).toBe("saved"));
    // The retry was the same request: the server can tell it from a second answer.
    expect(posted).toHaveLength(2);
    expect(posted[0].key).toBe(posted[1].key);
  });

  it("says 'not saved' when an answer fails, and Retry sends it again with its own key", async () => {
    let fail = true;
    const { hook, posted } = setup(() => (fail ? apiError(400, "invalid_request", "that card cannot be answered now") : null));
    await waitFor(() => expect(hook.result.current.current?.card_id).toBe(1));
    answerShown(hook, 2);
    await waitFor(() => expect(hook.result.current.save.state).toBe("failed"));
    const failed = hook.result.current.save;
    expect(failed.state === "failed" && failed.message).toBe("that card cannot be answered now");
    fail = false;
    act(() => hook.result.current.retrySave());
    await waitFor(() => expect(hook.result.current.save.state).toBe("saved"));
    expect(posted.map((p) => p.cardId)).toEqual([1, 1]);
    expect(posted[1].key).toBe(posted[0].key);
  });
});
