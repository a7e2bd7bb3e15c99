import { afterEach, describe, expect, it, vi } from "vitest";
import { importJob } from "../test/fixtures";
import { createApi } from "./api";
import { ApiError } from "./errors";
import { uploadForm } from "./upload";

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

function client() {
  const waits: number[] = [];
  const api = createApi({ storage: null, retry: { sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
  api.auth.set({ access_token: "tok", refresh_token: "r", username: "ana" });
  return { api, waits };
}

function form(name = "deck.apkg"): FormData {
  const data = new FormData();
  data.append("file", new File(["PK fake"], name), name);
  return data;
}

describe("uploadForm", () => {
  it("reports upload progress and sends the token, the session and an idempotency key", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answers = [{ status: 202, body: importJob() }];
    const { api } = client();
    api.session.set("s1");
    const uploaded: number[] = [];
    const job = await uploadForm(api, "/api/import", form(), (f) => uploaded.push(f));
    expect(job).toEqual(importJob());
    expect(uploaded).toEqual([0.25, 0.5, 1, 1]);
    expect(FakeXhr.sent[0].url).toBe("http://localhost:3000/api/import");
    expect(FakeXhr.sent[0].headers.Authorization).toBe("Bearer tok");
    expect(FakeXhr.sent[0].headers["X-Session-ID"]).toBe("s1");
    expect((FakeXhr.sent[0].body.get("file") as File).name).toBe("deck.apkg");
  });

  it("retries after a conflict with the same idempotency key, waiting Retry-After", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answers = [
      { status: 409, body: { error: { code: "conflict", message: "busy" } }, headers: { "Retry-After": "1" } },
      { status: 202, body: importJob({ job_id: "j2" }) },
    ];
    const { api, waits } = client();
    const job = await uploadForm<{ job_id: string }>(api, "/api/import", form(), () => undefined);
    expect(job.job_id).toBe("j2");
    expect(FakeXhr.sent).toHaveLength(2);
    expect(FakeXhr.sent[0].headers["Idempotency-Key"]).toBe(FakeXhr.sent[1].headers["Idempotency-Key"]);
    expect(waits).toEqual([1000]);
  });

  it("answers a refused upload as an ApiError in the server's words", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    FakeXhr.answers = [{ status: 413, body: { error: { code: "payload_too_large", message: "the file is over 100 MB" } } }];
    const { api } = client();
    const error = (await uploadForm(api, "/api/import", form(), () => undefined).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("payload_too_large");
    expect(error.message).toBe("the file is over 100 MB");
  });
});
