/** The reviewer's two small dialogs, as Anki words them: Reset (forget) and Set Due Date. */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { dueDaysChoice, forgetChoice } from "./api";

/** Anki's day syntax: "0" today, "3" in three days, "1-7" a random day in the range, and a
 * trailing "!" also sets the interval to the chosen days. */
export const DUE_DAYS = /^\s*\d{1,5}(\s*-\s*\d{1,5})?\s*!?\s*$/;

function Dialog({
  label,
  onClose,
  onSubmit,
  children,
  focusOk = false,
}: {
  label: string;
  onClose: () => void;
  onSubmit: () => void;
  children: React.ReactNode;
  /** Start with the keyboard on OK (a dialog without a text box: Enter confirms). */
  focusOk?: boolean;
}) {
  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <form
        className="dialog review-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={label}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          // The page's review keys must not act on what is typed here.
          e.stopPropagation();
          if (e.key === "Escape") onClose();
        }}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <h2>{label}</h2>
        {children}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" autoFocus={focusOk}>
            OK
          </button>
        </div>
      </form>
    </div>
  );
}

interface ForgetProps {
  onConfirm: (options: { restorePosition: boolean; resetCounts: boolean }) => void;
  onClose: () => void;
}

/** Anki's "Reset Card" (forget) options: the original new-card position where possible, and
 * optionally the repetition and lapse counts back to zero; it starts from the last choice. */
export function ForgetDialog(props: ForgetProps) {
  // Never from an older cached answer: the last Reset may have changed it.
  const last = useQuery({ queryKey: ["forget-choice", "reviewer"], queryFn: () => forgetChoice(), gcTime: 0 });
  if (last.isPending) return null;
  const start = last.data ?? { restore_position: true, reset_counts: false };
  return <ForgetForm {...props} restore={start.restore_position} reset={start.reset_counts} />;
}

function ForgetForm({ onConfirm, onClose, restore, reset }: ForgetProps & { restore: boolean; reset: boolean }) {
  const [restorePosition, setRestorePosition] = useState(restore);
  const [resetCounts, setResetCounts] = useState(reset);
  return (
    <Dialog label="Reset Card" focusOk onClose={onClose} onSubmit={() => onConfirm({ restorePosition, resetCounts })}>
      <p className="muted small">The card becomes a new card again.</p>
      <label className="review-dialog-check">
        <input type="checkbox" checked={restorePosition} onChange={(e) => setRestorePosition(e.target.checked)} />
        Restore original position where possible
      </label>
      <label className="review-dialog-check">
        <input type="checkbox" checked={resetCounts} onChange={(e) => setResetCounts(e.target.checked)} />
        Reset repetition and lapse counts
      </label>
    </Dialog>
  );
}

interface SetDueProps {
  onConfirm: (days: string) => void;
  onClose: () => void;
}

/** Anki's "Set Due Date": "Show card in how many days?" with its syntax hint, starting from
 * the days last typed there. */
export function SetDueDialog(props: SetDueProps) {
  const last = useQuery({ queryKey: ["due-days-choice", "reviewer"], queryFn: () => dueDaysChoice(), gcTime: 0 });
  if (last.isPending) return null;
  return <SetDueForm {...props} start={last.data ?? "1"} />;
}

function SetDueForm({ onConfirm, onClose, start }: SetDueProps & { start: string }) {
  const [days, setDays] = useState(start);
  const [invalid, setInvalid] = useState(false);
  return (
    <Dialog
      label="Set Due Date"
      onClose={onClose}
      onSubmit={() => {
        if (!DUE_DAYS.test(days)) {
          setInvalid(true);
          return;
        }
        onConfirm(days.replace(/\s+/g, ""));
      }}
    >
      <label className="review-dialog-field">
        Show card in how many days?
        <input
          autoFocus
          value={days}
          inputMode="text"
          autoComplete="off"
          aria-invalid={invalid}
          aria-describedby="set-due-hint"
          onChange={(e) => {
            setDays(e.target.value);
            setInvalid(false);
          }}
        />
      </label>
      <p id="set-due-hint" className="muted small review-dialog-hint">
        0 = today{"\n"}1! = tomorrow + change interval to 1{"\n"}3-7 = random choice of 3-7 days
      </p>
      {invalid && (
        <p role="alert" className="review-dialog-error">
          Use a number of days, a range such as 3-7, optionally followed by !
        </p>
      )}
    </Dialog>
  );
}
