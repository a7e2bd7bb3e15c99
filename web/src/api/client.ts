/**
 * The one module that talks HTTP to the Javumbo API. Everything the pages need goes through an
 * `ApiClient`, so a change in the API's shapes is adapted here and nowhere else.
 *
 * What it takes care of, so that pages don't have to:
 * - the access token (kept in localStorage across reloads) and its refresh before it expires;
 * - the `X-Session-ID` header while a review session is open, adopting the id the server returns;
 * - `409 Conflict` (and a store's brief `503`) retried with backoff, the same `Idempotency-Key`
 *   on every try, so the learner never sees a conflict that resolves itself;
 * - errors turned into `ApiError`s whose message is plain words a learner can act on.
 */

export interface Tokens {
  token: string;
  refresh_token?: string | null;
  username: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export interface SessionState {
  /** The open DB session, or null when none is open. */
  id: string | null;
  /** Answers and edits sent since the last flush. */
  unflushed: number;
}

export interface ClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Retries of a 409/503 before giving up. */
  maxRetries?: number;
  /** Refresh the access token when it has fewer than this many ms left. */
  refreshMarginMs?: number;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Return the raw Response (for downloads) instead of parsed JSON. */
  raw?: boolean;
  /** Send no Authorization header (register, login). */
  anonymous?: boolean;
  keepalive?: boolean;
}

const STORAGE_KEY = "javumbo.auth";
const TRANSIENT_CODES = new Set(["conflict", "unavailable"]);

const PLAIN_WORDS: Record<number, string> = {
  400: "That request wasn't accepted. Please check what you typed.",
  401: "Your login has expired. Please log in again.",
  403: "You don't have access to that.",
  404: "That item doesn't exist any more. It may have been deleted.",
  409: "Your collection was busy with another change. Please try again in a moment.",
  413: "That file is too large to upload.",
  429: "Too many attempts. Please wait a minute and try again.",
  503: "The server's storage is unavailable right now. Please try again in a minute.",
};

/** Seconds since the epoch at which a JWT expires, or null if it carries no readable `exp`. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}

function uuid(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * A storage conflict (409) or outage (503) that passes if tried again: the server marks those
 * with `Retry-After` (or their error code). A 409 such as "username taken" is not retried.
 */
async function isTransient(response: Response): Promise<boolean> {
  if (response.status !== 409 && response.status !== 503) return false;
  if (response.headers.get("Retry-After")) return true;
  try {
    const body = (await response.clone().json()) as { error?: { code?: string } };
    return TRANSIENT_CODES.has(body?.error?.code ?? "");
  } catch {
    return false;
  }
}

