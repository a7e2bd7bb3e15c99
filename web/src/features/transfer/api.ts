/** Importing a package or a text file (upload with progress, then the import job polled; a text
 * file previewed first, as Anki's import dialog does) and exporting one. */
import { useEffect } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components, paths } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";
import { apiErrorFrom, NETWORK_ERROR } from "../../lib/errors";
import { postToStorage, uploadForm } from "../../lib/upload";

export type ImportJob = components["schemas"]["ImportJobSchema"];
export type ImportReport = components["schemas"]["ImportReportSchema"];
export type ExportQuery = NonNullable<paths["/api/export"]["get"]["parameters"]["query"]>;
export type TextPreview = components["schemas"]["TextPreviewSchema"];
export type TextReport = components["schemas"]["TextImportReportSchema"];
/** What the learner chose in the text import dialog (`POST /api/import`'s text fields). */
export type TextChoices = Omit<components["schemas"]["FromUploadSchema"], "key" | "scheduling">;
export type Separator = NonNullable<TextChoices["separator"]>;
export type Duplicates = NonNullable<TextChoices["duplicates"]>;
export type MatchScope = NonNullable<TextChoices["match_scope"]>;

const POLL_MS = 300;
/** The server reads at most this much of a file to preview it; the rest is not sent. */
export const PREVIEW_BYTES = 256 * 1024;
const TEXT_SUFFIXES = [".csv", ".tsv", ".txt"];

/** Whether the file is imported as text (rows to notes) rather than as an Anki package. */
export function isTextFile(name: string): boolean {
  const lower = name.toLowerCase();
  return TEXT_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** What the learner asks the preview to assume; unset: the file's header lines, else Anki's guess. */
export interface PreviewAsk {
  separator?: Separator;
  html?: boolean;
  notetypeId?: number;
  deckId?: number;
}

function textFields(choices: Record<string, string | number | boolean | undefined>): [string, string][] {
  return Object.entries(choices).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]));
}

/** The first rows of a text file as the import would read them, with Anki's starting choices;
 * asked again when the separator, HTML or note type changes (as Anki's dialog does). */
export function useTextPreview(file: File | null, ask: PreviewAsk) {
  const text = file !== null && isTextFile(file.name);
  return useQuery({
    queryKey: ["text-preview", file?.name, file?.size, file?.lastModified, ask],
    enabled: text,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: Infinity,
    queryFn: () => {
      const form = new FormData();
      const fields = { separator: ask.separator, html: ask.html, notetype_id: ask.notetypeId, deck_id: ask.deckId };
      for (const [name, value] of textFields(fields)) form.append(name, value);
      form.append("file", file!.slice(0, PREVIEW_BYTES), file!.name);
      return uploadForm<TextPreview>(api, "/api/import/text/preview", form, () => undefined);
    },
  });
}

/** Whether packages go straight to and from storage (on Lambda, whose API takes at most 6 MB). */
async function directTransfers(): Promise<boolean> {
  const info = await unwrap(api.client.GET("/api/server-info"));
  return info.direct_transfers;
}

/** Uploads an .apkg/.colpkg, or a text file with the learner's `text` choices (to storage first
 * where the server says so, text files too: the server takes the same choices either way);
 * resolves to the import job the server started. */
export function useStartImport(onProgress: (fraction: number) => void) {
  return useMutation({
    mutationFn: ({ file, text }: { file: File; text?: TextChoices }) => startImport(file, onProgress, text),
  });
}

export async function startImport(file: File, onProgress: (fraction: number) => void, text?: TextChoices): Promise<ImportJob> {
  if (await directTransfers()) {
    const form = await unwrap(api.client.POST("/api/import/uploads", { body: { filename: file.name } }));
    await postToStorage(form.url, form.fields, file, onProgress);
    return unwrap(api.client.POST("/api/import/from-upload", { body: { ...text, key: form.key, scheduling: true } }));
  }
  const form = new FormData();
  for (const [name, value] of textFields({ ...text })) form.append(name, value);
  form.append("file", file, file.name);
  return uploadForm<ImportJob>(api, "/api/import", form, onProgress);
}

/** The job, polled while it runs; when it ends everything the import may have changed refetches. */
export function useImportJob(job: ImportJob | undefined) {
  const queryClient = useQueryClient();
  const jobId = job?.job_id;
  const query = useQuery({
    queryKey: ["import-job", jobId],
    queryFn: ({ signal }) => unwrap(api.client.GET("/api/import/{job_id}", { params: { path: { job_id: jobId! } }, signal })),
    enabled: jobId !== undefined,
    initialData: job,
    refetchInterval: (q) => (q.state.data?.status === "running" ? POLL_MS : false),
    // A finished job does not change any more.
    staleTime: (q) => (q.state.data?.status === "running" ? 0 : Infinity),
  });
  const finished = query.data?.status === "done";
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "import-job" });
  }, [finished, queryClient]);
  return query;
}

/** The package as a file, with the name the server suggests. */
export async function exportPackage(query: ExportQuery): Promise<{ blob: Blob; filename: string | null }> {
  if (await directTransfers()) return exportThroughStorage(query);
  let result;
  try {
    result = await api.client.GET("/api/export", { params: { query }, parseAs: "blob" });
  } catch {
    throw NETWORK_ERROR();
  }
  if (!result.response.ok || !result.data) throw apiErrorFrom(result.response.status, result.error);
  const disposition = result.response.headers.get("Content-Disposition") ?? "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: result.data as unknown as Blob, filename: match ? decodeURIComponent(match[1]) : null };
}

/** The package (or text) written to storage by the server, then fetched from its short-lived link. */
async function exportThroughStorage(query: ExportQuery): Promise<{ blob: Blob; filename: string | null }> {
  const link = await unwrap(api.client.POST("/api/export/link", { params: { query } }));
  let response;
  try {
    response = await fetch(link.url);
  } catch {
    throw NETWORK_ERROR();
  }
  if (!response.ok) throw apiErrorFrom(response.status, null);
  return { blob: await response.blob(), filename: link.filename };
}
