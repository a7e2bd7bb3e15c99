/** A scripted stand-in for `fetch`: records every request, answers from a route table. */
export interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Responder = (request: Recorded) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function fakeFetch(routes: Record<string, Responder | Responder[]>) {
  const calls: Recorded[] = [];
  const queues = new Map<string, Responder[]>();
  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
    const request = { method, url, headers, body };
    calls.push(request);
    const key = `${method} ${url.split("?")[0]}`;
    const route = routes[key];
    if (!route) return json({ error: { code: "not_found", message: `no fake for ${key}` } }, 404);
    if (Array.isArray(route)) {
      const queue = queues.get(key) ?? [...route];
      queues.set(key, queue);
      const next = queue.length > 1 ? queue.shift()! : queue[0];
      return next(request);
    }
    return route(request);
  };
  return { fetch: fetchImpl as typeof fetch, calls };
}

export function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (key) => data.get(key) ?? null,
    key: (index) => [...data.keys()][index] ?? null,
    removeItem: (key) => void data.delete(key),
    setItem: (key, value) => void data.set(key, value),
  };
}

/** A JWT-shaped token whose payload says it expires at `exp` (seconds). */
export function jwt(exp: number, sub = "ana"): string {
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub, exp })}.signature`;
}
