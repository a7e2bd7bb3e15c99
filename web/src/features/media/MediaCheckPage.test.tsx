import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import MediaCheckPage from "./MediaCheckPage";

// The file as review's media loader gives it (jsdom cannot read a fetched Blob as a data URL).
const loaded: string[] = [];
vi.mock("../review/media", () => ({
  createMediaLoader: () => (name: string) => {
    loaded.push(name);
    return Promise.resolve(name.endsWith(".png") ? "data:image/png;base64,iVBORw0KGgo=" : null);
  },
}));

afterEach(() => vi.restoreAllMocks());

describe("MediaCheckPage", () => {
  it("lists missing files with links to their notes and deletes the ticked unused files after confirmation", async () => {
    let unused = ["old.png", "extra.mp3", "spare.jpg"];
    const deletes: unknown[] = [];
    server.use(
      on("get", "/api/media-check", () => ({ unused, missing: [{ name: "gone.png", note_ids: [12, 7] }] })),
      on("post", "/api/media-check/delete", ({ body }) => {
        deletes.push(body);
        const names = body?.names ?? unused;
        unused = unused.filter((n) => !names.includes(n));
        return { deleted: names };
      }),
    );
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValue(true);
    logIn();
    renderPage(<MediaCheckPage />);

    const missing = await screen.findByRole("region", { name: "Missing files (1)" });
    expect(within(missing).getByText("gone.png")).toBeTruthy();
    expect(within(missing).getByRole("link", { name: "Notes using gone.png" }).getAttribute("href")).toBe(
      `/browse?search=${encodeURIComponent("nid:12,7")}`,
    );
    expect(within(missing).getByRole("link", { name: "Browse these notes" }).getAttribute("href")).toBe(
      `/browse?search=${encodeURIComponent("nid:7,12")}`,
    );

    const unusedList = screen.getByRole("region", { name: "Unused files (3)" });
    fireEvent.click(within(unusedList).getByRole("checkbox", { name: "extra.mp3" }));
    const button = within(unusedList).getByRole("button", { name: "Delete 2 files" });
    fireEvent.click(button);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(deletes).toEqual([]); // the first confirmation was refused: nothing deleted
    fireEvent.click(button);
    await waitFor(() => expect(deletes).toEqual([{ names: ["old.png", "spare.jpg"] }]));
    expect(confirm.mock.calls[1][0]).toContain("Delete 2 files");
    expect((await screen.findByRole("status")).textContent).toBe("Deleted 2 files.");
    expect(await screen.findByRole("region", { name: "Unused files (1)" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete unused" })).toBeTruthy();
  });

  it("tags the notes of missing files as Anki's Tag Missing", async () => {
    const tagged: unknown[] = [];
    server.use(
      on("get", "/api/media-check", () => ({
        unused: [],
        missing: [
          { name: "a.png", note_ids: [3, 1] },
          { name: "b.mp3", note_ids: [3] },
        ],
      })),
      on("post", "/api/notes/tags", ({ body }) => {
        tagged.push(body);
        return { note_ids: [1, 3], changed: 2 };
      }),
    );
    logIn();
    renderPage(<MediaCheckPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Tag missing" }));
    await waitFor(() => expect(tagged).toEqual([{ note_ids: [1, 3], add: ["missing-media"] }]));
    expect((await screen.findByRole("status")).textContent).toBe('Tagged 2 notes "missing-media".');
    expect(screen.queryByRole("region", { name: /Unused files/ })).toBeNull();
  });

  it("says so when every file is used and none is missing", async () => {
    server.use(on("get", "/api/media-check", () => ({ unused: [], missing: [] })));
    logIn();
    renderPage(<MediaCheckPage />);
    expect(await screen.findByText(/No unused or missing files/)).toBeTruthy();
  });

  it("shows an unused picture before it is deleted", async () => {
    server.use(
      on("get", "/api/media-check", () => ({ unused: ["old.png", "notes.txt"], missing: [] })),
    );
    logIn();
    renderPage(<MediaCheckPage />);
    const show = await screen.findByRole("button", { name: "Show old.png" });
    expect(loaded).toEqual([]); // nothing is fetched until asked for
    expect(screen.queryByRole("button", { name: "Show notes.txt" })).toBeNull();
    fireEvent.click(show);
    const picture = await screen.findByRole("img", { name: "old.png" });
    expect(picture.getAttribute("src")).toMatch(/^data:image\/png/);
    expect(loaded).toEqual(["old.png"]);
    fireEvent.click(screen.getByRole("button", { name: "Hide old.png" }));
    expect(screen.queryByRole("img", { name: "old.png" })).toBeNull();
  });
});
