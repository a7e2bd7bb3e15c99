import { describe, expect, it } from "vitest";
import { on } from "../test/handlers";
import { jwt } from "../test/render";
import { server } from "../test/server";
import { AuthStore } from "./auth";

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
  };
}

describe("AuthStore", () => {
  it("keeps the login across reloads and refreshes once for many callers", async () => {
    const storage = memoryStorage();
    const now = Date.now();
    const fresh = jwt(Math.floor(now / 1000) + 900, "fresh");
    let refreshes = 0;
    server.use(
      on("post", "/refresh", () => {
        refreshes += 1;
        return { token: fresh, access_token: fresh, refresh_token: "r2" };
      }),
    );
    const auth = new AuthStore({ baseUrl: "http://localhost:3000", fetch: (i, n) => fetch(i, n), storage });
    auth.set({ access_token: jwt(Math.floor(now / 1000) + 10), refresh_token: "r1", username: "ana" });
    expect(auth.msUntilRefresh()).toBe(0);
    await Promise.all([auth.refresh(), auth.refresh()]);
    expect(refreshes).toBe(1);
    const reloaded = new AuthStore({ baseUrl: "http://localhost:3000", fetch: (i, n) => fetch(i, n), storage });
    expect(reloaded.accessToken).toBe(fresh);
    expect(reloaded.refreshToken).toBe("r2");
    expect(reloaded.username).toBe("ana");
  });

  it("takes the tokens another tab refreshed instead of spending its used refresh token", async () => {
    const storage = memoryStorage();
    const now = Date.now();
    const fresh = jwt(Math.floor(now / 1000) + 900, "fresh");
    const sent: (string | null)[] = [];
    server.use(
      on("post", "/refresh", ({ request }) => {
        sent.push(request.headers.get("Authorization"));
        return { token: fresh, access_token: fresh, refresh_token: "r2" };
      }),
    );
    const make = () => new AuthStore({ baseUrl: "http://localhost:3000", fetch: (i, n) => fetch(i, n), storage });
    const first = make();
    first.set({ access_token: jwt(Math.floor(now / 1000) + 10), refresh_token: "r1", username: "ana" });
    const second = make();
    await first.refresh();
    await second.refresh();
    expect(sent).toEqual(["Bearer r1"]);
    expect(second.accessToken).toBe(fresh);
    expect(second.refreshToken).toBe("r2");
  });
});
