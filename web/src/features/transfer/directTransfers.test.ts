import { http, HttpResponse } from "msw";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { importJob } from "../../test/fixtures";
import { on } from "../../test/handlers";
import { logIn } from "../../test/render";
import { server } from "../../test/server";
import { exportPackage, startImport } from "./api";

const STORAGE = "https://storage.test/bucket";
const KEY = "users/u1/transfers/uploads/1-abc/deck.apkg";

/** What the browser sends to storage: the URL, the headers, the form's field names in order. */
class StorageXhr {
  static sent: { url: string; headers: string[]; fields: string[] }[] = [];
  static status = 204;
  upload = { onprogress: null as ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = "";
  private url = "";
  private headers: string[] = [];
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string) {
    this.headers.push(name);
  }
  send(form: FormData) {
    StorageXhr.sent.push({ url: this.url, headers: this.headers, fields: [...form.keys()] });
    queueMicrotask(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 2 });
      this.status = StorageXhr.status;
      this.responseText = StorageXhr.status === 400 ? "<Code>EntityTooLarge</Code>" : "";
      this.onload?.();
    });
  }
}

beforeEach(() => {
  StorageXhr.sent = [];
  StorageXhr.status = 204;
  vi.stubGlobal("XMLHttpRequest", StorageXhr);
  logIn();
  server.use(
    on("get", "/api/server-info", () => ({ registration: "open" as const, direct_transfers: true })),
    on("post", "/api/import/uploads", () => ({
      url: STORAGE,
      fields: { key: KEY, policy: "signed" },
      key: KEY,
      expires_in: 900,
      max_bytes: 1000,
    })),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("packages through storage", () => {
  it("uploads the file to storage with the form's fields first and no credentials, then imports it", async () => {
    const imported: unknown[] = [];
    server.use(
      on("post", "/api/import/from-upload", ({ body }) => {
        imported.push(body);
        return importJob({ job_id: "j9" });
      }),
    );
    const progress: number[] = [];

    const job = await startImport(new File(["PK"], "deck.apkg"), (f) => progress.push(f));

    expect(job.job_id).toBe("j9");
    expect(StorageXhr.sent).toEqual([{ url: STORAGE, headers: [], fields: ["key", "policy", "file"] }]);
    expect(imported).toEqual([{ key: KEY, scheduling: true }]);
    expect(progress).toEqual([0.5, 1]);
  });

  it("sends a text file's import choices with the upload's key", async () => {
    const imported: unknown[] = [];
    server.use(
      on("post", "/api/import/from-upload", ({ body }) => {
        imported.push(body);
        return importJob({ job_id: "j10" });
      }),
    );
    const choices = { separator: "semicolon" as const, deck_id: 5, field_columns: "2,1", tags: "fr", duplicates: "preserve" as const };

    await startImport(new File(["un;one\n"], "words.csv"), () => undefined, choices);

    expect(StorageXhr.sent).toHaveLength(1);
    expect(imported).toEqual([{ ...choices, key: KEY, scheduling: true }]);
  });

  it("says the package is too large when storage refuses its size", async () => {
    StorageXhr.status = 400;
    await expect(startImport(new File(["PK"], "deck.apkg"), () => undefined)).rejects.toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
  });

  it("exports through a link the server writes to storage", async () => {
    server.use(
      on("post", "/api/export/link", () => ({
        url: `${STORAGE}/export.apkg?signature=1`,
        filename: "Lang.apkg",
        expires_in: 900,
        cards: 3,
        revlog: 0,
      })),
      http.get(`${STORAGE}/export.apkg`, () => HttpResponse.text("PK package")),
    );

    const { blob, filename } = await exportPackage({ layout: "legacy" });

    expect(filename).toBe("Lang.apkg");
    expect(await blob.text()).toBe("PK package");
  });
});
