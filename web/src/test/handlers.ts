/**
 * Network mocks typed by the server's OpenAPI document: a handler can only be written for a
 * route the server has, and what it answers must have the shape the server documents for that
 * route (`schema.gen.ts`), so fixtures cannot drift from the server.
 */
import { http, HttpResponse, type DefaultBodyType, type HttpResponseResolver } from "msw";
import type { paths } from "../api/schema.gen";
import type { ErrorCode } from "../lib/errors";

export const BASE = "http://localhost:3000";

type Method = "get" | "post" | "put" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type JsonContent<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Responses<P extends keyof paths, M extends Method> = Operation<P, M> extends { responses: infer R } ? R : never;
/** The JSON body of the route's success answer (200, 201 or 202), or nothing for a 204. */
export type SuccessBody<P extends keyof paths, M extends Method> =
  Responses<P, M> extends { 200: infer R }
    ? JsonContent<R>
    : Responses<P, M> extends { 201: infer R }
      ? JsonContent<R>
      : Responses<P, M> extends { 202: infer R }
        ? JsonContent<R>
        : null;
/** The JSON body the route takes. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? B : undefined;

export interface Call<P extends keyof paths, M extends Method> {
  request: Request;
  params: Record<string, string>;
  body: RequestBody<P, M>;
}

type Reply<P extends keyof paths, M extends Method> = SuccessBody<P, M> | Response;

function mswPath(path: string): string {
  return BASE + path.replace(/\{([^}]+)\}/g, ":$1");
}

/** A handler for one documented route, answering its documented success body (or a Response). */
export function on<P extends keyof paths, M extends Method>(
  method: M & keyof paths[P],
  path: P,
  reply: (call: Call<P, M>) => Reply<P, M> | Promise<Reply<P, M>>,
) {
  const resolver: HttpResponseResolver<Record<string, string>, DefaultBodyType> = async ({ request, params }) => {
    let body: unknown = undefined;
    if (method !== "get" && request.headers.get("Content-Type")?.includes("application/json")) {
      body = await request.clone().json();
    }
    const answer = await reply({ request, params: params as Record<string, string>, body: body as RequestBody<P, M> });
    if (answer instanceof Response) return answer;
    if (answer === null) return new HttpResponse(null, { status: 204 });
    return HttpResponse.json(answer as DefaultBodyType);
  };
  return http[method](mswPath(String(path)), resolver);
}

/** The server's error shape, with a code from its enum. */
export function apiError(status: number, code: ErrorCode, message: string = code, headers: Record<string, string> = {}) {
  return HttpResponse.json({ error: { code, message } }, { status, headers });
}
