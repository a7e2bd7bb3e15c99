import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { api } from "../../lib/api";
import { createQueryClient } from "../../lib/queryClient";
import { apiError, on } from "../../test/handlers";
import { jwt } from "../../test/render";
import { server } from "../../test/server";
import { COLUMNS, EMPTY_SIDEBAR, page } from "../browse/testData";

function Where() {
  const location = useLocation();
  return <output data-testid="where">{`${location.pathname}${location.search}`}</output>;
}

function openApp(path: string, registration: "open" | "closed" = "open") {
  const token = jwt(Math.floor(Date.now() / 1000) + 900);
  server.use(
    on("get", "/api/server-info", () => ({ registration, direct_transfers: false })),
    on("post", "/login", ({ body }) =>
      body!.password === "correct horse"
        ? { token, access_token: token, refresh_token: "r1", username: body!.username }
        : apiError(401, "invalid_credentials", "wrong username or password"),
    ),
    on("get", "/api/decks", () => ({ decks: [] })),
    on("get", "/api/browse/rows", () => page([])),
    on("get", "/api/browse/columns", () => COLUMNS),
    on("get", "/api/browse/sidebar", () => EMPTY_SIDEBAR),
    on("get", "/api/undo", () => ({ next: null })),
  );
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <App />
        <Where />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

async function logInAs(password: string) {
  fireEvent.change(await screen.findByLabelText("Username"), { target: { value: "ana" } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Log in" }));
}

describe("logging in", () => {
  it("returns to the page that was opened while logged out", async () => {
    openApp("/browse?q=deck:Spanish");
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/login"));
    await logInAs("correct horse");
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/browse?q=deck:Spanish"));
    expect(await screen.findByRole("heading", { name: "Browse" })).toBeTruthy();
    expect(api.auth.username).toBe("ana");
  });

  it("goes to the decks when the login page was opened directly", async () => {
    openApp("/login");
    await logInAs("correct horse");
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/"));
  });

  it("says a wrong password in the server's words", async () => {
    openApp("/login");
    await logInAs("wrong");
    expect((await screen.findByRole("alert")).textContent).toBe("wrong username or password");
    expect(api.auth.username).toBeNull();
  });

  it("offers sign-up only when the server's registration is open", async () => {
    openApp("/login", "open");
    expect(await screen.findByRole("tab", { name: "Create account" })).toBeTruthy();
  });

  it("hides sign-up when registration is closed", async () => {
    openApp("/login", "closed");
    await screen.findByLabelText("Username");
    await waitFor(() => expect(screen.queryByRole("tab", { name: "Create account" })).toBeNull());
    expect(screen.queryByRole("tablist")).toBeNull();
  });
});

describe("logging out", () => {
  it("starts the next login at the decks, not at the page logged out from", async () => {
    server.use(on("post", "/logout", () => null));
    openApp("/browse");
    await logInAs("correct horse");
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/browse"));
    fireEvent.click(await screen.findByRole("button", { name: "Log out" }));
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/login"));
    await logInAs("correct horse");
    await waitFor(() => expect(screen.getByTestId("where").textContent).toBe("/"));
  });
});
