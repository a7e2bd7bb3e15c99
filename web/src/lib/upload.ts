/**
 * File uploads with progress: XMLHttpRequest reports upload progress, fetch does not. The same
 * rules as the typed client: the access token (refreshed once after a 401), `X-Session-ID`, one
 * `Idempotency-Key` for every try, and retries of transient answers after `Retry-After`.
 */
import type { Api } from "./api";
import { ApiError, apiErrorFrom } from "./errors";
import { retryDelayMs, transientCode } from "./middleware";

interface XhrAnswer {
  status: number;
  text: string;
  headers: Headers;
}

function sendOnce(
  api: Api,
  path: string,
  form: FormData,
  idempotencyKey: string,
  onProgress: (fraction: number) => void,
): Promise<XhrAnswer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${api.baseUrl}${path}`);
    if (api.auth.accessToken) xhr.setRequestHeader("Authorization", `Bearer ${api.auth.accessToken}`);
    if (api.session.current) xhr.setRequestHeader("X-Session-ID", api.session.current);
    xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const headers = new Headers();
      const retryAfter = xhr.getResponseHeader("Retry-After");
      if (retryAfter) headers.set("Retry-After", retryAfter);
      resolve({ status: xhr.status, text: xhr.responseText, headers });
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload failed. Check your connection."));
    xhr.send(form);
  });
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** POSTs `form` to `path`, reporting progress 0..1; resolves to the parsed JSON answer. */
export async function uploadForm<T>(
  api: Api,
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  const key = typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
  const maxRetries = api.retry.maxRetries ?? 4;
  const sleep = api.retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let refreshed = false;
  if (api.auth.msUntilRefresh() === 0) await api.auth.refresh().catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    const answer = await sendOnce(api, path, form, key, onProgress);
    if (answer.status >= 200 && answer.status < 300) {
      onProgress(1);
      return parse(answer.text) as T;
    }
    const response = new Response(answer.text, { status: answer.status, headers: answer.headers });
    const code = await transientCode(response);
    if (code && attempt < maxRetries) {
      api.retry.onRetry?.(attempt + 1, code);
      await sleep(retryDelayMs(response, attempt, api.retry.random ?? Math.random, api.retry.maxWaitMs ?? 10_000));
      continue;
    }
    if (answer.status === 401 && !refreshed && api.auth.accessToken) {
      refreshed = true;
      try {
        await api.auth.refresh();
        continue;
      } catch {
        api.auth.clear();
      }
    }
    throw apiErrorFrom(answer.status, parse(answer.text));
  }
}

/**
 * POSTs `file` to object storage with a presigned form (`fields` first, the file last, as S3
 * wants): no token or session header goes there. Resolves when storage has the file.
 */
export function postToStorage(
  url: string,
  fields: Record<string, string>,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else if (xhr.status === 400 && xhr.responseText.includes("EntityTooLarge")) {
        reject(new ApiError(413, "payload_too_large", "The package is too large to import."));
      } else {
        reject(new ApiError(xhr.status, "store_unavailable", "Storage refused the upload; try again."));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload failed. Check your connection."));
    xhr.send(form);
  });
}
