/** Errors as the learner reads them, and the codes the client may branch on. */
import type { components } from "../api/schema.gen";

/** Every `error.code` the server answers (the enum of its OpenAPI document). */
export type ErrorCode = components["schemas"]["ErrorBodySchema"]["code"];
export type ErrorBody = components["schemas"]["ErrorSchema"];
/** Codes the client itself gives: the network failed, or the answer was not the API's. */
export type ClientErrorCode = "network" | "bad_response";

/** Codes that pass if tried again later, always sent with `Retry-After`. */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "conflict",
  "store_unavailable",
  "store_inconsistent",
]);

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;

  constructor(status: number, code: ErrorCode | ClientErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

const PLAIN_WORDS: Record<number, string> = {
  400: "That request wasn't accepted. Please check what you typed.",
  401: "Your login has expired. Please log in again.",
  403: "You don't have access to that.",
  404: "That item doesn't exist any more. It may have been deleted.",
  409: "Your collection was busy with another change. Please try again in a moment.",
  413: "That file is too large to upload.",
  429: "Too many attempts. Please wait a minute and try again.",
  503: "The server's storage is unavailable right now. Please try again in a minute.",
};

export const NETWORK_ERROR = (): ApiError =>
  new ApiError(0, "network", "Can't reach the server. Check your connection.");

/** The first field problem of a rejected request, as "field: problem". */
function firstDetail(details: ErrorBody["error"]["details"]): string | null {
  for (const fields of Object.values(details ?? {})) {
    for (const [field, messages] of Object.entries(fields)) {
      if (messages.length) return field === "_schema" ? messages[0] : `${field}: ${messages[0]}`;
    }
  }
  return null;
}

/** An `ApiError` from a failed answer's status and (typed) body. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const error = (body as Partial<ErrorBody> | null | undefined)?.error;
  let message = error?.message ?? "";
  const detail = error ? firstDetail(error.details) : null;
  if (detail) message = detail;
  if (status >= 500 && status !== 503) message = "Something went wrong on the server. Please try again.";
  if (!message) message = PLAIN_WORDS[status] ?? `The server answered with an error (${status}).`;
  return new ApiError(status, error?.code ?? (status >= 500 ? "internal_error" : "bad_request"), message);
}

export async function apiErrorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.clone().json();
  } catch {
    // not JSON: the plain words for the status
  }
  return apiErrorFrom(response.status, body);
}

/** What to show the learner for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Please try again.";
}
