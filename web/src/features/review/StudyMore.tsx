/** What Anki's "finished this deck" screen offers: custom study on a normal deck (a session
 * built is studied at once, a raised limit brings its cards into this review), and Rebuild or
 * Empty on a filtered deck. */
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { errorMessage } from "../../lib/errors";
import { useDeck } from "../decks/api";
import { useEmptyFilteredDeck, useRebuildFilteredDeck } from "../filtered/api";
import { CustomStudyDialog } from "../filtered/CustomStudyDialog";

export function StudyMore({ deckId, onChanged }: { deckId: number; onChanged: () => void }) {
  const deck = useDeck(deckId);
  const navigate = useNavigate();
  const [studying, setStudying] = useState(false);
  const rebuild = useRebuildFilteredDeck();
  const empty = useEmptyFilteredDeck();
  if (!deck.data) return null;
  const failure = rebuild.error ?? empty.error;
  if (deck.data.dyn) {
    return (
      <>
        <button type="button" className="button" onClick={() => rebuild.mutate(deckId, { onSuccess: onChanged })}>
          Rebuild
        </button>
        <button type="button" className="button" onClick={() => empty.mutate(deckId, { onSuccess: onChanged })}>
          Empty
        </button>
        {failure && (
          <p role="alert" className="review-dialog-error">
            {errorMessage(failure)}
          </p>
        )}
      </>
    );
  }
  return (
    <>
      <button type="button" className="button" onClick={() => setStudying(true)}>
        Custom study
      </button>
      {studying && (
        <CustomStudyDialog
          deckId={deckId}
          deckName={deck.data.name}
          onClose={() => setStudying(false)}
          onStudied={(session) => (session === null ? onChanged() : navigate(`/review/${session}`))}
        />
      )}
    </>
  );
}
