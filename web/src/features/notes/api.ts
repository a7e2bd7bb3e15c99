/** Note types and notes as server state. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";


export const noteKeys = {
  notetypes: ["notetypes"] as const,
  note: (id: number) => ["notes", id] as const,
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

export function useUpdateNote() {
  const invalidate = useInvalidateCards();
  return useMutation({
    mutationFn: ({ id, fields, tags }: { id: number; fields: string[]; tags: string[] }) =>
      unwrap(api.client.PUT("/api/notes/{note_id}", { params: { path: { note_id: id } }, body: { fields, tags } })),
    onSuccess: invalidate,
  });
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

export function splitTags(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
