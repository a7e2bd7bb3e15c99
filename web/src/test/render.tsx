import { render } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { api } from "../lib/api";
import { createQueryClient } from "../lib/queryClient";

/** A JWT-shaped token whose payload says it expires at `exp` (seconds). */
export function jwt(exp: number, sub = "ana"): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub, exp })}.signature`;
}

export function logIn(username = "ana"): void {
  api.auth.set({ access_token: jwt(Math.floor(Date.now() / 1000) + 900), refresh_token: "refresh-1", username });
}

/** Renders `element` at `path` (matched by `route`) with a fresh query cache. */
export function renderPage(element: React.ReactNode, { path = "/", route = path.split("?")[0] } = {}) {
  const queryClient = createQueryClient();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={element} />
          {/* where a page goes after its work (back to the decks...): nothing to show */}
          <Route path="*" element={null} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...view, queryClient };
}
