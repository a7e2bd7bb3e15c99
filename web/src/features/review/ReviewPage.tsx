import { useCallback, useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { CardInfo } from "../card-info/CardInfo";
import { NoteEditor } from "../notes/NoteEditor";
import type { CardAction, ReviewCard } from "./api";
import { AnswerTimer } from "./AnswerTimer";
import { playSounds, sideSounds } from "./replayAudio";
import { ForgetDialog, SetDueDialog } from "./ReviewDialogs";
import { FLAGS, ReviewMenu, type MenuChoice } from "./ReviewMenu";
import { reviewCommand } from "./reviewKeys";
import { CardFrame, prepareCardHtml } from "./CardFrame";
import { createMediaLoader } from "./media";
import { SaveStatusNotice } from "./SaveStatusNotice";
import { StudyMore } from "./StudyMore";
import { compareTypedAnswer, describeComparison } from "./typedAnswer";
import { comparisonHtml } from "./typedAnswerMarkup";
import { useAutoAdvance } from "./useAutoAdvance";
import { useReviewQueue } from "./useReviewQueue";

const BUTTONS = [
  { rating: 1, label: "Again", className: "answer--again" },
  { rating: 2, label: "Hard", className: "answer--hard" },
  { rating: 3, label: "Good", className: "answer--good" },
  { rating: 4, label: "Easy", className: "answer--easy" },
] as const;

function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
}

