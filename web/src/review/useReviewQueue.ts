/**
 * The review loop with the network off the critical path: the server sends several upcoming
 * cards, the page shows the next one from memory the moment a key is pressed, and the answer is
 * sent (and the queue refreshed) in the background, one request after another in order.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { review, stats, ApiError, type ApiClient, type ReviewBatch, type ReviewCard } from "../api/client";
import type { DBSession } from "../session/useDBSession";

export interface ReviewQueueState {
  current: ReviewCard | null;
  upcoming: ReviewCard[];
  showingAnswer: boolean;
  loading: boolean;
  done: boolean;
  answered: number;
  counts: ReviewBatch["counts"];
  /** Cards studied today (all decks) before the page opened (null until known). */
  studiedToday: number | null;
  canUndo: boolean;
  error: string | null;
}

export interface ReviewQueue extends ReviewQueueState {
  showAnswer: () => void;
  answer: (rating: 1 | 2 | 3 | 4) => void;
  undo: () => void;
  dismissError: () => void;
}

const INITIAL: ReviewQueueState = {
  current: null,
  upcoming: [],
  showingAnswer: false,
  loading: true,
  done: false,
  answered: 0,
  counts: null,
  studiedToday: null,
  canUndo: false,
  error: null,
};

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong. Please try again.";
}

export function useReviewQueue(client: ApiClient, deckId: number, session: DBSession): ReviewQueue {
  const [state, setState] = useState<ReviewQueueState>(INITIAL);
  // The source of truth between renders: key handlers read it synchronously, so two quick
  // keypresses never act on the same stale card.
  const stateRef = useRef(state);
  const chain = useRef<Promise<void>>(Promise.resolve());
  const pendingOps = useRef(0);
  const unsent = useRef(new Set<number>());
  const history = useRef<ReviewCard[]>([]);
  const shownAt = useRef(0);
  const mounted = useRef(true);
  const { start, recordChange } = session;

  const update = useCallback((change: (s: ReviewQueueState) => ReviewQueueState) => {
    const next = change(stateRef.current);
    stateRef.current = next;
    setState(next);
  }, []);

  /** Runs network work in order, after everything queued before it. */
  const enqueue = useCallback((work: () => Promise<void>) => {
    pendingOps.current += 1;
    chain.current = chain.current
      .then(work)
      .catch((error: unknown) => {
        if (mounted.current) update((s) => ({ ...s, error: message(error) }));
      })
      .finally(() => {
        pendingOps.current -= 1;
      });
  }, [update]);

  /** Replaces the queue with the server's, keeping the card on screen and hiding unsent answers. */
  const refill = useCallback(
    async (front: number | null = null) => {
      const batch = await review.next(deckId, client);
      if (!mounted.current) return;
      update((s) => {
        const fresh = batch.cards.filter((c) => !unsent.current.has(c.cardId));
        const keepId = front ?? s.current?.cardId ?? null;
        const kept = keepId === null ? undefined : fresh.find((c) => c.cardId === keepId) ?? (s.current?.cardId === keepId ? s.current : undefined);
        const rest = fresh.filter((c) => c.cardId !== keepId);
        const queue = kept ? [kept, ...rest] : rest;
        const current = queue[0] ?? null;
        if (current && current.cardId !== s.current?.cardId) shownAt.current = performance.now();
        return {
          ...s,
          current,
          upcoming: queue.slice(1),
          showingAnswer: current !== null && current.cardId === s.current?.cardId ? s.showingAnswer : false,
          loading: false,
          done: current === null,
          counts: batch.counts,
        };
      });
    },
    [client, deckId, update],
  );

  useEffect(() => {
    mounted.current = true;
    shownAt.current = performance.now();
    enqueue(async () => {
      await start();
      await refill();
      // Cards studied today (in any deck, as Anki counts it) before this page opened: the base
      // of today's progress. In the chain, so it counts exactly the answers sent before ours.
      const today = (await stats.get(null, 1, client)).today as { studied?: number } | undefined;
      if (mounted.current) update((s) => ({ ...s, studiedToday: today?.studied ?? 0 }));
    });
    return () => {
      mounted.current = false;
    };
  }, [client, deckId, enqueue, refill, start, update]);

  const showAnswer = useCallback(() => {
    update((s) => (s.current && !s.showingAnswer ? { ...s, showingAnswer: true } : s));
  }, [update]);

  const answer = useCallback(
    (rating: 1 | 2 | 3 | 4) => {
      const s = stateRef.current;
      const card = s.current;
      if (!card || !s.showingAnswer) return;
      const timeMs = performance.now() - shownAt.current;
      unsent.current.add(card.cardId);
      history.current.push(card);
      const next = s.upcoming[0] ?? null;
      shownAt.current = performance.now();
      const advanced: ReviewQueueState = {
        ...s,
        current: next,
        upcoming: s.upcoming.slice(1),
        showingAnswer: false,
        loading: next === null,
        answered: s.answered + 1,
        canUndo: true,
      };
      update(() => advanced);
      enqueue(async () => {
        await start();
        try {
          await review.answer(card.cardId, rating, timeMs, client);
        } finally {
          unsent.current.delete(card.cardId);
        }
        await recordChange();
        if (pendingOps.current === 1) await refill();
      });
    },
    [client, enqueue, recordChange, refill, start, update],
  );

  const undo = useCallback(() => {
    const card = history.current.pop();
    if (!card) return;
    const s = stateRef.current;
    const upcoming = s.current ? [s.current, ...s.upcoming] : s.upcoming;
    const restored: ReviewQueueState = {
      ...s,
      current: card,
      upcoming: upcoming.filter((c) => c.cardId !== card.cardId),
      showingAnswer: false,
      loading: false,
      done: false,
      answered: Math.max(0, s.answered - 1),
      canUndo: history.current.length > 0,
    };
    shownAt.current = performance.now();
    update(() => restored);
    enqueue(async () => {
      await start();
      const undone = await review.undo(client);
      await recordChange();
      await refill(undone ?? card.cardId);
    });
  }, [client, enqueue, recordChange, refill, start, update]);

  const dismissError = useCallback(() => update((s) => ({ ...s, error: null })), [update]);

  return { ...state, showAnswer, answer, undo, dismissError };
}
