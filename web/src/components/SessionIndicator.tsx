import { api } from "../api/client";
import { useSessionState } from "../session/useDBSession";

/** A small dot that tells the learner a review session is open and how much it holds. */
export function SessionIndicator() {
  const { id, unflushed } = useSessionState(api);
  if (!id) return null;
  const text =
    unflushed === 0
      ? "Session open"
      : `Session open · ${unflushed} unsaved ${unflushed === 1 ? "change" : "changes"}`;
  return (
    <span className="session-indicator" role="status" data-testid="session-indicator" title="Your changes are saved when you leave review">
      <span className="status-dot" aria-hidden="true" />
      <span className="session-text">{text}</span>
    </span>
  );
}
