/** Decks as server state: the tree with due counts, one deck's options, and the changes. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type DeckNode = components["schemas"]["DeckNodeSchema"];
export type Deck = components["schemas"]["DeckSchema"];
export type DeckOptionsChanges = components["schemas"]["DeckOptionsChangesSchema"];

export const deckKeys = {
  all: ["decks"] as const,
  tree: () => [...deckKeys.all, "tree"] as const,
  one: (id: number) => [...deckKeys.all, "one", id] as const,
};

export function useDeckTree() {
  return useQuery({
    queryKey: deckKeys.tree(),
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/decks", { signal }))).decks,
  });
}

export function useDeck(id: number) {
  return useQuery({
    queryKey: deckKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/decks/{deck_id}", { params: { path: { deck_id: id } }, signal })),
  });
}

/** After any deck change: the tree, every deck, and what counts cards (stats, review) refetch. */
function useInvalidateDecks() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: deckKeys.all });
}

export function useCreateDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.client.POST("/api/decks", { body: { name } })),
    onSuccess: invalidate,
  });
}

export interface DeckChange {
  id: number;
  name?: string;
  collapsed?: boolean;
  config?: DeckOptionsChanges;
  fsrs?: boolean;
}

export function useUpdateDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: ({ id, ...body }: DeckChange) =>
      unwrap(api.client.PUT("/api/decks/{deck_id}", { params: { path: { deck_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeleteDeck() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.client.DELETE("/api/decks/{deck_id}", { params: { path: { deck_id: id } } })),
    // Its cards are gone too: everything that lists or counts cards is stale.
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
