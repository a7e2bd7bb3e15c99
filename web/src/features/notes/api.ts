/** Note types and notes as server state. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";
import { uploadForm } from "../../lib/upload";


export const noteKeys = {
  notetypes: ["notetypes"] as const,
  note: (id: number) => ["notes", id] as const,
  defaults: ["notes", "defaults"] as const,
  tags: ["tags"] as const,
};

export function useNotetypes() {
  return useQuery({
    queryKey: noteKeys.notetypes,
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/notetypes", { signal }))).notetypes,
  });
}

export function useNote(id: number) {
  return useQuery({
    queryKey: noteKeys.note(id),
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/notes/{note_id}", { params: { path: { note_id: id } }, signal })),
  });
}

/** Adding, editing or deleting notes changes card lists and deck counts. */
function useInvalidateCards() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["cards"] }),
      queryClient.invalidateQueries({ queryKey: ["decks"] }),
      queryClient.invalidateQueries({ queryKey: ["notes"] }),
      queryClient.invalidateQueries({ queryKey: noteKeys.tags }),
    ]);
}

export function useAddNote() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: (note: { notetype_id: number; deck_id: number; fields: string[]; tags: string[] }) =>
      unwrap(api.client.POST("/api/notes", { body: note })),
    onSuccess: invalidate,
  });
}

/** Saves only what changed: `fieldsByName` holds the edited fields alone, so a field the
 * learner did not touch keeps its stored HTML byte for byte. */
export function useUpdateNote() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: ({ id, fieldsByName, tags }: { id: number; fieldsByName: Record<string, string>; tags: string[] }) =>
      unwrap(
        api.client.PUT("/api/notes/{note_id}", {
          params: { path: { note_id: id } },
          body: Object.keys(fieldsByName).length > 0 ? { fields_by_name: fieldsByName, tags } : { tags },
        }),
      ),
    onSuccess: invalidate,
  });
}

/** The deck and note type the Add screen starts on (Anki's current deck and type). */
export function useAddingDefaults() {
  return useQuery({
    queryKey: noteKeys.defaults,
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/notes/defaults", { signal })),
    staleTime: 0,
  });
}

export function useTags() {
  return useQuery({
    queryKey: noteKeys.tags,
    queryFn: async ({ signal }) => (await unwrap(api.client.GET("/api/tags", { signal }))).tags,
    staleTime: 60_000,
  });
}

/** Notes of the same type with this first field (Anki's duplicate warning). */
export function useDuplicates(notetypeId: number | null, firstField: string, noteId?: number) {
  const text = firstField.replace(/<[^>]*>/g, "").trim();
  return useQuery({
    queryKey: ["notes", "duplicates", notetypeId, firstField, noteId ?? null] as const,
    enabled: notetypeId !== null && text !== "",
    queryFn: async ({ signal }) =>
      (
        await unwrap(
          api.client.POST("/api/notes/duplicates", {
            body: { notetype_id: notetypeId ?? 0, fields: [firstField], ...(noteId ? { note_id: noteId } : {}) },
            signal,
          }),
        )
      ).note_ids,
  });
}

/** The cards a note with these fields would make, rendered as review renders them. */
export function usePreview(notetypeId: number | null, fields: string[], deckId: number | null, enabled: boolean) {
  return useQuery({
    queryKey: ["notes", "preview", notetypeId, deckId, fields] as const,
    enabled: enabled && notetypeId !== null && fields.length > 0,
    queryFn: async ({ signal }) =>
      (
        await unwrap(
          api.client.POST("/api/notes/preview", {
            body: { notetype_id: notetypeId ?? 0, fields, deck_id: deckId ?? 1 },
            signal,
          }),
        )
      ).cards,
  });
}

export interface StoredMedia {
  name: string;
  kind: "image" | "audio" | "video";
}

/** Uploads a picture or sound; the server names it as Anki would. */
export function uploadMedia(file: Blob, filename: string): Promise<StoredMedia> {
  const form = new FormData();
  form.append("file", file, filename);
  return uploadForm<StoredMedia>(api, "/api/media", form, () => undefined);
}

export function splitTags(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

export function useDeleteNotes() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: async (ids: number[]) => {
      for (const id of ids) await unwrap(api.client.DELETE("/api/notes/{note_id}", { params: { path: { note_id: id } } }));
    },
    onSettled: invalidate,
  });
}
