/** What can be done to the selected rows: Anki's browser menus as a toolbar (every action is
 * one undo step; Undo takes back the latest, whatever it was). */
import { DeckSelect } from "../decks/DeckSelect";
import type { DialogKind } from "./dialogs/BrowseDialogs";

export const FLAGS = ["No flag", "Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple"];

export type BulkAction =
  | { kind: "edit" }
  | { kind: "suspend"; suspended: boolean }
  | { kind: "bury" }
  | { kind: "mark" }
  | { kind: "flag"; flag: number }
  | { kind: "move"; deckId: number }
  | { kind: "delete" }
  | { kind: "undo" }
  | { kind: "dialog"; dialog: DialogKind };

interface BulkActionsProps {
  /** The step Undo would take back (its Anki label), or null when there is none. */
  undoLabel: string | null;
  count: number;
  selected: number;
  noun: string;
  oneNotetype: boolean;
  onAction: (action: BulkAction) => void;
}

const MORE: { dialog: DialogKind; label: string; needsSelection: boolean }[] = [
  { dialog: "add-tags", label: "Add tags…", needsSelection: true },
  { dialog: "remove-tags", label: "Remove tags…", needsSelection: true },
  { dialog: "set-due", label: "Set due date…", needsSelection: true },
  { dialog: "reposition", label: "Reposition…", needsSelection: true },
  { dialog: "change-notetype", label: "Change note type…", needsSelection: true },
  { dialog: "find-replace", label: "Find and replace…", needsSelection: false },
  { dialog: "duplicates", label: "Find duplicates…", needsSelection: false },
];

export function BulkActions({ undoLabel, count, selected, noun, oneNotetype, onAction }: BulkActionsProps) {
  const none = selected === 0;
  const button = (label: string, action: BulkAction, disabled = none, extra = "") => (
    <button
      key={label}
      type="button"
      className={`button button--small ${extra}`}
      disabled={disabled}
      onClick={() => onAction(action)}
    >
      {label}
    </button>
  );
  return (
    <div className="toolbar browse-actions" role="toolbar" aria-label="Selected rows">
      <span className="muted small browse-actions__count">
        {count >= 0 ? `${count} ${noun}${count === 1 ? "" : "s"}` : "…"}
        {selected ? ` · ${selected} selected` : ""}
      </span>
      {button("Edit", { kind: "edit" }, selected !== 1)}
      {button("Suspend", { kind: "suspend", suspended: true })}
      {button("Unsuspend", { kind: "suspend", suspended: false })}
      {button("Bury", { kind: "bury" })}
      {button("Forget", { kind: "dialog", dialog: "forget" })}
      {button("Toggle mark", { kind: "mark" })}
      {MORE.slice(0, 2).map((m) => button(m.label.replace("…", ""), { kind: "dialog", dialog: m.dialog }))}
      <select
        className="select-small"
        aria-label="Flag selected cards"
        disabled={none}
        value=""
        onChange={(e) => onAction({ kind: "flag", flag: Number(e.target.value) })}
      >
        <option value="" disabled>
          Flag…
        </option>
        {FLAGS.map((name, flag) => (
          <option key={name} value={flag}>
            {name}
          </option>
        ))}
      </select>
      <DeckSelect
        className="select-small"
        label="Move selected cards to deck"
        disabled={none}
        value={null}
        placeholder="Change deck…"
        onChange={(deckId) => onAction({ kind: "move", deckId })}
      />
      <select
        className="select-small"
        aria-label="More actions"
        value=""
        onChange={(e) => onAction({ kind: "dialog", dialog: e.target.value as DialogKind })}
      >
        <option value="" disabled>
          More…
        </option>
        {MORE.slice(2).map((m) => (
          <option key={m.dialog} value={m.dialog} disabled={(m.needsSelection && none) || (m.dialog === "change-notetype" && !oneNotetype)}>
            {m.label}
          </option>
        ))}
      </select>
      {button("Delete", { kind: "delete" }, none, "button--danger")}
      {button(undoLabel ? `Undo ${undoLabel}` : "Undo", { kind: "undo" }, undoLabel === null)}
    </div>
  );
}
