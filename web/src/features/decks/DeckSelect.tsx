/** The one deck chooser: every deck of the tree, in display order, as `Parent › Child`. */
import { useDeckTree } from "./api";
import { deckLabel, flattenDecks } from "./deckTree";

interface DeckSelectProps {
  value: number | null;
  onChange: (deckId: number) => void;
  label: string;
  /** A first option with no deck (value ""), e.g. "All decks" or "Move to…". */
  placeholder?: string;
  /** Called with the value when the chosen option is the placeholder. */
  onClear?: () => void;
  className?: string;
  disabled?: boolean;
}

export function DeckSelect({ value, onChange, label, placeholder, onClear, className, disabled }: DeckSelectProps) {
  const tree = useDeckTree();
  const decks = flattenDecks(tree.data ?? []);
  return (
    <select
      className={className}
      aria-label={label}
      disabled={disabled || tree.isPending}
      value={value ?? ""}
      onChange={(event) => {
        if (event.target.value === "") onClear?.();
        else onChange(Number(event.target.value));
      }}
    >
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {decks.map((deck) => (
        <option key={deck.id} value={deck.id}>
          {deckLabel(deck.name)}
        </option>
      ))}
    </select>
  );
}
