/** Filtered decks and custom study as server mutations; every deck count refetches after them. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type FilteredDeckInput = components["schemas"]["FilteredDeckInSchema"];
export type CustomStudyInput = components["schemas"]["CustomStudyInSchema"];

function useInvalidateDecks() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["decks"] });
}

export function useCreateFilteredDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (body: FilteredDeckInput) => unwrap(api.client.POST("/api/decks/filtered", { body })),
    onSuccess: invalidate,
  });
}

export function useRebuildFilteredDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (id: number) =>
      unwrap(api.client.POST("/api/decks/{deck_id}/rebuild", { params: { path: { deck_id: id } } })),
    onSuccess: invalidate,
  });
}

export function useEmptyFilteredDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (id: number) =>
      unwrap(api.client.POST("/api/decks/{deck_id}/empty", { params: { path: { deck_id: id } } })),
    onSuccess: invalidate,
  });
}

export function useCustomStudy() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: ({ id, ...body }: CustomStudyInput & { id: number }) =>
      unwrap(api.client.POST("/api/decks/{deck_id}/custom-study", { params: { path: { deck_id: id } }, body })),
    onSuccess: invalidate,
  });
}
