/** Who is logged in, re-rendering on login/logout, and the timer that refreshes the token. */
import { useEffect, useSyncExternalStore } from "react";
import type { ApiClient } from "../api/client";

export function useUsername(client: ApiClient): string | null {
  return useSyncExternalStore(
    (listener) => client.onAuthChange(listener),
    () => client.username,
    () => client.username,
  );
}

/**
 * Refreshes the access token shortly before it expires, so a learner in the middle of a review
 * never meets a 401. Re-arms itself after every refresh (the token changes, so auth listeners fire).
 */
export function useTokenRefresh(client: ApiClient): void {
  const username = useUsername(client);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const arm = () => {
      if (timer) clearTimeout(timer);
      const wait = client.msUntilRefresh();
      if (wait === null) return;
      timer = setTimeout(() => {
        client.refresh().catch(() => undefined);
      }, wait);
    };
    arm();
    const unsubscribe = client.onAuthChange(arm);
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [client, username]);
}
