import { createMiddleware } from "hono/factory";
import { withRequestId } from "../lib/log";
import type { AppEnv } from "./app-env";

/** Gives each request an id: on the context, in the x-request-id header, and on every log line it writes. */
export const requestId = createMiddleware<AppEnv>((c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  c.header("x-request-id", id);
  return withRequestId(id, next);
});
