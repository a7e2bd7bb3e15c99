import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, transfer } from "./client";
import { fakeFetch, json, memoryStorage } from "../test/fakeServer";

/** Enough of XMLHttpRequest to replay an upload: progress events, then the server's answer. */
class FakeXhr {
  static answers: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  static sent: { url: string; headers: Record<string, string>; body: FormData }[] = [];
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = "";
  private url = "";
  private headers: Record<string, string> = {};
  private answerHeaders: Record<string, string> = {};

  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.answerHeaders[name] ?? null;
  }
  send(body: FormData) {
    FakeXhr.sent.push({ url: this.url, headers: this.headers, body });
    const answer = FakeXhr.answers.shift()!;
    queueMicrotask(() => {
      for (const loaded of [25, 50, 100]) this.upload.onprogress?.({ lengthComputable: true, loaded, total: 100 });
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.answerHeaders = answer.headers ?? {};
      this.onload?.();
    });
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeXhr.answers = [];
  FakeXhr.sent = [];
});

function client(routes: Parameters<typeof fakeFetch>[0] = {}) {
  const storage = memoryStorage();
  storage.setItem("javumbo.auth", JSON.stringify({ token: "tok", username: "ana" }));
  const server = fakeFetch(routes);
  return { api: new ApiClient({ fetch: server.fetch, storage, sleep: async () => undefined }), server };
}

describe("package import", () => {
  it("reports upload progress, sends the token, then polls the job to its report", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answers = [{ status: 202, body: { job_id: "j1", status: "running", progress: 0, stage: "queued", report: null, error: null } }];
    const { api, server } = client({
      "GET /api/import/j1": [
        () => json({ job_id: "j1", status: "running", progress: 0.5, stage: "notes", report: null, error: null }),
        () => json({ job_id: "j1", status: "done", progress: 1, stage: "done", report: { notes_added: 3 }, error: null }),
      ],
    });
    const uploaded: number[] = [];
    const stages: string[] = [];
    const file = new File(["PK fake"], "deck.apkg");
    const done = await transfer.importPackage(file, (f) => uploaded.push(f), (job) => stages.push(job.stage), api);
    expect(uploaded).toEqual([0.25, 0.5, 1, 1]);
    expect(FakeXhr.sent[0].url).toBe("/api/import");
    expect(FakeXhr.sent[0].headers.Authorization).toBe("Bearer tok");
    expect((FakeXhr.sent[0].body.get("file") as File).name).toBe("deck.apkg");
    expect(stages).toEqual(["queued", "notes"]);
    expect(server.calls.map((c) => c.url)).toEqual(["/api/import/j1", "/api/import/j1"]);
    expect(done.status).toBe("done");
    expect(done.report).toEqual({ notes_added: 3 });
  });

  it("retries the upload after a conflict and reports a failed job in words", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answers = [
      { status: 409, body: { error: { code: "conflict", message: "busy" } }, headers: { "Retry-After": "1" } },
      { status: 202, body: { job_id: "j2", status: "failed", progress: 0, stage: "failed", report: null, error: { code: "invalid_package", message: "not an Anki package" } } },
    ];
    const { api } = client();
    const done = await transfer.importPackage(new File(["x"], "x.apkg"), () => undefined, () => undefined, api);
    expect(FakeXhr.sent).toHaveLength(2);
    expect(done.status).toBe("failed");
    expect(done.error).toBe("not an Anki package");
  });
});
