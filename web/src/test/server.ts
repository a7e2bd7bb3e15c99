import { setupServer } from "msw/node";
import { on } from "./handlers";

/**
 * The one mock network of the unit tests; each test adds its handlers with `server.use`. Ending
 * the review session is answered always: it is sent after a review page unmounts; the server's
 * facts (registration open, packages in the request) unless a test says otherwise.
 */
export const server = setupServer(
  on("get", "/api/server-info", () => ({ registration: "open" as const, direct_transfers: false })),
  on("post", "/api/session/flush", () => ({ success: true, status: "flushed", snapshot_seq: 1, session_ended: true })),
);
