/** What Anki's "finished this deck" screen offers: custom study on a normal deck (a session
 * built is studied at once, a raised limit brings its cards into this review), Rebuild or
 * Empty on a filtered deck, and unburying when cards of the deck were buried today. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api, unwrap } from "../../lib/api";
import { errorMessage } from "../../lib/errors";
import { useDeck } from "../decks/api";
import { useEmptyFilteredDeck, useRebuildFilteredDeck } from "../filtered/api";
import { CustomStudyDialog } from "../filtered/CustomStudyDialog";

/** Anki's note under "Congratulations": cards buried today, with a way to see them now. */
function BuriedCards({ deckId, onChanged }: { deckId: number; onChanged: () => void }) {
  const queryClient = useQueryClient();
  const buried = useQuery({
    queryKey: ["decks", deckId, "buried"],
    queryFn: async () =>
      (
        await unwrap(
          api.client.GET("/api/cards", { params: { query: { deck_id: deckId, q: "is:buried", page_size: 1 } } }),
        )
      ).total,
  });
  const unbury = useMutation({
    mutationFn: () =>
      unwrap(api.client.POST("/api/decks/{deck_id}/unbury", { params: { path: { deck_id: deckId } }, body: { mode: "all" } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["decks"] });
      onChanged();
    },
  });
  if (!buried.data) return null;
  return (
    <p className="review-buried muted" data-testid="buried-cards">
      One or more cards were buried, and will be shown tomorrow. You can{" "}
      <button type="button" className="review-link-button" onClick={() => unbury.mutate()} disabled={unbury.isPending}>
        unbury them
      </button>{" "}
      if you wish to see them immediately.
    </p>
  );
}

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
        <BuriedCards deckId={deckId} onChanged={onChanged} />
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
      <BuriedCards deckId={deckId} onChanged={onChanged} />
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
