/** The browser's server state: one page of a search (cards or notes, chosen columns, Anki's
 * sort orders), the column list, and actions on the selected cards. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type BrowserRow = components["schemas"]["BrowserRowSchema"];
export type BrowserColumn = components["schemas"]["ColumnSchema"];
export type BrowseMode = "cards" | "notes";

export interface BrowseQuery {
  search: string;
  mode: BrowseMode;
  columns: string;
  sort: string;
  reverse: boolean;
  page: number;
}

export const browseKeys = {
  all: ["browse"] as const,
  rows: (query: BrowseQuery) => [...browseKeys.all, "rows", query] as const,
  columns: () => [...browseKeys.all, "columns"] as const,
};

export function useBrowseRows(query: BrowseQuery) {
  return useQuery({
    queryKey: browseKeys.rows(query),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/rows", { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useBrowseColumns() {
  return useQuery({
    queryKey: browseKeys.columns(),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/columns", { signal })),
    staleTime: Infinity,
  });
}

function useInvalidateRows() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: browseKeys.all }),
      queryClient.invalidateQueries({ queryKey: ["decks"] }),
    ]);
}

export function useSuspendCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, suspended }: { cardIds: number[]; suspended: boolean }) =>
      unwrap(api.client.POST(suspended ? "/api/cards/suspend" : "/api/cards/unsuspend", { body: { card_ids: cardIds } })),
    onSuccess: invalidate,
  });
}

export function useMoveCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, deckId }: { cardIds: number[]; deckId: number }) =>
      unwrap(api.client.POST("/api/cards/move", { body: { card_ids: cardIds, deck_id: deckId } })),
    onSuccess: invalidate,
  });
}

export function useFlagCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, flag }: { cardIds: number[]; flag: number }) =>
      unwrap(api.client.POST("/api/cards/flag", { body: { card_ids: cardIds, flag } })),
    onSuccess: invalidate,
  });
}

export function useTagCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, add, remove }: { cardIds: number[]; add: string[]; remove: string[] }) =>
      unwrap(api.client.POST("/api/cards/tag", { body: { card_ids: cardIds, add, remove } })),
    onSuccess: invalidate,
  });
}

export function useBuryCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds }: { cardIds: number[] }) =>
      unwrap(api.client.POST("/api/cards/bury", { body: { card_ids: cardIds, scope: "cards" } })),
    onSuccess: invalidate,
  });
}

export function useForgetCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds }: { cardIds: number[] }) =>
      unwrap(api.client.POST("/api/cards/forget", { body: { card_ids: cardIds, restore_position: true, reset_counts: false } })),
    onSuccess: invalidate,
  });
}

/** Undo the latest step, whatever it was (a bulk action of the browser included). */
export function useUndo() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: () => unwrap(api.client.POST("/api/undo")),
    onSuccess: invalidate,
  });
}

export function useBrowseSidebar() {
  return useQuery({
    queryKey: [...browseKeys.all, "sidebar"],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/sidebar", { signal })),
  });
}
