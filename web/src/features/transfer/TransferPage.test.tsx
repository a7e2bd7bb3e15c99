import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deckNode, importJob, importReport } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn, renderPage } from "../../test/render";
import { server } from "../../test/server";
import TransferPage from "./TransferPage";

const exportQueries: URLSearchParams[] = [];
const saved: string[] = [];

function setup() {
  server.use(
    on("get", "/api/decks", () => ({ decks: [deckNode(5, "Lang")] })),
    on("get", "/api/export", ({ request }) => {
      exportQueries.push(new URL(request.url).searchParams);
      return new Response("PK package", {
        status: 200,
        headers: { "Content-Type": "application/octet-stream", "Content-Disposition": 'attachment; filename="Lang.apkg"' },
      });
    }),
  );
  logIn();
  return renderPage(<TransferPage />, { path: "/transfer" });
}

/** jsdom has no object URLs; the page only needs one to hand to the download link. */
class BlobUrl extends URL {
  static createObjectURL = () => "blob:package";
  static revokeObjectURL = () => undefined;
}

/** An upload that reports progress, then answers with the started import job. */
class FakeXhr {
  static answer = importJob();
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = "";
  open() {}
  setRequestHeader() {}
  getResponseHeader() {
    return null;
  }
  send() {
    queueMicrotask(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
      this.status = 202;
      this.responseText = JSON.stringify(FakeXhr.answer);
      this.onload?.();
    });
  }
}

beforeEach(() => {
  saved.length = 0;
  exportQueries.length = 0;
  vi.stubGlobal("URL", BlobUrl);
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push(this.download);
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("TransferPage export", () => {
  it("exports in the layout every Anki opens unless asked for the newer one", async () => {
    setup();
    const newer = await screen.findByLabelText(/format of Anki 2\.1\.50 and newer/);
    expect((newer as HTMLInputElement).checked).toBe(false);

    fireEvent.click(screen.getByRole("button", { name: "Export .apkg" }));
    await waitFor(() => expect(saved).toEqual(["Lang.apkg"]));
    expect(exportQueries[0].get("layout")).toBe("legacy");

    fireEvent.click(newer);
    expect((newer as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Export .apkg" }));
    await waitFor(() => expect(saved).toHaveLength(2));
    expect(exportQueries[1].get("layout")).toBe("current");
    expect(exportQueries[1].get("scheduling")).toBe("true");
    expect(exportQueries[1].get("media")).toBe("true");
  });
});

describe("TransferPage import", () => {
  it("uploads, follows the job and shows its report, then the deck list is refetched", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    let polls = 0;
    let deckLists = 0;
    server.use(
      on("get", "/api/decks", () => {
        deckLists += 1;
        return { decks: [deckNode(5, "Lang")] };
      }),
      on("get", "/api/import/{job_id}", ({ params }) => {
        expect(params.job_id).toBe("j1");
        polls += 1;
        return polls < 2
          ? importJob({ progress: 0.5, stage: "notes" })
          : importJob({ status: "done", progress: 1, stage: "done", report: importReport({ notes_added: 3, decks_added: ["Lang"], media_renamed: { "a.png": "a_1.png" } }) });
      }),
    );
    logIn();
    renderPage(<TransferPage />, { path: "/transfer" });
    await waitFor(() => expect(deckLists).toBe(1));
    fireEvent.change(screen.getByLabelText("Package file or text file"), { target: { files: [new File(["PK"], "deck.apkg")] } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    const report = await screen.findByTestId("import-report", {}, { timeout: 3000 });
    expect(report.textContent).toContain("Notes added3");
    expect(report.textContent).toContain("New decksLang");
    expect(report.textContent).toContain("“a.png” was saved as “a_1.png”");
    await waitFor(() => expect(deckLists).toBe(2));
  });

  it("tells a failed import in the server's words", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answer = importJob({ status: "failed", stage: "failed", error: { code: "invalid_package", message: "not an Anki package" } });
    setup();
    fireEvent.change(await screen.findByLabelText("Package file or text file"), { target: { files: [new File(["x"], "x.apkg")] } });
    fireEvent.click(screen.getByRole("button", { name: "Import" }));
    expect((await screen.findByRole("alert")).textContent).toContain("not an Anki package");
    FakeXhr.answer = importJob();
  });
});
