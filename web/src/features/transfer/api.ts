/** Importing a package (upload with progress, then the import job polled) and exporting one. */
import { useEffect } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components, paths } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";
import { apiErrorFrom, NETWORK_ERROR } from "../../lib/errors";
import { postToStorage, uploadForm } from "../../lib/upload";

export type ImportJob = components["schemas"]["ImportJobSchema"];
export type ImportReport = components["schemas"]["ImportReportSchema"];
export type ExportQuery = NonNullable<paths["/api/export"]["get"]["parameters"]["query"]>;

const POLL_MS = 300;

/** Whether packages go straight to and from storage (on Lambda, whose API takes at most 6 MB). */
async function directTransfers(): Promise<boolean> {
  const info = await unwrap(api.client.GET("/api/server-info"));
  return info.direct_transfers;
}

/** Uploads an .apkg/.colpkg (to storage first where the server says so); resolves to the import
 * job the server started. */
export function useStartImport(onProgress: (fraction: number) => void) {
  return useMutation({ mutationFn: (file: File) => startImport(file, onProgress) });
}

export async function startImport(file: File, onProgress: (fraction: number) => void): Promise<ImportJob> {
  if (await directTransfers()) {
    const form = await unwrap(api.client.POST("/api/import/uploads", { body: { filename: file.name } }));
    await postToStorage(form.url, form.fields, file, onProgress);
    return unwrap(api.client.POST("/api/import/from-upload", { body: { key: form.key, scheduling: true } }));
  }
  const form = new FormData();
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

/** The package written to storage by the server, then fetched from its short-lived link. */
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
