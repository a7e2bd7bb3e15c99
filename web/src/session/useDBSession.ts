/**
 * A review "DB session" as the seed plans it: the server keeps the learner's collection warm
 * while the session is open and writes it back to object storage once, on flush, instead of
 * after every answer. The hook starts a session when review begins, makes every request carry
 * `X-Session-ID` (through the shared ApiClient), and flushes when the learner leaves, after
 * every `flushEvery` answers and after `idleMs` without one. While answers are unflushed,
 * leaving the page asks for confirmation.
 */
import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";
import { ApiError, type ApiClient, type SessionState } from "../api/client";

export interface DBSessionOptions {
  flushEvery?: number;
  idleMs?: number;
}

export interface DBSession extends SessionState {
  isActive: boolean;
  /** Opens a session unless one is open; resolves to its id. */
  start: () => Promise<string>;
  /** Counts one answer or edit sent under the session; flushes every `flushEvery`. */
  recordChange: () => Promise<void>;
  /** Writes the session's changes back and closes it. */
  flush: () => Promise<void>;
}

export const FLUSH_EVERY = 20;
export const IDLE_MS = 5 * 60 * 1000;

export function useSessionState(client: ApiClient): SessionState {
  return useSyncExternalStore(client.subscribeSession, client.getSession, client.getSession);
}

export function useDBSession(client: ApiClient, options: DBSessionOptions = {}): DBSession {
  const flushEvery = options.flushEvery ?? FLUSH_EVERY;
  const idleMs = options.idleMs ?? IDLE_MS;
  const state = useSessionState(client);
  const starting = useRef<Promise<string> | null>(null);
  const idleTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const start = useCallback(async (): Promise<string> => {
    const open = client.getSession().id;
    if (open) return open;
    if (!starting.current) {
      starting.current = client
        .request<{ session_id: string }>("POST", "/api/session/start", { body: {} })
        .then((data) => {
          client.setSession({ id: data.session_id, unflushed: 0 });
          return data.session_id;
        })
        .finally(() => {
          starting.current = null;
        });
    }
    return starting.current;
  }, [client]);

  const flush = useCallback(async (): Promise<void> => {
    const { id } = client.getSession();
    if (idleTimer.current) clearTimeout(idleTimer.current);
    if (!id) return;
    try {
      await client.request("POST", "/api/session/flush", { body: { session_id: id } });
    } catch (error) {
      // The server already ended an expired session: still write the snapshot, without its id.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      await client.request("POST", "/api/session/flush", { body: {} });
    }
    client.setSession({ id: null, unflushed: 0 });
  }, [client]);

  const armIdleTimer = useCallback(() => {
    if (idleTimer.current) clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(() => {
      flush().catch(() => undefined);
    }, idleMs);
  }, [flush, idleMs]);

  const recordChange = useCallback(async (): Promise<void> => {
    const { id, unflushed } = client.getSession();
    if (!id) return;
    const count = unflushed + 1;
    client.setSession({ unflushed: count });
    if (count >= flushEvery) {
      await flush();
    } else {
      armIdleTimer();
    }
  }, [client, flush, flushEvery, armIdleTimer]);

  // Flush when the component that opened the session goes away (the learner leaves review).
  useEffect(() => {
    return () => {
      if (idleTimer.current) clearTimeout(idleTimer.current);
      flush().catch(() => undefined);
    };
  }, [flush]);

  // Unflushed answers: ask before the tab closes, and try a last flush that outlives the page.
  useEffect(() => {
    if (state.unflushed === 0 || !state.id) return;
    const sessionId = state.id;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    const onPageHide = () => {
      client
        .request("POST", "/api/session/flush", { body: { session_id: sessionId }, keepalive: true })
        .catch(() => undefined);
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, [client, state.unflushed, state.id]);

  return { ...state, isActive: state.id !== null, start, recordChange, flush };
}