export default function ReviewPage() {
  const deckId = Number(useParams().deckId);
  const navigate = useNavigate();
  const queue = useReviewQueue(deckId);
  const load = useMemo(() => createMediaLoader(), []);
  const { current, upcoming, showingAnswer, showAnswer, answer, undo, act, noteEdited } = queue;
  const [panel, setPanel] = useState<null | "more" | "info" | "edit" | "forget" | "due">(null);
  // The card a panel was opened for (the editor returns to it after saving).
  const [panelCard, setPanelCard] = useState<ReviewCard | null>(null);
  // Anki's auto advance: off until the learner turns it on (More menu or Shift+A).
  const [autoAdvance, setAutoAdvance] = useState(false);
  // What the page itself tells the learner (auto advance on/off, a time's-up reminder).
  const [reminder, setReminder] = useState<string | null>(null);

  const choose = useCallback(
    (choice: MenuChoice) => {
      const card = current;
      if (!card) return;
      switch (choice.kind) {
        case "edit":
        case "info":
          setPanelCard(card);
          setPanel(choice.kind);
          return;
        case "replay":
          void playSounds(sideSounds(card, showingAnswer), load);
          return;
        case "ask-due":
          setPanelCard(card);
          setPanel("due");
          return;
        case "ask-forget":
          setPanelCard(card);
          setPanel("forget");
          return;
        case "options":
          // Anki's reviewer opens the options of the deck the card belongs to (its home deck).
          navigate(`/decks/${card.home_deck_id}/options`);
          return;
        case "auto-advance":
          setAutoAdvance(!autoAdvance);
          setReminder(autoAdvance ? "Auto Advance disabled" : "Auto Advance enabled");
          return;
        case "ask-delete":
          // As in Anki: no question asked, the deletion is one undo step away.
          act({ kind: "delete-note" });
          return;
        case "flag":
          // Anki's reviewer: choosing the card's own flag again takes it off.
          act({ kind: "flag", flag: choice.flag === card.flag ? 0 : choice.flag });
          return;
        default:
          act(choice as CardAction);
      }
    },
    [act, autoAdvance, current, load, navigate, showingAnswer],
  );

  // A reminder shows for a few seconds, as Anki's tooltip.
  useEffect(() => {
    if (!reminder) return;
    const timer = setTimeout(() => setReminder(null), 4000);
    return () => clearTimeout(timer);
  }, [reminder]);

  // What the learner types for a card that asks for it ({{type:Field}}), kept per showing of a
  // question: a new card, or the same card again after an undo, starts with an empty box.
  const prompt = current ? `${current.card_id}:${queue.answered}` : null;
  const [typing, setTyping] = useState({ prompt: null as string | null, text: "" });
  const typed = typing.prompt === prompt ? typing.text : "";
  const typedAnswer = current?.typed_answer ?? null;
  const comparison = useMemo(
    () =>
      typedAnswer && showingAnswer
        ? compareTypedAnswer(typedAnswer.expected, typed, typedAnswer.combining)
        : null,
    [typedAnswer, showingAnswer, typed],
  );
  const comparisonMarkup = useMemo(() => (comparison ? comparisonHtml(comparison) : null), [comparison]);

  // Autoplay as the preset says, once each time a side is shown: keyed by the showing of the
  // card (prompt) and the side, not by the card object, which a background refresh or a flag
  // replaces without the side being shown again.
  const autoplayed = current?.audio.autoplay ? sideSounds(current, showingAnswer).join("\n") : "";
  useEffect(() => {
    if (prompt === null || !autoplayed) return;
    void playSounds(autoplayed.split("\n"), load);
  }, [prompt, showingAnswer, autoplayed, load]);

  useAutoAdvance({
    enabled: autoAdvance,
    showing: prompt,
    card: current,
    showingAnswer,
    paused: panel !== null && panel !== "more",
    showAnswer,
    answer,
    act,
    remind: setReminder,
  });

  // Prefetch the media of the next cards so a keypress shows them without the network.
  useEffect(() => {
    for (const card of [current, ...upcoming.slice(0, 3)]) {
      if (!card) continue;
      void prepareCardHtml(card.question, load);
      void prepareCardHtml(card.answer, load);
    }
  }, [current, upcoming, load]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // The answer box handles its own keys: typing "1" there must not rate the card.
      if (event.defaultPrevented || isTyping(event.target)) return;
      if (panel === "edit" || panel === "forget" || panel === "due") return;
      if (panel && event.key === "Escape") {
        setPanel(null);
        return;
      }
      // Undo is "z" alone or Ctrl/Cmd+Z.
      if (event.key.toLowerCase() === "z" && !event.shiftKey && !event.altKey) {
        event.preventDefault();
        undo();
        return;
      }
      const ctrl = event.ctrlKey || event.metaKey;
      const command = reviewCommand(event.key, event.code, ctrl, event.shiftKey, event.altKey);
      if (command) {
        event.preventDefault();
        choose(command);
        return;
      }
      if (ctrl || event.altKey) return;
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        if (!showingAnswer) showAnswer();
        else answer(3);
        return;
      }
      if (showingAnswer && ["1", "2", "3", "4"].includes(event.key)) {
        event.preventDefault();
        answer(Number(event.key) as 1 | 2 | 3 | 4);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [showingAnswer, showAnswer, answer, undo, choose, panel]);

  // The card on screen plus what the next keypress shows (its answer, the next question), loaded
  // ahead in hidden frames. Those are only created after the current card has been painted, so a
  // keypress never pays for making a frame. Kept in queue order: React never moves a frame (moving
  // an iframe reloads it).
  const currentId = current?.card_id ?? null;
  const [warmFor, setWarmFor] = useState<number | null>(null);
  useEffect(() => {
    if (currentId === null || warmFor === currentId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setWarmFor(currentId), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [currentId, warmFor]);
  const layers = useMemo(() => {
    const warm = current !== null && warmFor === current.card_id;
    const next = upcoming[0];
    const list: { card: ReviewCard; side: "question" | "answer" }[] = [];
    if (current) list.push({ card: current, side: "question" });
    if (current && (warm || showingAnswer)) list.push({ card: current, side: "answer" });
    if (next && warm) list.push({ card: next, side: "question" });
    return list;
  }, [current, upcoming, warmFor, showingAnswer]);

  // A click into the card (say, on its audio player) moves keyboard focus into the iframe, where
  // the review keys would not reach us: hand focus straight back to the page.
  useEffect(() => {
    const onBlur = () =>
      setTimeout(() => {
        const active = document.activeElement;
        if (active instanceof HTMLIFrameElement && active.classList.contains("card-frame")) {
          active.blur();
          window.focus();
        }
      }, 0);
    window.addEventListener("blur", onBlur);
    return () => window.removeEventListener("blur", onBlur);
  }, []);

  const counts = queue.counts;
  const remaining = counts ? counts.new + counts.learning + counts.review : null;
  const doneToday = (queue.studiedToday ?? 0) + queue.answered;
  const progress = remaining === null ? null : doneToday / Math.max(1, doneToday + remaining);

  return (
    <section className="review" aria-label="Review">
      <div className="review-head">
        <Link to="/" className="button button--quiet button--small">
          ‹ Decks
        </Link>
        <div className="review-counts" aria-label="Cards left">
          {counts && (
            <>
              <span className="count count--new" title="New">{counts.new}</span>
              <span className="count count--learn" title="Learning">{counts.learning}</span>
              <span className="count count--review" title="To review">{counts.review}</span>
            </>
          )}
        </div>
        <div className="review-progress" data-testid="today-progress">
          <span className="muted small">
            {doneToday} done today{queue.answered ? ` · ${queue.answered} this session` : ""}
          </span>
          {progress !== null && (
            <span className="progress" aria-hidden="true">
              <span className="progress-bar" style={{ width: `${Math.round(progress * 100)}%` }} />
            </span>
          )}
        </div>
        <SaveStatusNotice status={queue.save} onRetry={queue.retrySave} />
        <button
          type="button"
          className="button button--quiet button--small"
          onClick={undo}
          title={queue.undoLabel ? `Undo ${queue.undoLabel} (Z)` : "Undo (Z)"}
        >
          ↶ Undo
        </button>
        <div className="review-more">
          <button
            type="button"
            className="button button--quiet button--small"
            aria-haspopup="menu"
            aria-expanded={panel === "more"}
            disabled={!current}
            onClick={() => setPanel(panel === "more" ? null : "more")}
          >
            More ▾
          </button>
          {panel === "more" && (
            <ReviewMenu onChoose={choose} onClose={() => setPanel(null)} autoAdvance={autoAdvance} flag={current?.flag ?? 0} />
          )}
        </div>
      </div>
      <ErrorNotice message={queue.error} onDismiss={queue.dismissError} />
      {queue.notice && (
        <p className="review-notice muted small" role="status" data-testid="review-notice">
          {queue.notice}
        </p>
      )}
      {reminder && (
        <p className="review-notice review-reminder small" role="status" data-testid="review-reminder">
          {reminder}
        </p>
      )}
      {panel === "forget" && panelCard && (
        <ForgetDialog
          onClose={() => setPanel(null)}
          onConfirm={({ restorePosition, resetCounts }) => {
            setPanel(null);
            act({ kind: "forget", restorePosition, resetCounts });
          }}
        />
      )}
      {panel === "due" && panelCard && (
        <SetDueDialog
          onClose={() => setPanel(null)}
          onConfirm={(days) => {
            setPanel(null);
            act({ kind: "set-due", days });
          }}
        />
      )}
      {panel === "info" && panelCard && (
        <div className="review-panel" role="dialog" aria-label="Card info">
          <div className="review-panel-head">
            <h2>Card info</h2>
            <button type="button" className="button button--quiet button--small" onClick={() => setPanel(null)}>
              Close
            </button>
          </div>
          <CardInfo cardId={panelCard.card_id} />
        </div>
      )}
      {panel === "edit" && panelCard && (
        <div className="review-panel" role="dialog" aria-label="Edit note">
          <NoteEditor
            noteId={panelCard.note_id}
            onSaved={() => noteEdited(panelCard)}
            onClose={() => setPanel(null)}
          />
        </div>
      )}
      {queue.done && !current ? (
        <div className="done" data-testid="done-for-today">
          <div className="done-mark" aria-hidden="true">✓</div>
          <h1>Done for today</h1>
          <p className="muted">
            You've finished this deck for now
            {queue.answered ? ` — ${queue.answered} ${queue.answered === 1 ? "card" : "cards"} this session` : ""}. Come back
            tomorrow for more.
          </p>
          <div className="done-actions">
            <Link to="/" className="button button--primary">
              Back to decks
            </Link>
            <Link to="/stats" className="button">
              See statistics
            </Link>
            <StudyMore deckId={deckId} onChanged={queue.refresh} />
          </div>
        </div>
      ) : !current ? (
        <div className="page-loading" role="status">
          {queue.error ? "The cards could not be loaded." : "Loading cards…"}
        </div>
      ) : (
        <>
          <div
            className={`card-stage${current.flag ? ` card-stage--flag-${current.flag}` : ""}`}
            data-card-id={current.card_id}
            data-side={showingAnswer ? "answer" : "question"}
            data-flag={current.flag}
          >
            {current.marked && (
              <span className="review-mark" role="img" aria-label="Marked" title="Marked (*)">
                ★
              </span>
            )}
            {current.flag > 0 && (
              <span
                className={`review-flag-icon review-flag-icon--${current.flag}`}
                role="img"
                aria-label={`${FLAGS[current.flag - 1]} flag`}
                title={`${FLAGS[current.flag - 1]} flag (Ctrl+${current.flag})`}
              >
                ⚑
              </span>
            )}
            {layers.map(({ card, side }) => (
              <CardFrame
                key={`${card.card_id}-${side}`}
                html={side === "answer" ? card.answer : card.question}
                css={card.css}
                load={load}
                label={side === "answer" ? "Answer" : "Question"}
                shown={card === current && (side === "answer") === showingAnswer}
                typedAnswerHtml={card === current && side === "answer" ? comparisonMarkup : null}
              />
            ))}
          </div>
          {typedAnswer && !showingAnswer && (
            <div className="typeans-box">
              <label htmlFor="typeans-input">Type the answer</label>
              <input
                key={prompt}
                id="typeans-input"
                type="text"
                autoFocus
                autoComplete="off"
                autoCorrect="off"
                autoCapitalize="off"
                spellCheck={false}
                value={typed}
                onChange={(event) => setTyping({ prompt, text: event.target.value })}
                onKeyDown={(event) => {
                  if (event.key !== "Enter" || event.nativeEvent.isComposing) return;
                  event.preventDefault();
                  showAnswer();
                }}
              />
            </div>
          )}
          <p className="visually-hidden" role="status">
            {comparison ? describeComparison(comparison) : ""}
          </p>
          {current.timer.show && (
            <div className="review-timer-row">
              <AnswerTimer
                key={prompt}
                running={!(showingAnswer && current.timer.stop_on_answer)}
                maxSecs={current.timer.max_secs}
              />
            </div>
          )}
          <div className="answer-bar">
            {!showingAnswer ? (
              <button type="button" className="button button--primary button--show" onClick={showAnswer}>
                Show answer <kbd>Space</kbd>
              </button>
            ) : (
              BUTTONS.map((button, index) => (
                <button
                  key={button.rating}
                  type="button"
                  className={`answer ${button.className}`}
                  onClick={() => answer(button.rating)}
                  aria-label={`${button.label} (${current.intervals[index] || "?"})`}
                >
                  <span className="answer-ivl">{current.intervals[index]}</span>
                  <span className="answer-label">{button.label}</span>
                  <kbd>{button.rating}</kbd>
                </button>
              ))
            )}
          </div>
          <p className="keys-hint muted small" aria-hidden="true">
            {showingAnswer
              ? "1–4 answer · Space/Enter = Good · Z undo"
              : typedAnswer
                ? "Type the answer, then Enter shows it"
                : "Space or Enter shows the answer · Z undo"}
          </p>
        </>
      )}
    </section>
  );
}
