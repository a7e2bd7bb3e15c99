/** Studying over the typed client: the next cards, an answer, undo, and the review session. */
import type { components } from "../../api/schema.gen";
import { api, unwrap, type Api } from "../../lib/api";
import { ApiError } from "../../lib/errors";

export type ReviewCard = components["schemas"]["ReviewCardSchema"];
export type Counts = components["schemas"]["CountsSchema"];
export type Rating = 1 | 2 | 3 | 4;

export function nextCards(deckId: number, client: Api = api) {
  return unwrap(client.client.GET("/api/review/{deck_id}", { params: { path: { deck_id: deckId } } }));
}

/**
 * One answer. `idempotencyKey` is the answer's own: sent again on a manual retry, the server
 * recognises an answer it already journaled and replies as the first time.
 */
export function postAnswer(
  answer: { cardId: number; rating: Rating; timeMs: number; idempotencyKey: string },
  client: Api = api,
) {
  return unwrap(
    client.client.POST("/api/review", {
      body: { card_id: answer.cardId, rating: answer.rating, time_ms: Math.round(answer.timeMs) },
      headers: { "Idempotency-Key": answer.idempotencyKey },
    }),
  );
}

export async function undoLastAnswer(client: Api = api): Promise<number | null> {
  return (await unwrap(client.client.POST("/api/review/undo"))).card_id ?? null;
}

/** What the learner can do to the card on screen (Anki's reviewer "More" menu). */
export type CardAction =
  | { kind: "bury-card" }
  | { kind: "bury-note" }
  | { kind: "suspend-card" }
  | { kind: "suspend-note" }
  | { kind: "delete-note" }
  | { kind: "forget"; restorePosition: boolean; resetCounts: boolean }
  | { kind: "set-due"; days: string }
  | { kind: "flag"; flag: number }
  | { kind: "mark" };

/** Actions after which the card leaves today's queue. */
export function removesCard(action: CardAction): boolean {
  return !["flag", "mark"].includes(action.kind);
}

export async function runCardAction(cardId: number, action: CardAction, client: Api = api): Promise<string> {
  const card_ids = [cardId];
  const c = client.client;
  switch (action.kind) {
    case "bury-card":
    case "bury-note":
      await unwrap(c.POST("/api/cards/bury", { body: { card_ids, scope: action.kind === "bury-note" ? "notes" : "cards" } }));
      return action.kind === "bury-note" ? "Note buried" : "Card buried";
    case "suspend-card":
    case "suspend-note":
      await unwrap(
        c.POST("/api/cards/suspend", { body: { card_ids, scope: action.kind === "suspend-note" ? "notes" : "cards" } }),
      );
      return action.kind === "suspend-note" ? "Note suspended" : "Card suspended";
    case "delete-note":
      await unwrap(c.POST("/api/cards/delete-notes", { body: { card_ids } }));
      return "Note deleted";
    case "forget":
      await unwrap(
        c.POST("/api/cards/forget", {
          // Anki keeps the reviewer's choice for its next Reset dialog.
          body: { card_ids, restore_position: action.restorePosition, reset_counts: action.resetCounts, remember: "reviewer" },
        }),
      );
      return "Card reset to new";
    case "set-due":
      await unwrap(c.POST("/api/cards/set-due", { body: { card_ids, days: action.days, remember: "reviewer" } }));
      return `Due date set (${action.days})`;
    case "flag":
      await unwrap(c.POST("/api/cards/flag", { body: { card_ids, flag: action.flag } }));
      return action.flag ? `Flag ${action.flag} set` : "Flag removed";
    case "mark": {
      const marked = await unwrap(c.POST("/api/cards/mark", { body: { card_ids, marked: null } }));
      return marked.marked ? "Note marked" : "Note unmarked";
    }
  }
}

/** Undoes the latest step, whatever it was; null when there was nothing to undo. */
export async function undoLatest(client: Api = api): Promise<{ label: string; cardId: number | null } | null> {
  try {
    const done = await unwrap(client.client.POST("/api/undo"));
    return { label: done.label, cardId: done.card_id ?? null };
  } catch (error) {
    if (error instanceof ApiError && error.code === "nothing_to_undo") return null;
    throw error;
  }
}

/** The options the reviewer's Reset dialog starts with (the last ones chosen there). */
export function forgetChoice(client: Api = api) {
  return unwrap(client.client.GET("/api/cards/forget", { params: { query: { context: "reviewer" } } }));
}

/** The days the reviewer's Set Due Date dialog starts with (the last typed there). */
export async function dueDaysChoice(client: Api = api): Promise<string> {
  return (await unwrap(client.client.GET("/api/cards/set-due", { params: { query: { context: "reviewer" } } }))).days;
}

export function cardInfo(cardId: number, client: Api = api) {
  return unwrap(client.client.GET("/api/cards/{card_id}/info", { params: { path: { card_id: cardId } } }));
}

export async function studiedToday(client: Api = api): Promise<number> {
  return (await unwrap(client.client.GET("/api/stats", { params: { query: { days: 1 } } }))).today.studied;
}

/** Opens (or resumes) the review session: requests then carry its id in `X-Session-ID`. */
export async function startSession(client: Api = api): Promise<void> {
  if (client.session.current) return;
  const started = await unwrap(client.client.POST("/api/session/start"));
  client.session.set(started.session_id);
}

/** Ends the session (the server writes its snapshot); nothing is lost if this never arrives. */
export async function endSession(client: Api = api): Promise<void> {
  const id = client.session.current;
  if (!id) return;
  client.session.set(null);
  await client.client.POST("/api/session/flush", { body: { session_id: id } }).catch(() => undefined);
}

export function newAnswerKey(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
