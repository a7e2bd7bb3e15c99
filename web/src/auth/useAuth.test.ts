import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../api/client";
import { fakeFetch, json, jwt, memoryStorage } from "../test/fakeServer";
import { useTokenRefresh, useUsername } from "./useAuth";

describe("useTokenRefresh", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("refreshes a minute before the token expires, and again before the new one does", async () => {
    const now = Date.now() / 1000;
    let issued = 0;
    const server = fakeFetch({
      "POST /refresh": () => {
        issued += 1;
        return json({ token: jwt(Date.now() / 1000 + 900) });
      },
    });
    const storage = memoryStorage();
    const first = jwt(now + 180);
    storage.setItem("javumbo.auth", JSON.stringify({ token: first, refresh_token: "r", username: "ana" }));
    const client = new ApiClient({ fetch: server.fetch, storage });
    renderHook(() => useTokenRefresh(client));

    await act(async () => {
      vi.advanceTimersByTime(119_000);
    });
    expect(issued).toBe(0);
    await act(async () => {
      vi.advanceTimersByTime(1_500);
    });
    expect(issued).toBe(1);
    // The stored token is the new one, so a reload keeps it.
    const stored = JSON.parse(storage.getItem("javumbo.auth")!) as { token: string; refresh_token: string };
    expect(stored.token).not.toBe(first);
    expect(stored.refresh_token).toBe("r");
    await act(async () => {
      vi.advanceTimersByTime(840_000 + 1_000);
    });
    expect(issued).toBe(2);
  });

  it("useUsername follows login and logout", async () => {
    const server = fakeFetch({ "POST /login": () => json({ token: jwt(Date.now() / 1000 + 900), refresh_token: "r", username: "ana" }) });
    const client = new ApiClient({ fetch: server.fetch, storage: memoryStorage() });
    const { result } = renderHook(() => useUsername(client));
    expect(result.current).toBeNull();
    await act(() => client.login("Ana", "password1"));
    expect(result.current).toBe("ana");
    act(() => client.logout());
    expect(result.current).toBeNull();
  });
});
