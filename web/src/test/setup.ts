import { cleanup } from "@testing-library/react";
import { afterAll, afterEach, beforeAll } from "vitest";
import { api } from "../lib/api";
import { server } from "./server";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  api.session.set(null);
  api.auth.clear();
  localStorage.clear();
});
afterAll(() => server.close());
