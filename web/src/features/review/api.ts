/** Studying over the typed client: the next cards, an answer, undo, and the review session. */
import type { components } from "../../api/schema.gen";
import { api, unwrap, type Api } from "../../lib/api";

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
