import { describe, expect, it } from "vitest";
import { apiError, on } from "../test/handlers";
import { jwt } from "../test/render";
import { server } from "../test/server";
import { createApi, unwrap } from "./api";
import { ApiError } from "./errors";

function client(now = Date.now()) {
  const waits: number[] = [];
  const api = createApi({
    storage: null,
    now: () => now,
    retry: { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
  });
  api.auth.set({ access_token: jwt(Math.floor(now / 1000) + 900), refresh_token: "refresh-1", username: "ana" });
  return { api, waits };
}

const created = { id: 9, name: "Verbs" };

describe("the API client's middleware", () => {
  it("sends the token, the session id and an idempotency key on a write", async () => {
    const seen: Headers[] = [];
    server.use(
      on("post", "/api/decks", ({ request }) => {
        seen.push(request.headers);
        return created;
      }),
    );
    const { api } = client();
    api.session.set("s1");
    expect(await unwrap(api.client.POST("/api/decks", { body: { name: "Verbs" } }))).toEqual(created);
    expect(seen[0].get("Authorization")).toBe(`Bearer ${api.auth.accessToken}`);
    expect(seen[0].get("X-Session-ID")).toBe("s1");
    expect(seen[0].get("Idempotency-Key")).toMatch(/.{8,}/);
  });

  it.each([
    [503, "store_unavailable", "5"],
    [503, "store_inconsistent", "5"],
    [409, "conflict", "1"],
  ] as const)("retries a %s %s after Retry-After, with the same idempotency key", async (status, code, retryAfter) => {
    const keys: (string | null)[] = [];
    server.use(
      on("post", "/api/decks", ({ request }) => {
        keys.push(request.headers.get("Idempotency-Key"));
        return keys.length < 3 ? apiError(status, code, "busy", { "Retry-After": retryAfter }) : created;
      }),
    );
    const { api, waits } = client();
    expect(await unwrap(api.client.POST("/api/decks", { body: { name: "Verbs" } }))).toEqual(created);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(waits).toEqual([Number(retryAfter) * 1000, Number(retryAfter) * 1000]);
  });

  it("does not retry a 409 that says something else (a name taken), nor a 503 without a store code", async () => {
    let calls = 0;
    server.use(
      on("post", "/register", () => {
        calls += 1;
        return apiError(409, "username_taken", "that username is taken");
      }),
    );
    const { api, waits } = client();
    const error = await unwrap(api.client.POST("/register", { body: { username: "ana", password: "12345678" } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("username_taken");
    expect((error as ApiError).message).toBe("that username is taken");
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it("gives up after a few tries and says why", async () => {
    server.use(on("get", "/api/decks", () => apiError(503, "store_unavailable", "the storage backend is unavailable", { "Retry-After": "5" })));
    const { api, waits } = client();
    const error = (await unwrap(api.client.GET("/api/decks")).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(503);
    expect(error.code).toBe("store_unavailable");
    expect(waits).toHaveLength(4);
  });

  it("after a 401, refreshes the token once and resends the request with the new one", async () => {
    const tokens: (string | null)[] = [];
    const fresh = jwt(Math.floor(Date.now() / 1000) + 900, "fresh");
    server.use(
      on("get", "/api/decks", ({ request }) => {
        tokens.push(request.headers.get("Authorization"));
        return tokens.length === 1 ? apiError(401, "token_expired") : { decks: [] };
      }),
      on("post", "/refresh", ({ request }) => {
        expect(request.headers.get("Authorization")).toBe("Bearer refresh-1");
        return { token: fresh, access_token: fresh, refresh_token: "refresh-2" };
      }),
    );
    const { api } = client();
    expect(await unwrap(api.client.GET("/api/decks"))).toEqual({ decks: [] });
    expect(tokens[1]).toBe(`Bearer ${fresh}`);
    expect(api.auth.refreshToken).toBe("refresh-2");
  });

  it("logs out when the refresh token is refused", async () => {
    server.use(
      on("get", "/api/decks", () => apiError(401, "unauthorized")),
      on("post", "/refresh", () => apiError(401, "unauthorized")),
    );
    const { api } = client();
    await expect(unwrap(api.client.GET("/api/decks"))).rejects.toBeInstanceOf(ApiError);
    expect(api.auth.username).toBeNull();
  });

  it("refreshes before a request when the token is about to expire", async () => {
    const now = Date.now();
    const fresh = jwt(Math.floor(now / 1000) + 900, "fresh");
    let refreshes = 0;
    server.use(
      on("post", "/refresh", () => {
        refreshes += 1;
        return { token: fresh, access_token: fresh, refresh_token: "refresh-2" };
      }),
      on("get", "/api/decks", ({ request }) => {
        expect(request.headers.get("Authorization")).toBe(`Bearer ${fresh}`);
        return { decks: [] };
      }),
    );
    const { api } = client(now);
    api.auth.set({ access_token: jwt(Math.floor(now / 1000) + 30), refresh_token: "refresh-1", username: "ana" });
    await Promise.all([unwrap(api.client.GET("/api/decks")), unwrap(api.client.GET("/api/decks"))]);
    expect(refreshes).toBe(1);
  });

  it("adopts the session id the server hands back while a session is open", async () => {
    server.use(
      on("get", "/api/decks", () => new Response(JSON.stringify({ decks: [] }), { headers: { "X-Session-ID": "s2", "Content-Type": "application/json" } })),
    );
    const { api } = client();
    await unwrap(api.client.GET("/api/decks"));
    expect(api.session.current).toBeNull();
    api.session.set("s1");
    await unwrap(api.client.GET("/api/decks"));
    expect(api.session.current).toBe("s2");
  });

  it("turns a validation error's first field problem into the message", async () => {
    server.use(
      on("post", "/register", () =>
        Response.json(
          { error: { code: "validation_error", message: "the request did not match", details: { json: { password: ["Shorter than minimum length 8."] } } } },
          { status: 422 },
        ),
      ),
    );
    const { api } = client();
    const error = (await unwrap(api.client.POST("/register", { body: { username: "ana", password: "x" } })).catch((e: unknown) => e)) as ApiError;
    expect(error.message).toBe("password: Shorter than minimum length 8.");
  });

  it("says the server cannot be reached when the network fails", async () => {
    const api = createApi({ storage: null, fetch: async () => Promise.reject(new TypeError("Failed to fetch")) });
    const error = (await unwrap(api.client.GET("/health")).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("network");
  });
});
