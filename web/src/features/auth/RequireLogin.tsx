import { Navigate, useLocation } from "react-router-dom";
import { api, useUsername } from "../../lib/api";

/** Where the learner was going, kept through the login page. */
export interface LoginRedirect {
  from?: string;
}

/**
 * Sends a logged-out visitor to the login page, which brings them back here afterwards (unless
 * they have just logged out themselves: then the next login starts at the decks).
 */
export function RequireLogin({ children }: { children: React.ReactNode }) {
  const username = useUsername();
  const location = useLocation();
  if (!username) {
    const state: LoginRedirect = api.auth.loggedOutByUser
      ? {}
      : { from: `${location.pathname}${location.search}${location.hash}` };
    return <Navigate to="/login" replace state={state} />;
  }
  return children;
}

/** The page to return to after logging in: where the visitor was going, else the decks. */
export function returnPath(state: unknown): string {
  const from = (state as LoginRedirect | null)?.from;
  return typeof from === "string" && from.startsWith("/") && !from.startsWith("//") && !from.startsWith("/login") ? from : "/";
}
