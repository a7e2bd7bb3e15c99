/**
 * The review loop with the network off the critical path: the server sends several upcoming
 * cards, the page shows the next one from memory the moment a key is pressed, and the answer is
 * sent (and the queue refreshed) in the background, one request after another in order.
 *
 * The server journals every answer before it replies, so an answer it acknowledged is kept
 * whatever happens next: what the learner is told is whether their last answer got there
 * (`save`: saving, retrying while the server asks to try again, saved, or failed with a retry).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, type Api } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import {
  endSession,
  newAnswerKey,
  nextCards,
  postAnswer,
  removesCard,
  runCardAction,
  startSession,
  studiedToday,
  undoLatest,
  type CardAction,
  type Counts,
  type Rating,
  type ReviewCard,
} from "./api";

export type SaveStatus =
  | { state: "idle" }
  | { state: "saving" }
  | { state: "retrying" }
  | { state: "saved" }
  | { state: "failed"; message: string };

export interface ReviewQueueState {
  current: ReviewCard | null;
  upcoming: ReviewCard[];
  showingAnswer: boolean;
  loading: boolean;
  done: boolean;
  answered: number;
  counts: Counts | null;
  /** Cards studied today (all decks) before the page opened (null until known). */
  studiedToday: number | null;
  canUndo: boolean;
  error: string | null;
  /** Whether the learner's last answer reached the server. */
  save: SaveStatus;
  /** What the last action or undo did ("Card buried", "Undone: Bury Card"). */
  notice: string | null;
  /** What Z would take back, as Anki names it in its Edit menu ("Bury Card"), when known. */
  undoLabel: string | null;
}

export interface ReviewQueue extends ReviewQueueState {
  showAnswer: () => void;
  answer: (rating: Rating) => void;
  undo: () => void;
  /** Bury, suspend, flag, mark, forget, set due, delete the note of the card on screen. */
  act: (action: CardAction) => void;
  /** Reloads the queue keeping the card on screen (after its note was edited). */
  refresh: () => void;
  /** The note of this card was edited (an undo step on the server): Z takes the edit back. */
  noteEdited: (card: ReviewCard) => void;
  /** Sends the failed answer again (with its own idempotency key: never counted twice). */
  retrySave: () => void;
  dismissError: () => void;
}

interface PendingAnswer {
  cardId: number;
  rating: Rating;
  timeMs: number;
  idempotencyKey: string;
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
  save: { state: "idle" },
  notice: null,
  undoLabel: null,
};

interface Step {
  card: ReviewCard;
  /** An answer (counted in this session) rather than an action on the card. */
  answered: boolean;
  /** The server's name for the step. */
  label: string;
}

/** Actions on the card's whole note: its siblings leave the queue with it. */
const NOTE_ACTIONS: ReadonlySet<CardAction["kind"]> = new Set(["bury-note", "suspend-note", "delete-note"]);

/** The undo step names the server gives each action (Anki's). */
const ACTION_LABELS: Record<CardAction["kind"], string> = {
  "bury-card": "Bury Card",
  "bury-note": "Bury Note",
  "suspend-card": "Suspend Card",
  "suspend-note": "Suspend Note",
  "delete-note": "Delete Note",
  forget: "Forget",
  "set-due": "Set Due Date",
  flag: "Flag Card",
  mark: "Toggle Mark",
};

