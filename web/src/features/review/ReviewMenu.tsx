/** The reviewer's "More" menu: every action on the card on screen, with Anki's keys. */
import type { CardAction } from "./api";

/** Anki's flag names, flag 1 first. */
export const FLAGS = ["Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple"];

export type MenuChoice =
  | CardAction
  | { kind: "edit" }
  | { kind: "info" }
  | { kind: "replay" }
  | { kind: "ask-due" }
  | { kind: "ask-forget" }
  | { kind: "ask-delete" }
  | { kind: "auto-advance" }
  | { kind: "options" };

const ENTRIES: { label: string; keys: string; choice: MenuChoice }[] = [
  { label: "Edit note", keys: "E", choice: { kind: "edit" } },
  { label: "Card info", keys: "I", choice: { kind: "info" } },
  { label: "Replay audio", keys: "R", choice: { kind: "replay" } },
  { label: "Toggle mark", keys: "*", choice: { kind: "mark" } },
  { label: "Bury card", keys: "-", choice: { kind: "bury-card" } },
  { label: "Bury note", keys: "=", choice: { kind: "bury-note" } },
  { label: "Suspend card", keys: "@", choice: { kind: "suspend-card" } },
  { label: "Suspend note", keys: "!", choice: { kind: "suspend-note" } },
  { label: "Set due date…", keys: "Ctrl+Shift+D", choice: { kind: "ask-due" } },
  { label: "Reset (forget)…", keys: "Ctrl+Alt+N", choice: { kind: "ask-forget" } },
  { label: "Delete note", keys: "Ctrl+Delete", choice: { kind: "ask-delete" } },
  { label: "Options", keys: "O", choice: { kind: "options" } },
];

export function ReviewMenu({
  onChoose,
  onClose,
  autoAdvance,
  flag,
}: {
  onChoose: (choice: MenuChoice) => void;
  onClose: () => void;
  /** Whether auto advance is on (Anki's checkable "Auto Advance" entry). */
  autoAdvance: boolean;
  /** The card's flag (0 none): its entry shows as chosen, and choosing it again removes it. */
  flag: number;
}) {
  const choose = (choice: MenuChoice) => {
    onClose();
    onChoose(choice);
  };
  return (
    <div className="review-menu" role="menu" aria-label="More actions">
      {ENTRIES.map((entry) => (
        <button key={entry.label} type="button" role="menuitem" className="review-menu-item" onClick={() => choose(entry.choice)}>
          <span>{entry.label}</span>
          <kbd>{entry.keys}</kbd>
        </button>
      ))}
      <button
        type="button"
        role="menuitemcheckbox"
        aria-checked={autoAdvance}
        className="review-menu-item"
        onClick={() => choose({ kind: "auto-advance" })}
      >
        <span>Auto Advance</span>
        <kbd>Shift+A</kbd>
      </button>
      <div className="review-menu-flags" role="group" aria-label="Flag">
        {FLAGS.map((name, index) => (
          <button
            key={name}
            type="button"
            role="menuitemradio"
            className={`review-flag review-flag--${index + 1}`}
            title={`${name} flag (Ctrl+${index + 1})`}
            aria-label={`${name} flag`}
            aria-checked={flag === index + 1}
            onClick={() => choose({ kind: "flag", flag: index + 1 })}
          />
        ))}
        <button type="button" role="menuitem" className="review-flag review-flag--0" aria-label="No flag" title="Remove flag" onClick={() => choose({ kind: "flag", flag: 0 })}>
          ×
        </button>
      </div>
    </div>
  );
}
