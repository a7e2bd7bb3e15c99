/** Note types as server state: list, add (stock kind or copy), save whole, delete, and
 * Change Note Type for the browser. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";

export type NotetypeDetail = components["schemas"]["NotetypeDetailSchema"];
export type StockKind = "basic" | "basic_and_reversed" | "basic_optional_reversed" | "basic_typing" | "cloze";

export const STOCK_KINDS: { kind: StockKind; label: string }[] = [
  { kind: "basic", label: "Basic" },
  { kind: "basic_and_reversed", label: "Basic (and reversed card)" },
  { kind: "basic_optional_reversed", label: "Basic (optional reversed card)" },
  { kind: "basic_typing", label: "Basic (type in the answer)" },
  { kind: "cloze", label: "Cloze" },
];

export const notetypeKeys = {
  all: ["notetypes"] as const,
  one: (id: number) => ["notetypes", id] as const,
};

export function useNotetypeList() {
  return useQuery({
    queryKey: notetypeKeys.all,
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/notetypes", { signal }))).notetypes,
  });
}

export function useNotetype(id: number | null) {
  return useQuery({
    queryKey: notetypeKeys.one(id ?? 0),
    enabled: id !== null,
    queryFn: ({ signal }) =>
      unwrap(api.client.GET("/api/notetypes/{notetype_id}", { params: { path: { notetype_id: id ?? 0 } }, signal })),
  });
}

/** Note type changes reach notes, cards and deck counts. */
function useInvalidate() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [["notetypes"], ["notes"], ["cards"], ["decks"]].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
    );
}

export function useAddNotetype() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: { name?: string; kind?: StockKind; clone_of?: number }) =>
      unwrap(api.client.POST("/api/notetypes", { body })),
    onSuccess: invalidate,
  });
}

export function useSaveNotetype() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (nt: NotetypeDetail) =>
      unwrap(api.client.PUT("/api/notetypes/{notetype_id}", { params: { path: { notetype_id: nt.id } }, body: nt })),
    onSuccess: invalidate,
  });
}

export function useDeleteNotetype() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: number) =>
      unwrap(api.client.DELETE("/api/notetypes/{notetype_id}", { params: { path: { notetype_id: id } } })),
    onSuccess: invalidate,
  });
}

export function useChangeNotetype() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (body: { note_ids: number[]; notetype_id: number; fields?: (number | null)[]; templates?: (number | null)[] }) =>
      unwrap(api.client.POST("/api/notes/change-notetype", { body })),
    onSuccess: invalidate,
  });
}

/** An unsaved template rendered on a real note of the type (the editor's live preview). */
export function useTemplatePreview(id: number, front: string, back: string, css: string) {
  return useQuery({
    queryKey: ["notetypes", id, "preview", front, back, css],
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      unwrap(
        api.client.POST("/api/notetypes/{notetype_id}/preview", {
          params: { path: { notetype_id: id } },
          body: { front, back, css },
          signal,
        }),
      ),
  });
}
