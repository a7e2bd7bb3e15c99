import type { SaveStatus } from "./useReviewQueue";

/**
 * Whether the learner's last answer reached the server. The server journals an answer before it
 * replies, so "Saved" means kept for good; "Not saved" offers to send it again.
 */
export function SaveStatusNotice({ status, onRetry }: { status: SaveStatus; onRetry: () => void }) {
  if (status.state === "idle") return <span className="save-status" data-testid="save-status" data-state="idle" />;
  const text = {
    saving: "Saving…",
    retrying: "Server busy, retrying…",
    saved: "Saved",
    failed: "Not saved",
  }[status.state];
  return (
    <span
      className={`save-status save-status--${status.state}`}
      data-testid="save-status"
      data-state={status.state}
      role={status.state === "failed" ? "alert" : "status"}
      title={status.state === "failed" ? status.message : "Your last answer"}
    >
      <span className="status-dot" aria-hidden="true" />
      <span>{text}</span>
      {status.state === "failed" && (
        <button type="button" className="button button--small" onClick={onRetry}>
          Retry
        </button>
      )}
    </span>
  );
}
