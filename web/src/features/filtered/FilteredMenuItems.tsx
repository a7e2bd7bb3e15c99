import { useState } from "react";
import { createPortal } from "react-dom";
import { errorMessage } from "../../lib/errors";
import { CustomStudyDialog } from "./CustomStudyDialog";
import { FilteredDeckDialog } from "./FilteredDeckDialog";
import { useEmptyFilteredDeck, useRebuildFilteredDeck } from "./api";

interface DeckLike {
  id: number;
  name: string;
  dyn: boolean;
}

/** ``deck:<name>`` as a search, quoted when the name needs it. */
export function deckSearch(name: string): string {
  const escaped = name.replace(/([\\*_"])/g, "\\$1");
  return /[\s()]/.test(name) ? `"deck:${escaped}"` : `deck:${escaped}`;
}

/** The deck menu's items for custom study and filtered decks; dialogs open over the page. A
 * filtered deck has Anki's Options (its filter dialog), Rebuild and Empty. */
export function FilteredMenuItems({ deck }: { deck: DeckLike }) {
  const [open, setOpen] = useState<"study" | "filtered" | "options" | null>(null);
  const rebuild = useRebuildFilteredDeck();
  const empty = useEmptyFilteredDeck();
  const close = () => setOpen(null);
  const failure = rebuild.error ?? empty.error;
  return (
    <>
      {deck.dyn ? (
        <>
          <button type="button" onClick={() => setOpen("options")}>Options</button>
          <button type="button" onClick={() => rebuild.mutate(deck.id)}>Rebuild</button>
          <button type="button" onClick={() => empty.mutate(deck.id)}>Empty</button>
        </>
      ) : (
        <>
          <button type="button" onClick={() => setOpen("study")}>Custom study</button>
          <button type="button" onClick={() => setOpen("filtered")}>Filtered deck</button>
        </>
      )}
      {open === "study" && createPortal(<CustomStudyDialog deckId={deck.id} deckName={deck.name} onClose={close} />, document.body)}
      {open === "filtered" &&
        createPortal(<FilteredDeckDialog deckSearch={deckSearch(deck.name)} onClose={close} />, document.body)}
      {open === "options" && createPortal(<FilteredDeckDialog deckId={deck.id} onClose={close} />, document.body)}
      {failure &&
        createPortal(
          <div className="filtered-toast" role="alert">
            <span>
              {deck.name}: {errorMessage(failure)}
            </span>
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                rebuild.reset();
                empty.reset();
              }}
            >
              Dismiss
            </button>
          </div>,
          document.body,
        )}
    </>
  );
}
