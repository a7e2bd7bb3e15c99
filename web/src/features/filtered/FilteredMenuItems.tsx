import { useState } from "react";
import { createPortal } from "react-dom";
import { CustomStudyDialog } from "./CustomStudyDialog";
import { FilteredDeckDialog } from "./FilteredDeckDialog";
import { useEmptyFilteredDeck, useRebuildFilteredDeck } from "./api";

interface DeckLike {
  id: number;
  name: string;
  dyn: boolean;
}

/** The deck menu's items for custom study and filtered decks; dialogs open over the page. */
export function FilteredMenuItems({ deck }: { deck: DeckLike }) {
  const [open, setOpen] = useState<"study" | "filtered" | null>(null);
  const rebuild = useRebuildFilteredDeck();
  const empty = useEmptyFilteredDeck();
  const close = () => setOpen(null);
  const quoted = /[\s()]/.test(deck.name) ? `"deck:${deck.name}"` : `deck:${deck.name}`;
  return (
    <>
      {deck.dyn ? (
        <>
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
      {open === "filtered" && createPortal(<FilteredDeckDialog initialSearch={`${quoted} is:due`} onClose={close} />, document.body)}
    </>
  );
}
