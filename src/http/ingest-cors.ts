import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/**
 * CORS for the two ingest endpoints (and only them): sites send events from their own pages, with
 * the key in Authorization, so any origin may call them; no cookies are involved. Headers are set
 * before the handler runs (hono keeps them for the handler's response and for error problems), so
 * the hot path builds no extra Response as a general-purpose CORS middleware does.
 */
export const ingestCors = createMiddleware<AppEnv>(async (c, next) => {
  c.header("access-control-allow-origin", "*");
  if (c.req.method === "OPTIONS") {
    c.header("access-control-allow-methods", "POST, OPTIONS");
    c.header("access-control-allow-headers", "authorization, content-type");
    c.header("access-control-max-age", "86400");
    return c.body(null, 204);
  }
  // A page may read the request id it should quote, and how long to wait after a 429.
  c.header("access-control-expose-headers", "x-request-id, retry-after");
  await next();
});
