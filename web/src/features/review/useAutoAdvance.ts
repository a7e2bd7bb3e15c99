/**
 * Anki's auto advance: once the learner turns it on, after the preset's seconds on the question
 * the question action runs (show the answer, or a reminder), and after its seconds on the answer
 * the answer action (bury the card, Again, Good, Hard, or a reminder), waiting for the side's
 * sounds to end first when the preset says so. Keyed by the showing of a card and its side, so a
 * background refresh of the same card does not restart the wait.
 */
import { useEffect } from "react";
import type { CardAction, Rating, ReviewCard } from "./api";
import { soundsFinished } from "./replayAudio";

interface AutoAdvance {
  enabled: boolean;
  /** One showing of a card (a new card, or the same card again after an undo); null: none. */
  showing: string | null;
  card: ReviewCard | null;
  showingAnswer: boolean;
  /** A dialog or panel is open: the learner is busy, nothing advances. */
  paused: boolean;
  showAnswer: () => void;
  answer: (rating: Rating) => void;
  act: (action: CardAction) => void;
  remind: (text: string) => void;
}

export function useAutoAdvance({ enabled, showing, card, showingAnswer, paused, showAnswer, answer, act, remind }: AutoAdvance) {
  const options = card?.auto_advance ?? null;
  const seconds = options ? (showingAnswer ? options.answer_secs : options.question_secs) : 0;
  const action = options ? (showingAnswer ? options.answer_action : options.question_action) : 0;
  const waitForAudio = options?.wait_for_audio ?? false;
  useEffect(() => {
    if (!enabled || showing === null || paused || !seconds) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void (async () => {
        if (waitForAudio) await soundsFinished();
        if (cancelled) return;
        if (!showingAnswer) {
          if (action === 1) remind("Question time elapsed");
          else showAnswer();
          return;
        }
        switch (action) {
          case 1:
            return answer(1);
          case 2:
            return answer(3);
          case 3:
            return answer(2);
          case 4:
            return remind("Answer time elapsed");
          default:
            return act({ kind: "bury-card" });
        }
      })();
    }, seconds * 1000);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [enabled, showing, paused, seconds, action, waitForAudio, showingAnswer, showAnswer, answer, act, remind]);
}
