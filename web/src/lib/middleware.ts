/**
 * What every request to the API needs beyond its typed call, as openapi-fetch middleware:
 * - `Idempotency-Key` on every write, the same on each retry of that write;
 * - `X-Session-ID` while a review session is open, adopting the id the server returns;
 * - the access token, refreshed shortly before it expires and once after a 401;
 * - retries of what the server says passes (409 `conflict`, 503 `store_unavailable` and
 *   `store_inconsistent`), after the `Retry-After` it sends.
 * Each middleware that resends keeps a copy of the request as it was first sent (its body can
 * only be read once).
 */
import type { Middleware } from "openapi-fetch";
import type { AuthStore } from "./auth";
import { TRANSIENT_CODES, type ErrorCode } from "./errors";
import type { SessionStore } from "./session";

/** Routes that take no access token (the refresh route takes the refresh token instead). */
const ANONYMOUS = new Set(["/login", "/register", "/refresh", "/logout", "/health", "/api/server-info"]);

function newKey(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** The requests as sent, by openapi-fetch's request id, for resending. */
const sent = new Map<string, Request>();

function resend(id: string, headers: Record<string, string>, send: typeof fetch): Promise<Response> | null {
  const original = sent.get(id);
  if (!original) return null;
  const copy = original.clone();
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
  return send(copy);
}

export function idempotencyMiddleware(): Middleware {
  return {
    onRequest({ request }) {
      if (request.method !== "GET" && !request.headers.has("Idempotency-Key")) {
        request.headers.set("Idempotency-Key", newKey());
      }
      return request;
    },
  };
}

export function sessionMiddleware(session: SessionStore): Middleware {
  return {
    onRequest({ request }) {
      if (session.current && !request.headers.has("X-Session-ID")) request.headers.set("X-Session-ID", session.current);
      return request;
    },
    onResponse({ response }) {
      session.adopt(response.headers.get("X-Session-ID"));
    },
  };
}

/** A 401 about the access token (not, say, a wrong password given in the request). */
async function isTokenRefusal(response: Response): Promise<boolean> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: ErrorCode } };
    return body.error?.code === "unauthorized" || body.error?.code === "token_expired";
  } catch {
    return true;
  }
}

export function authMiddleware(auth: AuthStore): Middleware {
  return {
    async onRequest({ request, schemaPath }) {
      if (ANONYMOUS.has(schemaPath) || request.headers.has("Authorization")) return request;
      if (auth.msUntilRefresh() === 0) await auth.refresh().catch(() => undefined);
      if (auth.accessToken) request.headers.set("Authorization", `Bearer ${auth.accessToken}`);
      return request;
    },
    async onResponse({ response, schemaPath, id, options }) {
      if (response.status !== 401 || ANONYMOUS.has(schemaPath) || !auth.accessToken) return response;
      if (!(await isTokenRefusal(response))) return response;
      try {
        await auth.refresh();
      } catch {
        auth.clear();
        return response;
      }
      const again = await resend(id, { Authorization: `Bearer ${auth.accessToken}` }, options.fetch);
      if (again?.status === 401) auth.clear();
      return again ?? response;
    },
  };
}

export interface RetryOptions {
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Longest wait between two tries, whatever `Retry-After` says. */
  maxWaitMs?: number;
  /** Told before each retry (a review shows "retrying"). */
  onRetry?: (attempt: number, code: ErrorCode) => void;
}

/** The code of a transient error answer, or null. */
export async function transientCode(response: Response): Promise<ErrorCode | null> {
  if (response.status !== 409 && response.status !== 503) return null;
  try {
    const body = (await response.clone().json()) as { error?: { code?: ErrorCode } };
    const code = body.error?.code;
    return code && TRANSIENT_CODES.has(code) ? code : null;
  } catch {
    return null;
  }
}

/** How long to wait before try `attempt` (0-based): the server's `Retry-After`, with jitter. */
export function retryDelayMs(response: Response, attempt: number, random: () => number, maxWaitMs: number): number {
  const retryAfter = Number(response.headers.get("Retry-After"));
  const base = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt;
  return Math.min(base, maxWaitMs) * (0.75 + random() * 0.5);
}

export function retryMiddleware(options: RetryOptions = {}): Middleware {
  const maxRetries = options.maxRetries ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  return {
    onRequest({ request, id }) {
      sent.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id, options: client }) {
      let current = response;
      for (let attempt = 0; attempt < maxRetries; attempt++) {
        const code = await transientCode(current);
        if (!code) break;
        options.onRetry?.(attempt + 1, code);
        await sleep(retryDelayMs(current, attempt, random, maxWaitMs));
        const again = await resend(id, {}, client.fetch);
        if (!again) break;
        current = again;
      }
      return current;
    },
  };
}

/** First in the list, so last to see the answer: forgets the copy kept for resending. */
export function forgetSentMiddleware(): Middleware {
  return {
    onResponse({ id }) {
      sent.delete(id);
    },
    onError({ id }) {
      sent.delete(id);
    },
  };
}
