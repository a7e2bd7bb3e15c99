/** The card browser's server state: one page of a search, and actions on selected cards. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type CardRow = components["schemas"]["CardRowSchema"];

export interface CardQuery {
  q: string;
  page: number;
  page_size?: number;
  deck_id?: number;
}

export const cardKeys = {
  all: ["cards"] as const,
  page: (query: CardQuery) => [...cardKeys.all, query] as const,
};

export function useCardPage(query: CardQuery) {
  return useQuery({
    queryKey: cardKeys.page(query),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/cards", { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

function useInvalidateCards() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: cardKeys.all }),
      queryClient.invalidateQueries({ queryKey: ["decks"] }),
    ]);
}

export function useSuspendCards() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: ({ cardIds, suspended }: { cardIds: number[]; suspended: boolean }) =>
      unwrap(api.client.POST(suspended ? "/api/cards/suspend" : "/api/cards/unsuspend", { body: { card_ids: cardIds } })),
    onSuccess: invalidate,
  });
}

export function useMoveCards() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: ({ cardIds, deckId }: { cardIds: number[]; deckId: number }) =>
      unwrap(api.client.POST("/api/cards/move", { body: { card_ids: cardIds, deck_id: deckId } })),
    onSuccess: invalidate,
  });
}