/** The first field problem of a rejected request, as "field: problem" (nested JSON flattened). */
function firstDetail(details: unknown, path: string[] = []): string | null {
  if (typeof details === "string") {
    const field = path.filter((p) => !["json", "query", "form", "files", "path"].includes(p)).join(".");
    return field ? `${field}: ${details}` : details;
  }
  if (Array.isArray(details)) return details.length ? firstDetail(details[0], path) : null;
  if (details && typeof details === "object") {
    for (const [key, value] of Object.entries(details)) {
      const found = firstDetail(value, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = "";
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? "";
      const detail = firstDetail(body.error.details);
      if (detail) message = detail;
    }
  } catch {
    // not JSON: fall back to the plain words for the status
  }
  if (response.status >= 500 && response.status !== 503) {
    message = "Something went wrong on the server. Please try again.";
  }
  if (!message) {
    message = PLAIN_WORDS[response.status] ?? `The server answered with an error (${response.status}).`;
  }
  return new ApiError(response.status, code, message);
}

type Listener = () => void;

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: ClientOptions["storage"];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly refreshMarginMs: number;
  private tokens: Tokens | null;
  private refreshing: Promise<void> | null = null;
  private session: SessionState = { id: null, unflushed: 0 };
  private readonly authListeners = new Set<Listener>();
  private readonly sessionListeners = new Set<Listener>();

  constructor(options: ClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? "";
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.storage =
      options.storage === undefined
        ? typeof localStorage !== "undefined"
          ? localStorage
          : null
        : options.storage;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? Math.random;
    this.maxRetries = options.maxRetries ?? 5;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.tokens = this.loadTokens();
  }

  // ------------------------------------------------------------------ auth state

  get username(): string | null {
    return this.tokens?.username ?? null;
  }

  get isLoggedIn(): boolean {
    return this.tokens !== null;
  }

  /** Milliseconds until the access token should be refreshed (0 = now), or null. */
  msUntilRefresh(): number | null {
    if (!this.tokens?.refresh_token) return null;
    const exp = tokenExpiry(this.tokens.token);
    if (exp === null) return null;
    return Math.max(0, exp * 1000 - this.refreshMarginMs - this.now());
  }

  onAuthChange(listener: Listener): () => void {
    this.authListeners.add(listener);
    return () => this.authListeners.delete(listener);
  }

  private loadTokens(): Tokens | null {
    try {
      const raw = this.storage?.getItem(STORAGE_KEY);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Tokens;
      return typeof parsed.token === "string" ? parsed : null;
    } catch {
      return null;
    }
  }

  private setTokens(tokens: Tokens | null): void {
    this.tokens = tokens;
    if (tokens) this.storage?.setItem(STORAGE_KEY, JSON.stringify(tokens));
    else this.storage?.removeItem(STORAGE_KEY);
    this.authListeners.forEach((l) => l());
  }

  async register(username: string, password: string): Promise<void> {
    await this.request("POST", "/register", { body: { username, password }, anonymous: true });
  }

  async login(username: string, password: string): Promise<void> {
    const data = await this.request<{ token: string; refresh_token?: string; username?: string }>(
      "POST",
      "/login",
      { body: { username, password }, anonymous: true },
    );
    this.setTokens({
      token: data.token,
      refresh_token: data.refresh_token ?? null,
      username: data.username ?? username,
    });
  }

  logout(): void {
    this.setSession({ id: null, unflushed: 0 });
    this.setTokens(null);
  }

  /** Swaps the refresh token for a new access token; concurrent callers share one request. */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const current = this.tokens;
    if (!current?.refresh_token) throw new ApiError(401, "unauthorized", PLAIN_WORDS[401]);
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/refresh`, {
        method: "POST",
        headers: { Authorization: `Bearer ${current.refresh_token}` },
      });
    } catch {
      throw new ApiError(0, "network", "Can't reach the server. Check your connection.");
    }
    if (!response.ok) {
      if (response.status === 401 || response.status === 422) this.logout();
      throw await errorFrom(response);
    }
    const data = (await response.json()) as { token?: string; access_token?: string; refresh_token?: string };
    const token = data.token ?? data.access_token;
    if (!token) throw new ApiError(500, "bad_refresh", "The server sent no new login token.");
    this.setTokens({ ...current, token, refresh_token: data.refresh_token ?? current.refresh_token });
  }

  // ------------------------------------------------------------------ session state

  getSession = (): SessionState => this.session;

  subscribeSession = (listener: Listener): (() => void) => {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  };

  setSession(next: Partial<SessionState>): void {
    const merged = { ...this.session, ...next };
    if (merged.id === this.session.id && merged.unflushed === this.session.unflushed) return;
    this.session = merged;
    this.sessionListeners.forEach((l) => l());
  }

  // ------------------------------------------------------------------ requests

  private url(path: string, query?: Query): string {
    let url = `${this.baseUrl}${path}`;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
      }
      const text = params.toString();
      if (text) url += `?${text}`;
    }
    return url;
  }

  private headers(method: string, hasBody: boolean, anonymous: boolean, idempotencyKey: string) {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (hasBody) headers["Content-Type"] = "application/json";
    if (!anonymous && this.tokens) headers.Authorization = `Bearer ${this.tokens.token}`;
    if (!anonymous && this.session.id) headers["X-Session-ID"] = this.session.id;
    if (method !== "GET") headers["Idempotency-Key"] = idempotencyKey;
    return headers;
  }

  private backoffMs(attempt: number, response: Response): number {
    const retryAfter = Number(response.headers.get("Retry-After"));
    const base = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100 * 2 ** attempt;
    return Math.min(base, 5_000) * (0.75 + this.random() * 0.5);
  }

  /** Adopts a server-issued session id while a session is open (the old one had expired). */
  private noteSessionHeader(response: Response): void {
    const returned = response.headers.get("X-Session-ID");
    if (returned && this.session.id && returned !== this.session.id) {
      this.setSession({ id: returned });
    }
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const anonymous = options.anonymous ?? false;
    if (!anonymous && this.tokens?.refresh_token && this.msUntilRefresh() === 0) {
      await this.refresh().catch(() => undefined);
    }
    const idempotencyKey = uuid();
    const hasBody = options.body !== undefined;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(path, options.query), {
          method,
          headers: this.headers(method, hasBody, anonymous, idempotencyKey),
          body: hasBody ? JSON.stringify(options.body) : undefined,
          signal: options.signal,
          keepalive: options.keepalive,
        });
      } catch (error) {
        if ((error as Error)?.name === "AbortError") throw error;
        throw new ApiError(0, "network", "Can't reach the server. Check your connection.");
      }
      this.noteSessionHeader(response);
      if (response.ok) {
        if (options.raw) return response as unknown as T;
        if (response.status === 204) return undefined as T;
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      if (attempt < this.maxRetries && (await isTransient(response))) {
        await this.sleep(this.backoffMs(attempt, response));
        continue;
      }
      if (response.status === 401 && !anonymous && this.tokens) {
        if (!refreshed && this.tokens.refresh_token) {
          refreshed = true;
          try {
            await this.refresh();
            continue;
          } catch {
            // fall through to logging out
          }
        }
        this.logout();
      }
      throw await errorFrom(response);
    }
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, { query, signal });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, { body: body ?? {} });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("DELETE", path, { query });
  }

  /** Downloads an authenticated file as a Blob, with the name the server suggests. */
  async download(path: string, query?: Query): Promise<{ blob: Blob; filename: string | null }> {
    const response = await this.request<Response>("GET", path, { query, raw: true });
    const disposition = response.headers.get("Content-Disposition") ?? "";
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    return { blob: await response.blob(), filename: match ? decodeURIComponent(match[1]) : null };
  }

  /**
   * Uploads a file as multipart form data with XMLHttpRequest, which (unlike fetch) reports
   * upload progress. `onProgress` gets a fraction 0..1.
   */
  upload<T>(path: string, field: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
    const send = (): Promise<{ status: number; text: string; retryAfter: string | null }> =>
      new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", this.url(path));
        if (this.tokens) xhr.setRequestHeader("Authorization", `Bearer ${this.tokens.token}`);
        if (this.session.id) xhr.setRequestHeader("X-Session-ID", this.session.id);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) onProgress(event.loaded / event.total);
        };
        xhr.onload = () =>
          resolve({ status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader("Retry-After") });
        xhr.onerror = () => reject(new ApiError(0, "network", "The upload failed. Check your connection."));
        const form = new FormData();
        form.append(field, file, file.name);
        xhr.send(form);
      });
    const run = async (): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        const { status, text, retryAfter } = await send();
        const response = new Response(status === 204 ? null : text, {
          status,
          headers: retryAfter ? { "Retry-After": retryAfter } : {},
        });
        if (response.ok) {
          onProgress(1);
          return (text ? JSON.parse(text) : undefined) as T;
        }
        if (attempt < this.maxRetries && (await isTransient(response))) {
          await this.sleep(this.backoffMs(attempt, response));
          continue;
        }
        throw await errorFrom(response);
      }
    };
    return run();
  }
}

export const api = new ApiClient();

// ====================================================================== resources
// The routes of issue 5, with the shapes the pages use. Normalizers absorb small differences in
// what the server sends (field names, lists vs. wrapped lists) so pages see one shape.

type Json = Record<string, unknown>;

export interface DeckNode {
  id: number;
  name: string;
  basename: string;
  collapsed: boolean;
  newCount: number;
  learnCount: number;
  reviewCount: number;
  children: DeckNode[];
}

export interface DeckOptions {
  newPerDay: number;
  reviewsPerDay: number;
  learningSteps: number[];
  relearningSteps: number[];
  fsrs: boolean;
  desiredRetention: number;
}

export interface NoteType {
  id: number;
  name: string;
  fields: string[];
  isCloze: boolean;
}

export interface NoteInput {
  notetype_id: number;
  deck_id: number;
  fields: string[];
  tags: string[];
}

export interface Note extends NoteInput {
  id: number;
  card_ids: number[];
}

export interface CardRow {
  cardId: number;
  noteId: number;
  question: string;
  answer: string;
  deckId: number;
  deckName: string;
  notetype: string;
  /** Anki's card type: 0 new, 1 learning, 2 review, 3 relearning. */
  type: number;
  interval: number;
  reviews: number;
  suspended: boolean;
  tags: string[];
}

export interface CardPage {
  cards: CardRow[];
  total: number;
  page: number;
  pageSize: number;
}

/** A card whose template asks for the answer to be typed (`{{type:Field}}`). */
export interface TypedAnswerRequest {
  field: string;
  /** The text the typed answer is compared with (the field as plain text). */
  expected: string;
  /** False for `{{type:nc:…}}`: accents are ignored when comparing. */
  combining: boolean;
}

export interface ReviewCard {
  cardId: number;
  question: string;
  answer: string;
  css: string;
  /** Next-interval labels for Again, Hard, Good, Easy. */
  intervals: [string, string, string, string];
  kind: "new" | "learning" | "review";
  typedAnswer: TypedAnswerRequest | null;
}

export interface ReviewBatch {
  cards: ReviewCard[];
  counts: { new: number; learning: number; review: number } | null;
}

export interface ImportReport {
  status: string;
  stage: string;
  progress: number;
  report: Json | null;
  error: string | null;
}

const num = (value: unknown, fallback = 0): number =>
  typeof value === "number" && Number.isFinite(value) ? value : Number(value ?? fallback) || fallback;
const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const list = (value: unknown, key: string): Json[] => {
  if (Array.isArray(value)) return value as Json[];
  const inner = (value as Json | null)?.[key];
  return Array.isArray(inner) ? (inner as Json[]) : [];
};

export function normalizeDeck(raw: Json): DeckNode {
  const counts = (raw.counts ?? raw.due ?? {}) as Json;
  const name = str(raw.name);
  return {
    id: num(raw.id ?? raw.deck_id),
    name,
    basename: str(raw.basename, name.split("::").pop() ?? name),
    collapsed: Boolean(raw.collapsed),
    newCount: num(raw.new ?? raw.new_count ?? counts.new),
    learnCount: num(raw.learning ?? raw.learn ?? raw.learn_count ?? counts.learning ?? counts.learn),
    reviewCount: num(raw.review ?? raw.review_count ?? counts.review),
    children: list(raw.children, "children").map(normalizeDeck),
  };
}

const INTERVAL_KEYS = [
  ["1", "again"],
  ["2", "hard"],
  ["3", "good"],
  ["4", "easy"],
] as const;

export function normalizeIntervals(raw: unknown): [string, string, string, string] {
  if (Array.isArray(raw)) {
    return [0, 1, 2, 3].map((i) => str(raw[i], String(raw[i] ?? ""))) as [string, string, string, string];
  }
  const object = (raw ?? {}) as Json;
  return INTERVAL_KEYS.map(([digit, word]) => str(object[digit] ?? object[word], "")) as [
    string,
    string,
    string,
    string,
  ];
}

export function normalizeReviewCard(raw: Json): ReviewCard {
  const queue = raw.queue ?? raw.kind ?? raw.type;
  const kind =
    queue === "new" || queue === 0 ? "new" : queue === "review" || queue === 2 ? "review" : "learning";
  return {
    cardId: num(raw.card_id ?? raw.id),
    question: str(raw.question),
    answer: str(raw.answer),
    css: str(raw.css),
    intervals: normalizeIntervals(raw.intervals),
    kind,
    typedAnswer: normalizeTypedAnswer(raw.typed_answer),
  };
}

function normalizeTypedAnswer(raw: unknown): TypedAnswerRequest | null {
  if (!raw || typeof raw !== "object") return null;
  const typed = raw as Json;
  return { field: str(typed.field), expected: str(typed.expected), combining: typed.combining !== false };
}

function normalizeCardRow(raw: Json): CardRow {
  return {
    cardId: num(raw.card_id ?? raw.id),
    noteId: num(raw.note_id ?? raw.nid),
    question: str(raw.question ?? raw.sort_field ?? raw.sfld),
    answer: str(raw.answer),
    deckId: num(raw.deck_id ?? raw.did),
    deckName: str(raw.deck_name ?? raw.deck),
    notetype: str(raw.notetype ?? raw.notetype_name ?? raw.note_type),
    type: num(raw.type),
    interval: num(raw.interval ?? raw.ivl),
    reviews: num(raw.reps),
    suspended: Boolean(raw.suspended ?? raw.queue === -1),
    tags: Array.isArray(raw.tags) ? (raw.tags as string[]) : str(raw.tags).split(" ").filter(Boolean),
  };
}

export const decks = {
  async tree(client: ApiClient = api): Promise<DeckNode[]> {
    const data = await client.get<unknown>("/api/decks");
    return list(data, "decks").map(normalizeDeck);
  },
  async create(name: string, client: ApiClient = api): Promise<number> {
    const data = await client.post<{ id: number }>("/api/decks", { name });
    return data.id;
  },
  rename(id: number, name: string, client: ApiClient = api): Promise<unknown> {
    return client.put(`/api/decks/${id}`, { name });
  },
  remove(id: number, client: ApiClient = api): Promise<unknown> {
    return client.delete(`/api/decks/${id}`);
  },
  setCollapsed(id: number, collapsed: boolean, client: ApiClient = api): Promise<unknown> {
    return client.put(`/api/decks/${id}`, { collapsed });
  },
  async options(id: number, client: ApiClient = api): Promise<DeckOptions> {
    const data = await client.get<Json>(`/api/decks/${id}`);
    const config = (data.config ?? data.options ?? {}) as Json;
    const section = (key: string) => (config[key] ?? {}) as Json;
    return {
      newPerDay: num(section("new").perDay, 20),
      reviewsPerDay: num(section("rev").perDay, 200),
      learningSteps: (section("new").delays as number[] | undefined) ?? [1, 10],
      relearningSteps: (section("lapse").delays as number[] | undefined) ?? [10],
      fsrs: Boolean(config.fsrs ?? data.fsrs),
      desiredRetention: num(config.desiredRetention, 0.9),
    };
  },
  saveOptions(id: number, options: DeckOptions, client: ApiClient = api): Promise<unknown> {
    return client.put(`/api/decks/${id}`, {
      config: {
        new: { perDay: options.newPerDay, delays: options.learningSteps },
        rev: { perDay: options.reviewsPerDay },
        lapse: { delays: options.relearningSteps },
        desiredRetention: options.desiredRetention,
      },
      fsrs: options.fsrs,
    });
  },
};

export const notes = {
  async types(client: ApiClient = api): Promise<NoteType[]> {
    const data = await client.get<unknown>("/api/notetypes");
    return list(data, "notetypes").map((raw) => {
      const fields = Array.isArray(raw.fields) ? raw.fields : list(raw.flds, "flds");
      return {
        id: num(raw.id),
        name: str(raw.name),
        fields: (fields as unknown[]).map((f) => (typeof f === "string" ? f : str((f as Json).name))),
        isCloze: raw.type === 1 || raw.kind === "cloze" || Boolean(raw.is_cloze),
      };
    });
  },
  async add(note: NoteInput, client: ApiClient = api): Promise<{ id: number }> {
    const data = await client.post<Json>("/api/notes", note);
    return { id: num(data.id ?? data.note_id) };
  },
  async get(id: number, client: ApiClient = api): Promise<Note> {
    const raw = await client.get<Json>(`/api/notes/${id}`);
    return {
      id: num(raw.id),
      notetype_id: num(raw.notetype_id ?? raw.mid),
      deck_id: num(raw.deck_id),
      fields: (raw.fields as string[]) ?? [],
      tags: Array.isArray(raw.tags) ? (raw.tags as string[]) : str(raw.tags).split(" ").filter(Boolean),
      card_ids: (raw.card_ids as number[]) ?? [],
    };
  },
  update(id: number, fields: string[], tags: string[], client: ApiClient = api): Promise<unknown> {
    return client.put(`/api/notes/${id}`, { fields, tags });
  },
  remove(id: number, client: ApiClient = api): Promise<unknown> {
    return client.delete(`/api/notes/${id}`);
  },
};

export const cards = {
  async search(q: string, page: number, deckId?: number, client: ApiClient = api): Promise<CardPage> {
    const data = await client.get<Json>("/api/cards", { q, page, deck_id: deckId });
    const rows = list(data, "cards").map(normalizeCardRow);
    return {
      cards: rows,
      total: num(data.total, rows.length),
      page: num(data.page, page),
      pageSize: num(data.page_size ?? data.per_page, Math.max(rows.length, 1)),
    };
  },
  suspend(ids: number[], suspended: boolean, client: ApiClient = api): Promise<unknown> {
    return client.post(`/api/cards/${suspended ? "suspend" : "unsuspend"}`, { card_ids: ids });
  },
  move(ids: number[], deckId: number, client: ApiClient = api): Promise<unknown> {
    return client.post("/api/cards/move", { card_ids: ids, deck_id: deckId });
  },
};

export const review = {
  async next(deckId: number, client: ApiClient = api): Promise<ReviewBatch> {
    const data = await client.get<Json>(`/api/review/${deckId}`);
    const counts = (data.counts ?? null) as Json | null;
    return {
      cards: list(data, "cards").map(normalizeReviewCard),
      counts: counts
        ? { new: num(counts.new), learning: num(counts.learning ?? counts.learn), review: num(counts.review) }
        : null,
    };
  },
  answer(cardId: number, rating: number, timeMs: number, client: ApiClient = api): Promise<unknown> {
    return client.post("/api/review", { card_id: cardId, rating, time_ms: Math.round(timeMs) });
  },
  async undo(client: ApiClient = api): Promise<number | null> {
    const data = await client.post<Json | undefined>("/api/review/undo", {});
    const id = data?.card_id ?? (data?.card as Json | undefined)?.card_id;
    return id === undefined ? null : num(id);
  },
};

export const stats = {
  get(deckId: number | null, days: number, client: ApiClient = api): Promise<Json> {
    return client.get<Json>("/api/stats", { deck_id: deckId ?? undefined, days });
  },
};

/** The package layouts `GET /api/export` writes. */
export type PackageLayout = "legacy" | "current";

export const transfer = {
  /** Uploads an .apkg; resolves to the finished import (polling the job when there is one). */
  async importPackage(
    file: File,
    onUpload: (fraction: number) => void,
    onProcessing: (status: ImportReport) => void,
    client: ApiClient = api,
  ): Promise<ImportReport> {
    const started = await client.upload<Json>("/api/import", "file", file, onUpload);
    const read = (raw: Json): ImportReport => ({
      status: str(raw.status, raw.report ? "done" : "running"),
      stage: str(raw.stage),
      progress: num(raw.progress, 0),
      report: (raw.report as Json | undefined) ?? null,
      error: raw.error ? str((raw.error as Json).message ?? raw.error) : null,
    });
    let job = read(started);
    const jobId = started.job_id ?? started.id;
    while (jobId !== undefined && !["done", "failed", "error", "finished"].includes(job.status)) {
      onProcessing(job);
      await new Promise((resolve) => setTimeout(resolve, 300));
      job = read(await client.get<Json>(`/api/import/${jobId}`));
    }
    return job;
  },
  /**
   * Downloads an .apkg. `layout` "legacy" opens in every Anki version; "current" is what Anki
   * 2.1.50 and newer write (smaller for big collections, older versions can't open it).
   */
  exportPackage(
    options: { deckId: number | null; scheduling: boolean; media: boolean; layout: PackageLayout },
    client: ApiClient = api,
  ): Promise<{ blob: Blob; filename: string | null }> {
    return client.download("/api/export", {
      deck_id: options.deckId ?? undefined,
      scheduling: options.scheduling,
      media: options.media,
      layout: options.layout,
    });
  },
};
