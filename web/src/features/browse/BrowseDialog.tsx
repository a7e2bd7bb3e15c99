/** The frame of the browser's dialogs: a modal form that takes focus (its first control) when
 * it opens, closes on Escape or a click outside, and submits with Enter. */
import { useEffect, useRef, type ReactNode } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";

interface BrowseDialogProps {
  title: string;
  onClose: () => void;
  onSubmit?: () => void;
  submitLabel?: string;
  busy?: boolean;
  error?: string | null;
  children: ReactNode;
}

export function BrowseDialog({ title, onClose, onSubmit, submitLabel = "OK", busy, error, children }: BrowseDialogProps) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    const first = form.current?.querySelector<HTMLElement>("input, select, textarea, button");
    first?.focus();
  }, []);
  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        ref={form}
        className="dialog browse-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onClose();
          }
        }}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) onSubmit?.();
        }}
      >
        <h2>{title}</h2>
        <ErrorNotice message={error ?? null} />
        {children}
        <div className="dialog-actions">
          <button type="button" className="button button--quiet" onClick={onClose}>
            {onSubmit ? "Cancel" : "Close"}
          </button>
          {onSubmit && (
            <button type="submit" className="button button--primary" disabled={busy}>
              {submitLabel}
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