export function useReviewQueue(deckId: number, client: Api = api): ReviewQueue {
  const [state, setState] = useState<ReviewQueueState>(INITIAL);
  const queryClient = useQueryClient();
  // The source of truth between renders: key handlers read it synchronously, so two quick
  // keypresses never act on the same stale card.
  const stateRef = useRef(state);
  const chain = useRef<Promise<void>>(Promise.resolve());
  const pendingOps = useRef(0);
  const unsent = useRef(new Set<number>());
  const history = useRef<Step[]>([]);
  const failed = useRef<PendingAnswer | null>(null);
  const lastAnswerKey = useRef<string | null>(null);
  const shownAt = useRef(0);
  const mounted = useRef(true);

  const update = useCallback((change: (s: ReviewQueueState) => ReviewQueueState) => {
    const next = change(stateRef.current);
    stateRef.current = next;
    setState(next);
  }, []);

  /** Runs network work in order, after everything queued before it. */
  const enqueue = useCallback(
    (work: () => Promise<void>) => {
      pendingOps.current += 1;
      chain.current = chain.current
        .then(work)
        .catch((error: unknown) => {
          if (mounted.current) update((s) => ({ ...s, error: errorMessage(error) }));
        })
        .finally(() => {
          pendingOps.current -= 1;
        });
    },
    [update],
  );

  /** Replaces the queue with the server's, keeping the card on screen and hiding unsent answers. */
  const refill = useCallback(
    async (front: number | null = null) => {
      const batch = await nextCards(deckId, client);
      if (!mounted.current) return;
      update((s) => {
        const fresh = batch.cards.filter((c) => !unsent.current.has(c.card_id));
        const keepId = front ?? s.current?.card_id ?? null;
        const kept =
          keepId === null
            ? undefined
            : (fresh.find((c) => c.card_id === keepId) ?? (s.current?.card_id === keepId ? s.current : undefined));
        const rest = fresh.filter((c) => c.card_id !== keepId);
        const queue = kept ? [kept, ...rest] : rest;
        const current = queue[0] ?? null;
        if (current && current.card_id !== s.current?.card_id) shownAt.current = performance.now();
        return {
          ...s,
          current,
          upcoming: queue.slice(1),
          showingAnswer: current !== null && current.card_id === s.current?.card_id ? s.showingAnswer : false,
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
      await startSession(client);
      await refill();
      // Cards studied today (in any deck, as Anki counts it) before this page opened: the base
      // of today's progress. In the chain, so it counts exactly the answers sent before ours.
      const studied = await studiedToday(client);
      if (mounted.current) update((s) => ({ ...s, studiedToday: studied }));
    });
    return () => {
      mounted.current = false;
      // Deck counts and stats changed with every answer.
      void queryClient.invalidateQueries();
      // In the chain: a review opened next (another deck) starts its session after this ends.
      chain.current = chain.current.then(() => endSession(client));
    };
  }, [client, deckId, enqueue, refill, update, queryClient]);

  /** Sends one answer, telling the learner how it goes if it is (still) their last one. */
  const send = useCallback(
    async (pending: PendingAnswer) => {
      const isLast = () => mounted.current && lastAnswerKey.current === pending.idempotencyKey;
      const stopListening = client.onRetry(() => {
        if (isLast()) update((s) => ({ ...s, save: { state: "retrying" } }));
      });
      try {
        await postAnswer(pending, client);
        if (failed.current?.idempotencyKey === pending.idempotencyKey) failed.current = null;
        if (isLast()) update((s) => ({ ...s, save: { state: "saved" } }));
      } catch (error) {
        failed.current = pending;
        if (isLast()) update((s) => ({ ...s, save: { state: "failed", message: errorMessage(error) } }));
        return false;
      } finally {
        stopListening();
        unsent.current.delete(pending.cardId);
      }
      return true;
    },
    [client, update],
  );

  const showAnswer = useCallback(() => {
    update((s) => (s.current && !s.showingAnswer ? { ...s, showingAnswer: true } : s));
  }, [update]);

  const answer = useCallback(
    (rating: Rating) => {
      const s = stateRef.current;
      const card = s.current;
      if (!card || !s.showingAnswer) return;
      const pending: PendingAnswer = {
        cardId: card.card_id,
        rating,
        timeMs: performance.now() - shownAt.current,
        idempotencyKey: newAnswerKey(),
      };
      lastAnswerKey.current = pending.idempotencyKey;
      unsent.current.add(card.card_id);
      history.current.push({ card, answered: true, label: "Answer Card" });
      const next = s.upcoming[0] ?? null;
      shownAt.current = performance.now();
      update(() => ({
        ...s,
        current: next,
        upcoming: s.upcoming.slice(1),
        showingAnswer: false,
        loading: next === null,
        answered: s.answered + 1,
        canUndo: true,
        undoLabel: "Answer Card",
        save: { state: "saving" },
      }));
      enqueue(async () => {
        await startSession(client);
        await send(pending);
        if (pendingOps.current === 1) await refill();
      });
    },
    [client, enqueue, refill, send, update],
  );

  const retrySave = useCallback(() => {
    const pending = failed.current;
    if (!pending) return;
    lastAnswerKey.current = pending.idempotencyKey;
    unsent.current.add(pending.cardId);
    update((s) => ({ ...s, save: { state: "saving" } }));
    enqueue(async () => {
      if (await send(pending)) await refill();
    });
  }, [enqueue, refill, send, update]);

  const undo = useCallback(() => {
    const step = history.current.pop();
    const s = stateRef.current;
    if (step) {
      const card = step.card;
      const upcoming = s.current ? [s.current, ...s.upcoming] : s.upcoming;
      shownAt.current = performance.now();
      lastAnswerKey.current = null;
      update(() => ({
        ...s,
        current: card,
        upcoming: upcoming.filter((c) => c.card_id !== card.card_id),
        showingAnswer: false,
        loading: false,
        done: false,
        answered: step.answered ? Math.max(0, s.answered - 1) : s.answered,
        canUndo: history.current.length > 0,
        undoLabel: history.current.at(-1)?.label ?? null,
        save: step.answered ? { state: "idle" } : s.save,
      }));
    }
    // Anki's undo reaches back past this page too: the server keeps the steps.
    enqueue(async () => {
      await startSession(client);
      const undone = await undoLatest(client);
      if (mounted.current) update((st) => ({ ...st, notice: undone ? `Undone: ${undone.label}` : "Nothing to undo" }));
      await refill(undone?.cardId ?? step?.card.card_id ?? null);
    });
  }, [client, enqueue, refill, update]);

  const act = useCallback(
    (action: CardAction) => {
      const s = stateRef.current;
      const card = s.current;
      if (!card) return;
      const step: Step = { card, answered: false, label: ACTION_LABELS[action.kind] };
      history.current.push(step);
      const leaves = removesCard(action);
      if (leaves) {
        unsent.current.add(card.card_id);
        const rest = NOTE_ACTIONS.has(action.kind) ? s.upcoming.filter((c) => c.note_id !== card.note_id) : s.upcoming;
        const next = rest[0] ?? null;
        shownAt.current = performance.now();
        update(() => ({
          ...s,
          current: next,
          upcoming: rest.slice(1),
          showingAnswer: false,
          loading: next === null,
          canUndo: true,
          undoLabel: step.label,
        }));
      } else {
        // The flag or star shows at once; the server's answer (refill) confirms it.
        const shown =
          action.kind === "flag" ? { ...card, flag: action.flag } : action.kind === "mark" ? { ...card, marked: !card.marked } : card;
        update(() => ({ ...s, current: shown, canUndo: true, undoLabel: step.label }));
      }
      enqueue(async () => {
        await startSession(client);
        try {
          const notice = await runCardAction(card.card_id, action, client);
          if (mounted.current) update((st) => ({ ...st, notice }));
        } catch (error) {
          history.current = history.current.filter((h) => h !== step);
          if (mounted.current)
            update((st) => ({
              ...st,
              canUndo: history.current.length > 0,
              undoLabel: history.current.at(-1)?.label ?? null,
            }));
          unsent.current.delete(card.card_id);
          await refill(leaves ? card.card_id : null);
          throw error;
        }
        unsent.current.delete(card.card_id);
        if (!leaves || pendingOps.current === 1) await refill();
      });
    },
    [client, enqueue, refill, update],
  );

  const refresh = useCallback(() => enqueue(() => refill()), [enqueue, refill]);

  const noteEdited = useCallback(
    (card: ReviewCard) => {
      history.current.push({ card, answered: false, label: "Update Note" });
      update((s) => ({ ...s, canUndo: true, undoLabel: "Update Note" }));
      enqueue(() => refill());
    },
    [enqueue, refill, update],
  );

  const dismissError = useCallback(() => update((s) => ({ ...s, error: null })), [update]);

  return { ...state, showAnswer, answer, undo, act, refresh, noteEdited, retrySave, dismissError };
}
