/** Check Media (Anki's Tools → Check Media) as server state: the check, deleting unused
 * files, and tagging the notes that refer to missing ones. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api";

/** The tag Anki's "Tag Missing" puts on notes that refer to missing files. */
export const MISSING_MEDIA_TAG = "missing-media";

export const mediaCheckKey = ["media-check"] as const;

export function useMediaCheck() {
  return useQuery({
    queryKey: mediaCheckKey,
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/media-check", { signal })),
    staleTime: 0,
  });
}

export function useDeleteUnusedMedia() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (names: string[]) =>
      (await unwrap(api.client.POST("/api/media-check/delete", { body: { names } }))).deleted,
    onSettled: () => queryClient.invalidateQueries({ queryKey: mediaCheckKey }),
  });
}

export function useTagMissingMedia() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (noteIds: number[]) =>
      (await unwrap(api.client.POST("/api/notes/tags", { body: { note_ids: noteIds, add: [MISSING_MEDIA_TAG] } }))).changed,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ["notes"] }),
        queryClient.invalidateQueries({ queryKey: ["tags"] }),
        queryClient.invalidateQueries({ queryKey: ["browse"] }),
      ]),
  });
}

/** The browser's search for these notes (Anki's `nid:` search). */
export function notesSearchLink(noteIds: number[]): string {
  return `/browse?search=${encodeURIComponent(`nid:${noteIds.join(",")}`)}`;
}
