/** The preset's on-screen answer timer, as Anki's bottom bar shows it: minutes and seconds since
 * the question appeared, stopping at the preset's maximum answer time (then shown in red) and,
 * if the preset says so, when the answer is shown. Mount it with a new `key` per question. */
import { useEffect, useState } from "react";

export function formatElapsed(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function AnswerTimer({ running, maxSecs }: { running: boolean; maxSecs: number }) {
  const [start] = useState(() => performance.now());
  const [seconds, setSeconds] = useState(0);
  const capped = Math.min(seconds, maxSecs);
  const atMax = seconds >= maxSecs;

  useEffect(() => {
    if (!running || atMax) return;
    const tick = () => setSeconds(Math.floor((performance.now() - start) / 1000));
    const id = setInterval(tick, 250);
    return () => clearInterval(id);
  }, [running, atMax, start]);

  return (
    <span
      className={`review-timer${atMax ? " review-timer--max" : ""}`}
      role="timer"
      aria-label="Answer timer"
      data-testid="answer-timer"
    >
      {formatElapsed(capped)}
    </span>
  );
}
