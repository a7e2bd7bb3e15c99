/** Decks as server state: the tree with due counts, one deck, its options presets, and the changes. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type DeckNode = components["schemas"]["DeckNodeSchema"];
export type Deck = components["schemas"]["DeckSchema"];
export type DeckList = components["schemas"]["DeckListSchema"];
export type DeckLimits = components["schemas"]["DeckLimitsSchema"];
export type Preset = components["schemas"]["PresetSchema"];
export type PresetChanges = components["schemas"]["PresetChangesSchema"];
export type NewPreset = components["schemas"]["NewPresetSchema"];
/** Collection-wide switches shown with the deck options (Anki keeps them in the collection config). */
export type CollectionOptions = components["schemas"]["CollectionOptionsSchema"];

export const deckKeys = {
  all: ["decks"] as const,
  tree: () => [...deckKeys.all, "tree"] as const,
  one: (id: number) => [...deckKeys.all, "one", id] as const,
  presets: () => [...deckKeys.all, "presets"] as const,
};

/** The deck list answer: the tree, and whether the list leaves out the empty Default deck. */
export function useDeckList() {
  return useQuery({
    queryKey: deckKeys.tree(),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/decks", { signal })),
  });
}

/** Every deck as a tree (deck pickers: the Default deck included). */
export function useDeckTree() {
  return useQuery({
    queryKey: deckKeys.tree(),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/decks", { signal })),
    select: (list: DeckList) => list.decks,
  });
}

export function usePresets() {
  return useQuery({
    queryKey: deckKeys.presets(),
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/presets", { signal }))).presets,
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
  preset_id?: number;
  apply_to_children?: boolean;
  limits?: DeckLimits;
  collection_options?: Partial<CollectionOptions>;
  fsrs?: boolean;
  /** With a change of FSRS inputs: give review cards due dates from their new memory states. */
  fsrs_reschedule?: boolean;
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

/** Preset changes reach every deck using the preset: decks and counts refetch too. */
export function useCreatePreset() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (body: NewPreset) => unwrap(api.client.POST("/api/presets", { body })),
    onSuccess: invalidate,
  });
}

export function useUpdatePreset() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: ({ id, ...body }: PresetChanges & { id: number }) =>
      unwrap(api.client.PUT("/api/presets/{preset_id}", { params: { path: { preset_id: id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeletePreset() {
  const invalidate = useInvalidateDecks();
  return useMutation({
    mutationFn: (id: number) => unwrap(api.client.DELETE("/api/presets/{preset_id}", { params: { path: { preset_id: id } } })),
    onSuccess: invalidate,
  });
}
