import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../api/client";
import { fakeFetch, json, memoryStorage } from "../test/fakeServer";
import { useDBSession } from "./useDBSession";

function setup() {
  let next = 0;
  const server = fakeFetch({
    "POST /api/session/start": () => {
      next += 1;
      return json({ session_id: `sess-${next}` }, 200, { "X-Session-ID": `sess-${next}` });
    },
    "POST /api/session/flush": (request) =>
      (request.body as { session_id?: string }).session_id === "expired-on-server"
        ? json({ error: { code: "session_not_found", message: "no such session" } }, 404)
        : json({ success: true }),
    "POST /api/review": () => json({ ok: true }),
  });
  const storage = memoryStorage();
  storage.setItem("javumbo.auth", JSON.stringify({ token: "t", username: "ana" }));
  const client = new ApiClient({ fetch: server.fetch, storage });
  const hook = renderHook(() => useDBSession(client));
  const flushes = () => server.calls.filter((c) => c.url === "/api/session/flush");
  return { client, server, hook, flushes };
}

describe("useDBSession", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts a session and sends its id with every request after", async () => {
    const { client, server, hook } = setup();
    await act(() => hook.result.current.start());
    expect(hook.result.current.isActive).toBe(true);
    expect(hook.result.current.id).toBe("sess-1");
    await client.post("/api/review", { card_id: 1, rating: 3, time_ms: 10 });
    expect(server.calls.at(-1)?.headers["X-Session-ID"]).toBe("sess-1");
  });

  it("starting twice at once opens one session", async () => {
    const { server, hook } = setup();
    await act(() => Promise.all([hook.result.current.start(), hook.result.current.start()]));
    expect(server.calls.filter((c) => c.url === "/api/session/start")).toHaveLength(1);
  });

  it("flushes after 20 answers, sending the session id, and closes the session", async () => {
    const { hook, flushes } = setup();
    await act(() => hook.result.current.start());
    for (let i = 0; i < 19; i++) await act(() => hook.result.current.recordChange());
    expect(flushes()).toHaveLength(0);
    expect(hook.result.current.unflushed).toBe(19);
    await act(() => hook.result.current.recordChange());
    expect(flushes()).toHaveLength(1);
    expect(flushes()[0].body).toEqual({ session_id: "sess-1" });
    expect(hook.result.current.isActive).toBe(false);
    expect(hook.result.current.unflushed).toBe(0);
  });

  it("flushes after five idle minutes", async () => {
    const { hook, flushes } = setup();
    await act(() => hook.result.current.start());
    await act(() => hook.result.current.recordChange());
    await act(async () => {
      vi.advanceTimersByTime(4 * 60 * 1000);
    });
    await act(() => hook.result.current.recordChange());
    await act(async () => {
      vi.advanceTimersByTime(4 * 60 * 1000);
    });
    expect(flushes()).toHaveLength(0);
    await act(async () => {
      vi.advanceTimersByTime(60 * 1000 + 1);
    });
    expect(flushes()).toHaveLength(1);
    expect(hook.result.current.isActive).toBe(false);
  });

  it("flushes when the learner leaves review (unmount)", async () => {
    const { hook, flushes } = setup();
    await act(() => hook.result.current.start());
    await act(() => hook.result.current.recordChange());
    hook.unmount();
    await vi.waitFor(() => expect(flushes()).toHaveLength(1));
    expect(flushes()[0].body).toEqual({ session_id: "sess-1" });
  });

  it("still writes the snapshot when the server had already ended the session", async () => {
    const { hook, server, client } = setup();
    await act(() => hook.result.current.start());
    await act(() => hook.result.current.recordChange());
    client.setSession({ id: "expired-on-server" });
    await act(() => hook.result.current.flush());
    const flushes = server.calls.filter((c) => c.url === "/api/session/flush").map((c) => c.body);
    expect(flushes).toEqual([{ session_id: "expired-on-server" }, {}]);
    expect(hook.result.current.isActive).toBe(false);
  });

  it("asks before the page closes only while answers are unflushed", async () => {
    const { hook } = setup();
    const closing = () => {
      const event = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    await act(() => hook.result.current.start());
    expect(closing()).toBe(false);
    await act(() => hook.result.current.recordChange());
    expect(closing()).toBe(true);
    await act(() => hook.result.current.flush());
    expect(closing()).toBe(false);
  });

  it("a last flush goes out with keepalive when the page is hidden", async () => {
    const { hook, server } = setup();
    await act(() => hook.result.current.start());
    await act(() => hook.result.current.recordChange());
    window.dispatchEvent(new Event("pagehide"));
    await vi.waitFor(() => expect(server.calls.filter((c) => c.url === "/api/session/flush")).toHaveLength(1));
  });
});
