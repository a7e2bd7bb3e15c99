import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "../api/client";
import { fakeFetch, json, memoryStorage, type Recorded } from "../test/fakeServer";
import TransferPage from "./TransferPage";

function setup() {
  const server = fakeFetch({
    "GET /api/decks": () => json({ decks: [{ id: 5, name: "Lang", children: [] }] }),
    "GET /api/export": () =>
      new Response("PK package", {
        status: 200,
        headers: { "Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="Lang.apkg"' },
      }),
  });
  const storage = memoryStorage();
  storage.setItem("javumbo.auth", JSON.stringify({ token: "t", username: "ana" }));
  const client = new ApiClient({ fetch: server.fetch, storage });
  render(
    <MemoryRouter initialEntries={["/transfer"]}>
      <TransferPage client={client} />
    </MemoryRouter>,
  );
  return server;
}

const exportQueries = (calls: Recorded[]) =>
  calls.filter((c) => c.url.startsWith("/api/export")).map((c) => new URL(c.url, "http://x").searchParams);

const saved: string[] = [];

/** jsdom has no object URLs; the page only needs one to hand to the download link. */
class BlobUrl extends URL {
  static createObjectURL = () => "blob:package";
  static revokeObjectURL = () => undefined;
}

beforeEach(() => {
  saved.length = 0;
  vi.stubGlobal("URL", BlobUrl);
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push(this.download);
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("TransferPage export", () => {
  it("exports in the layout every Anki opens unless asked for the newer one", async () => {
    const server = setup();
    const newer = await screen.findByLabelText(/format of Anki 2\.1\.50 and newer/);
    expect((newer as HTMLInputElement).checked).toBe(false);

    fireEvent.click(screen.getByRole("button", { name: "Export .apkg" }));
    await waitFor(() => expect(saved).toEqual(["Lang.apkg"]));
    expect(exportQueries(server.calls)[0].get("layout")).toBe("legacy");

    fireEvent.click(newer);
    expect((newer as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Export .apkg" }));
    await waitFor(() => expect(saved).toHaveLength(2));
    const second = exportQueries(server.calls)[1];
    expect(second.get("layout")).toBe("current");
    expect(second.get("scheduling")).toBe("true");
    expect(second.get("media")).toBe("true");
  });
});
