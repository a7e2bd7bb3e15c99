/**
 * The learner's tokens: kept in localStorage across reloads, refreshed before they expire (one
 * request shared by every caller), dropped on logout. Components read the username through
 * `useUsername`, which re-renders on login and logout.
 */
import { useEffect, useSyncExternalStore } from "react";
import type { components } from "../api/schema.gen";
import { ApiError, NETWORK_ERROR, apiErrorFromResponse } from "./errors";

export type Tokens = Pick<components["schemas"]["TokensSchema"], "access_token" | "refresh_token" | "username">;

type StorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;
type Listener = () => void;

export const AUTH_STORAGE_KEY = "javumbo.auth";

/** Seconds since the epoch at which a JWT expires, or null if it carries no readable `exp`. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

export interface AuthOptions {
  baseUrl: string;
  fetch: typeof fetch;
  storage: StorageLike | null;
  now?: () => number;
  /** Refresh the access token when it has fewer than this many ms left. */
  refreshMarginMs?: number;
}

export class AuthStore {
  private tokens: Tokens | null;
  /** The learner logged out (rather than the login running out): start afresh afterwards. */
  loggedOutByUser = false;
  private refreshing: Promise<void> | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly now: () => number;
  private readonly marginMs: number;

  constructor(private readonly options: AuthOptions) {
    this.now = options.now ?? (() => Date.now());
    this.marginMs = options.refreshMarginMs ?? 60_000;
    this.tokens = this.load();
    // Another tab of the app logged in, out, or refreshed: take its tokens (refresh tokens are
    // used once; refreshing with one another tab already swapped would end the login).
    if (options.storage && typeof window !== "undefined" && options.storage === globalThis.localStorage) {
      window.addEventListener("storage", (event) => {
        if (event.key === AUTH_STORAGE_KEY) this.adoptStored(true);
      });
    }
  }

  /** Takes the tokens another tab stored (or its logout); true when they differ from ours. */
  private adoptStored(followLogout: boolean): boolean {
    if (!this.options.storage) return false;
    const stored = this.load();
    if (!stored && !followLogout) return false;
    if (stored?.refresh_token === this.tokens?.refresh_token && stored?.access_token === this.tokens?.access_token) {
      return false;
    }
    this.tokens = stored;
    this.listeners.forEach((listener) => listener());
    return true;
  }

  get username(): string | null {
    return this.tokens?.username ?? null;
  }

  get accessToken(): string | null {
    return this.tokens?.access_token ?? null;
  }

  get refreshToken(): string | null {
    return this.tokens?.refresh_token ?? null;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getUsername = (): string | null => this.username;

  /** Milliseconds until the access token should be refreshed (0 = now), or null. */
  msUntilRefresh(): number | null {
    if (!this.tokens) return null;
    const exp = tokenExpiry(this.tokens.access_token);
    if (exp === null) return null;
    return Math.max(0, exp * 1000 - this.marginMs - this.now());
  }

  set(tokens: Tokens | null): void {
    if (tokens) this.loggedOutByUser = false;
    this.tokens = tokens;
    if (tokens) this.options.storage?.setItem(AUTH_STORAGE_KEY, JSON.stringify(tokens));
    else this.options.storage?.removeItem(AUTH_STORAGE_KEY);
    this.listeners.forEach((listener) => listener());
  }

  /** Forgets the tokens here (the server-side logout is the caller's: POST /logout). */
  clear(): void {
    this.set(null);
  }

  /** The learner chose to log out: the login page then leads to the decks, not back here. */
  logOut(): void {
    this.loggedOutByUser = true;
    this.set(null);
  }

  /** Swaps the refresh token for a new access token; concurrent callers share one request. */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    // Another tab may have refreshed already: its fresh token will do, and ours is used up.
    if (this.adoptStored(false) && this.tokens && this.msUntilRefresh() !== 0) return;
    const current = this.tokens;
    if (!current) throw new ApiError(401, "unauthorized", "Your login has expired. Please log in again.");
    let response: Response;
    try {
      response = await this.options.fetch(
        new Request(`${this.options.baseUrl}/refresh`, {
          method: "POST",
          headers: { Authorization: `Bearer ${current.refresh_token}` },
        }),
      );
    } catch {
      throw NETWORK_ERROR();
    }
    if (!response.ok) {
      if (response.status === 401 || response.status === 422) this.clear();
      throw await apiErrorFromResponse(response);
    }
    const data = (await response.json()) as components["schemas"]["RefreshedSchema"] & { refresh_token?: string };
    if (this.tokens !== current) return; // logged out (or in again) meanwhile
    this.set({ ...current, access_token: data.access_token, refresh_token: data.refresh_token ?? current.refresh_token });
  }

  private load(): Tokens | null {
    try {
      const raw = this.options.storage?.getItem(AUTH_STORAGE_KEY);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Partial<Tokens>;
      if (typeof parsed.access_token !== "string" || typeof parsed.refresh_token !== "string") return null;
      return { access_token: parsed.access_token, refresh_token: parsed.refresh_token, username: String(parsed.username ?? "") };
    } catch {
      return null;
    }
  }
}

export function useUsernameOf(auth: AuthStore): string | null {
  return useSyncExternalStore(auth.subscribe, auth.getUsername, auth.getUsername);
}

/**
 * Refreshes the access token shortly before it expires, so a learner in the middle of a review
 * never meets a 401. Re-arms itself after every refresh (the token changes, listeners fire).
 */
export function useTokenRefreshOf(auth: AuthStore): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const arm = () => {
      if (timer) clearTimeout(timer);
      const wait = auth.msUntilRefresh();
      if (wait === null) return;
      timer = setTimeout(() => {
        auth.refresh().catch(() => undefined);
      }, wait);
    };
    arm();
    const unsubscribe = auth.subscribe(arm);
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [auth]);
}
