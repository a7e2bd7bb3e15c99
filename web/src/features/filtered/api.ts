/** Filtered decks and custom study as server mutations; every deck count refetches after them. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type FilteredDeckInput = components["schemas"]["FilteredDeckInSchema"];
export type CustomStudyInput = components["schemas"]["CustomStudyInSchema"];
export type FilteredDeck = components["schemas"]["FilteredDeckSchema"];
export type StudyDefaults = components["schemas"]["StudyDefaultsSchema"];

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

/** A filtered deck's searches and options, for the edit dialog (null id: nothing to load). */
export function useFilteredDeck(id: number | null) {
  return useQuery({
    queryKey: ["decks", id, "filtered"],
    enabled: id !== null,
    queryFn: () =>
      unwrap(api.client.GET("/api/decks/{deck_id}/filtered", { params: { path: { deck_id: id ?? 0 } } })),
  });
}

/** Saves a filtered deck's searches and options; the deck is rebuilt with them. */
export function useUpdateFilteredDeck() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: ({ id, ...body }: FilteredDeckInput & { id: number }) =>
      unwrap(api.client.PUT("/api/decks/{deck_id}/filtered", { params: { path: { deck_id: id } }, body })),
    onSuccess: invalidate,
  });
}

/** What the custom study dialog shows: the cards available beyond today's limits. */
export function useStudyDefaults(id: number) {
  return useQuery({
    queryKey: ["decks", id, "custom-study"],
    queryFn: () =>
      unwrap(api.client.GET("/api/decks/{deck_id}/custom-study", { params: { path: { deck_id: id } } })),
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
