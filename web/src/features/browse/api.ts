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

/** While a page loads, the previous rows stay only if they answer the same search (another sort
 * or page) or `keepRows` says so (the same rows after an action): a new search never shows an
 * older search's rows, nor those before an error. */
export function useBrowseRows(query: BrowseQuery, keepRows = false) {
  return useQuery({
    queryKey: browseKeys.rows(query),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/rows", { params: { query }, signal })),
    placeholderData: (previous, previousQuery) => {
      const asked = previousQuery?.queryKey[2] as BrowseQuery | undefined;
      const same = asked && asked.search === query.search && asked.mode === query.mode;
      return same || keepRows ? keepPreviousData(previous) : undefined;
    },
  });
}

export function useBrowseColumns() {
  return useQuery({
    queryKey: browseKeys.columns(),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/columns", { signal })),
    staleTime: Infinity,
  });
}

export function useInvalidateRows() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: browseKeys.all }),
      queryClient.invalidateQueries({ queryKey: ["decks"] }),
      queryClient.invalidateQueries({ queryKey: ["card-info"] }),
      queryClient.invalidateQueries({ queryKey: ["notes"] }),
      queryClient.invalidateQueries({ queryKey: ["tags"] }),
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

export interface ForgetChoice {
  restorePosition: boolean;
  resetCounts: boolean;
}

/** The Reset dialog's options as last chosen in the browser (Anki keeps them per place). */
export function useForgetDefaults() {
  return useQuery({
    queryKey: [...browseKeys.all, "forget-defaults"],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/cards/forget", { params: { query: { context: "browser" } }, signal })),
  });
}

/** The new queue's first and last positions and the last reposition's choices. */
export function useRepositionDefaults() {
  return useQuery({
    queryKey: [...browseKeys.all, "reposition-defaults"],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/browse/reposition-defaults", { signal })),
  });
}

/** The days last typed in the browser's Set Due Date dialog. */
export function useDueDefaults() {
  return useQuery({
    queryKey: [...browseKeys.all, "due-defaults"],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/cards/set-due", { params: { query: { context: "browser" } }, signal })),
  });
}

export function useForgetCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, restorePosition, resetCounts }: { cardIds: number[] } & ForgetChoice) =>
      unwrap(
        api.client.POST("/api/cards/forget", {
          body: { card_ids: cardIds, restore_position: restorePosition, reset_counts: resetCounts, remember: "browser" },
        }),
      ),
    onSuccess: invalidate,
  });
}

/** What Undo would take back now (Anki's "Undo <step>" menu entry), or null. */
export function useUndoStatus() {
  return useQuery({
    queryKey: [...browseKeys.all, "undo-status"],
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/undo", { signal }))).next ?? null,
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

export function useDeleteNotesOfCards() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds }: { cardIds: number[] }) =>
      unwrap(api.client.POST("/api/cards/delete-notes", { body: { card_ids: cardIds } })),
    onSuccess: invalidate,
  });
}

export function useToggleMark() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds }: { cardIds: number[] }) =>
      unwrap(api.client.POST("/api/cards/mark", { body: { card_ids: cardIds, marked: null } })),
    onSuccess: invalidate,
  });
}

export interface RepositionChoice {
  start: number;
  step: number;
  randomize: boolean;
  shift: boolean;
}

export function useReposition() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, ...choice }: RepositionChoice & { cardIds: number[] }) =>
      unwrap(api.client.POST("/api/cards/reposition", { body: { card_ids: cardIds, ...choice } })),
    onSuccess: invalidate,
  });
}

export function useSetDue() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ cardIds, days }: { cardIds: number[]; days: string }) =>
      unwrap(api.client.POST("/api/cards/set-due", { body: { card_ids: cardIds, days, remember: "browser" } })),
    onSuccess: invalidate,
  });
}

export interface FindReplaceChoice {
  noteIds: number[];
  search: string;
  replacement: string;
  regex: boolean;
  matchCase: boolean;
  /** a field name, null for every field; ignored when replacing in tags */
  field: string | null;
  target: "fields" | "tags";
}

export function useFindReplace() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: (c: FindReplaceChoice) =>
      unwrap(
        api.client.POST("/api/notes/find-replace", {
          body: { note_ids: c.noteIds, search: c.search, replacement: c.replacement, regex: c.regex, match_case: c.matchCase, field: c.field, target: c.target },
        }),
      ),
    onSuccess: invalidate,
  });
}

export function findDuplicates(field: string, search: string) {
  return unwrap(api.client.GET("/api/notes/duplicates", { params: { query: { field, search } } }));
}

export function useTagNotes() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ noteIds, add }: { noteIds: number[]; add: string[] }) =>
      unwrap(api.client.POST("/api/notes/tags", { body: { note_ids: noteIds, add, remove: [] } })),
    onSuccess: invalidate,
  });
}

export function useSaveSearch() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: ({ name, search }: { name: string; search: string }) =>
      unwrap(api.client.POST("/api/browse/saved-searches", { body: { name, search } })),
    onSuccess: invalidate,
  });
}

export function useDeleteSavedSearch() {
  const invalidate = useInvalidateRows();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.client.DELETE("/api/browse/saved-searches", { params: { query: { name } } })),
    onSuccess: invalidate,
  });
}
