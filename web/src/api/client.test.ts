import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, tokenExpiry } from "./client";
import { fakeFetch, json, jwt, memoryStorage } from "../test/fakeServer";

const NOW = 1_800_000_000_000;

function loggedIn(routes: Parameters<typeof fakeFetch>[0], options: { exp?: number; sleeps?: number[] } = {}) {
  const server = fakeFetch(routes);
  const storage = memoryStorage();
  const exp = options.exp ?? NOW / 1000 + 3600;
  storage.setItem("javumbo.auth", JSON.stringify({ token: jwt(exp), refresh_token: "refresh-1", username: "ana" }));
  const sleeps = options.sleeps ?? [];
  const client = new ApiClient({
    fetch: server.fetch,
    storage,
    now: () => NOW,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { client, server, storage, sleeps };
}

describe("tokens", () => {
  it("reads the expiry out of a JWT", () => {
    expect(tokenExpiry(jwt(1234))).toBe(1234);
    expect(tokenExpiry("not-a-jwt")).toBeNull();
  });

  it("keeps the login across a reload (a new client on the same storage)", async () => {
    const storage = memoryStorage();
    const server = fakeFetch({ "POST /login": () => json({ token: jwt(NOW / 1000 + 900), refresh_token: "r" }) });
    const first = new ApiClient({ fetch: server.fetch, storage });
    await first.login("ana", "correct horse");
    expect(server.calls[0].body).toEqual({ username: "ana", password: "correct horse" });
    expect(server.calls[0].headers.Authorization).toBeUndefined();

    const reloaded = new ApiClient({ fetch: server.fetch, storage });
    expect(reloaded.isLoggedIn).toBe(true);
    expect(reloaded.username).toBe("ana");
    reloaded.logout();
    expect(new ApiClient({ fetch: server.fetch, storage }).isLoggedIn).toBe(false);
  });

  it("refreshes the access token before it expires, then sends the new one", async () => {
    const fresh = jwt(NOW / 1000 + 900);
    const { client, server } = loggedIn(
      {
        "POST /refresh": () => json({ token: fresh }),
        "GET /api/decks": () => json({ decks: [] }),
      },
      { exp: NOW / 1000 + 30 },
    );
    expect(client.msUntilRefresh()).toBe(0);
    await client.get("/api/decks");
    expect(server.calls.map((c) => `${c.method} ${c.url}`)).toEqual(["POST /refresh", "GET /api/decks"]);
    expect(server.calls[0].headers.Authorization).toBe("Bearer refresh-1");
    expect(server.calls[1].headers.Authorization).toBe(`Bearer ${fresh}`);
  });

  it("schedules the refresh a minute before expiry", () => {
    const { client } = loggedIn({}, { exp: NOW / 1000 + 600 });
    expect(client.msUntilRefresh()).toBe(540_000);
  });

  it("refreshes once on a 401 and repeats the request", async () => {
    let decksCalls = 0;
    const { client, server } = loggedIn({
      "POST /refresh": () => json({ token: jwt(NOW / 1000 + 900, "ana2") }),
      "GET /api/decks": () => (++decksCalls === 1 ? json({ error: { code: "token_expired", message: "expired" } }, 401) : json({ decks: [] })),
    });
    await expect(client.get("/api/decks")).resolves.toEqual({ decks: [] });
    expect(server.calls.map((c) => c.url)).toEqual(["/api/decks", "/refresh", "/api/decks"]);
  });

  it("logs out when the refresh token is refused too", async () => {
    const { client, storage } = loggedIn({
      "POST /refresh": () => json({ error: { code: "unauthorized", message: "no" } }, 401),
      "GET /api/decks": () => json({ error: { code: "unauthorized", message: "Token has expired" } }, 401),
    });
    await expect(client.get("/api/decks")).rejects.toBeInstanceOf(ApiError);
    expect(client.isLoggedIn).toBe(false);
    expect(storage.getItem("javumbo.auth")).toBeNull();
  });
});

describe("sessions", () => {
  it("sends X-Session-ID only while a session is open", async () => {
    const { client, server } = loggedIn({ "GET /api/decks": () => json({ decks: [] }) });
    await client.get("/api/decks");
    client.setSession({ id: "sess-1" });
    await client.get("/api/decks");
    expect(server.calls[0].headers["X-Session-ID"]).toBeUndefined();
    expect(server.calls[1].headers["X-Session-ID"]).toBe("sess-1");
    expect(server.calls[1].headers.Authorization).toMatch(/^Bearer /);
  });

  it("adopts the id the server returns when the old session had expired", async () => {
    const { client, server } = loggedIn({
      "POST /api/review": () => json({ ok: true }, 200, { "X-Session-ID": "sess-2" }),
    });
    client.setSession({ id: "sess-1" });
    await client.post("/api/review", { card_id: 1, rating: 3, time_ms: 900 });
    await client.post("/api/review", { card_id: 2, rating: 3, time_ms: 900 });
    expect(client.getSession().id).toBe("sess-2");
    expect(server.calls[1].headers["X-Session-ID"]).toBe("sess-2");
  });

  it("ignores a server session id when none is open", async () => {
    const { client } = loggedIn({ "GET /api/decks": () => json({ decks: [] }, 200, { "X-Session-ID": "s" }) });
    await client.get("/api/decks");
    expect(client.getSession().id).toBeNull();
  });
});

describe("conflicts", () => {
  it("retries a 409 with growing backoff and the same Idempotency-Key", async () => {
    const conflict = () => json({ error: { code: "conflict", message: "busy" } }, 409);
    // (no Retry-After here: the error code alone marks it as transient)
    const { client, server, sleeps } = loggedIn({
      "POST /api/review": [conflict, conflict, () => json({ ok: true })],
    });
    await expect(client.post("/api/review", { card_id: 1, rating: 3, time_ms: 1 })).resolves.toEqual({ ok: true });
    expect(server.calls).toHaveLength(3);
    const keys = new Set(server.calls.map((c) => c.headers["Idempotency-Key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBeTruthy();
    expect(sleeps).toEqual([100, 200]);
  });

  it("honours Retry-After", async () => {
    const { client, sleeps } = loggedIn({
      "POST /api/review": [() => json({ error: { code: "conflict", message: "busy" } }, 409, { "Retry-After": "2" }), () => json({})],
    });
    await client.post("/api/review", {});
    expect(sleeps).toEqual([2000]);
  });

  it("gives up after the retries with words a learner understands", async () => {
    const { client, server } = loggedIn({
      "POST /api/review": () => new Response("", { status: 409, headers: { "Retry-After": "1" } }),
    });
    const error = await client.post("/api/review", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(/busy with another change/);
    expect(server.calls).toHaveLength(6);
  });

  it("does not retry a 409 that is no storage conflict (a taken username)", async () => {
    const { client, server } = loggedIn({
      "POST /register": () => json({ error: { code: "username_taken", message: "that username is taken" } }, 409),
    });
    await expect(client.register("ana", "password1")).rejects.toThrow("that username is taken");
    expect(server.calls).toHaveLength(1);
  });

  it("retries a store outage (503) too", async () => {
    const { client, server } = loggedIn({
      "GET /api/decks": [() => json({ error: { code: "unavailable", message: "down" } }, 503, { "Retry-After": "5" }), () => json({ decks: [] })],
    });
    await expect(client.get("/api/decks")).resolves.toEqual({ decks: [] });
    expect(server.calls).toHaveLength(2);
  });

  it("does not retry other errors and passes the server's message on", async () => {
    const { client, server } = loggedIn({
      "POST /api/decks": () => json({ error: { code: "validation", message: "A deck needs a name." } }, 400),
    });
    await expect(client.post("/api/decks", { name: "" })).rejects.toThrow("A deck needs a name.");
    expect(server.calls).toHaveLength(1);
  });

  it("names the field a validation error is about", async () => {
    const { client } = loggedIn({
      "POST /register": () =>
        json({ error: { code: "validation_error", message: "Validation error", details: { json: { password: ["Shorter than minimum length 8."] } } } }, 422),
    });
    await expect(client.register("ana", "short")).rejects.toThrow("password: Shorter than minimum length 8.");
  });

  it("hides server internals behind plain words", async () => {
    const { client } = loggedIn({ "GET /api/stats": () => new Response("Traceback ...", { status: 500 }) });
    await expect(client.get("/api/stats")).rejects.toThrow("Something went wrong on the server. Please try again.");
  });

  it("says the server can't be reached when the network fails", async () => {
    const client = new ApiClient({ fetch: () => Promise.reject(new TypeError("Failed to fetch")), storage: memoryStorage() });
    await expect(client.get("/api/decks")).rejects.toThrow("Can't reach the server");
  });
});
