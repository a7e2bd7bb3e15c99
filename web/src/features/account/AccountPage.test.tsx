import { fireEvent, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../../lib/api";
import { apiError, on } from "../../test/handlers";
import { jwt, logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import AccountPage from "./AccountPage";

beforeEach(() => {
  vi.spyOn(window, "confirm").mockReturnValue(true);
  logIn();
});

describe("AccountPage", () => {
  it("changes the password and carries on with the new tokens", async () => {
    const fresh = jwt(Math.floor(Date.now() / 1000) + 900, "fresh");
    const sent: unknown[] = [];
    server.use(
      on("post", "/api/account/password", ({ body }) => {
        sent.push(body);
        return { token: fresh, access_token: fresh, refresh_token: "r2", username: "ana" };
      }),
    );
    renderPage(<AccountPage />, { path: "/account" });
    fireEvent.change(screen.getByLabelText("Current password"), { target: { value: "old password" } });
    fireEvent.change(screen.getByLabelText("New password"), { target: { value: "new password" } });
    fireEvent.change(screen.getByLabelText("New password again"), { target: { value: "new password" } });
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByText("Password changed.")).textContent).toBe("Password changed.");
    expect(sent).toEqual([{ current_password: "old password", new_password: "new password" }]);
    expect(api.auth.accessToken).toBe(fresh);
    expect(api.auth.refreshToken).toBe("r2");
  });

  it("does not send two different new passwords", async () => {
    let calls = 0;
    server.use(on("post", "/api/account/password", () => (calls++, apiError(400, "bad_request"))));
    renderPage(<AccountPage />, { path: "/account" });
    fireEvent.change(screen.getByLabelText("Current password"), { target: { value: "old password" } });
    fireEvent.change(screen.getByLabelText("New password"), { target: { value: "new password" } });
    fireEvent.change(screen.getByLabelText("New password again"), { target: { value: "new passwort" } });
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByRole("alert")).textContent).toBe("The two new passwords differ.");
    expect(calls).toBe(0);
  });

  it("logs out everywhere, then forgets the login here", async () => {
    let calls = 0;
    server.use(on("post", "/api/account/logout-all", () => (calls++, null)));
    renderPage(<AccountPage />, { path: "/account" });
    fireEvent.click(screen.getByRole("button", { name: "Log out everywhere" }));
    await waitFor(() => expect(api.auth.username).toBeNull());
    expect(calls).toBe(1);
  });

  it("deletes the account with the password, and keeps the login when the password is wrong", async () => {
    const passwords: string[] = [];
    server.use(
      on("delete", "/api/account", ({ body }) => {
        passwords.push(body!.password);
        return body!.password === "right one" ? null : apiError(403, "forbidden", "wrong password");
      }),
    );
    renderPage(<AccountPage />, { path: "/account" });
    const form = screen.getByRole("form", { name: "Delete account" });
    const password = form.querySelector("input")!;
    fireEvent.change(password, { target: { value: "wrong one" } });
    fireEvent.click(screen.getByRole("button", { name: "Delete my account" }));
    expect((await screen.findByRole("alert")).textContent).toBe("wrong password");
    expect(api.auth.username).toBe("ana");
    fireEvent.change(password, { target: { value: "right one" } });
    fireEvent.click(screen.getByRole("button", { name: "Delete my account" }));
    await waitFor(() => expect(api.auth.username).toBeNull());
    expect(passwords).toEqual(["wrong one", "right one"]);
  });
});
