/** Importing a package (upload with progress, then the import job polled) and exporting one. */
import { useEffect } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components, paths } from "../../api/schema.gen";
import { api, unwrap } from "../../lib/api";
import { apiErrorFrom, NETWORK_ERROR } from "../../lib/errors";
import { uploadForm } from "../../lib/upload";

export type ImportJob = components["schemas"]["ImportJobSchema"];
export type ImportReport = components["schemas"]["ImportReportSchema"];
export type ExportQuery = NonNullable<paths["/api/export"]["get"]["parameters"]["query"]>;

const POLL_MS = 300;

/** Uploads an .apkg/.colpkg; resolves to the import job the server started. */
export function useStartImport(onProgress: (fraction: number) => void) {
  return useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append("file", file, file.name);
      return uploadForm<ImportJob>(api, "/api/import", form, onProgress);
    },
  });
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
