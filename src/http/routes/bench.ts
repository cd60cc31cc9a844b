import { Hono } from "hono";
import { config } from "../../config";
import { MAX_BULK_BYTES } from "../../events/contract/rules";
import type { AppEnv } from "../app-env";
import { readJsonBody } from "../body";

/**
 * POST /bench/parse: reads and parses a JSON body of up to the bulk route's size and answers how
 * many events it holds — the bulk route's work before validation, with no key, limit or queue.
 * `npm run bench` measures bulk ingest against it (bulk_vs_noop_ratio). It answers 404 unless
 * BENCH_PARSE_ROUTE is "true", and it is not in the API document.
 */
export const benchRoutes = new Hono<AppEnv>();

benchRoutes.post("/bench/parse", async (c) => {
  if (!config(c.env).benchParseRoute) return c.notFound();
  const { value } = await readJsonBody(c.req.raw, MAX_BULK_BYTES);
  const events = typeof value === "object" && value !== null ? (value as { events?: unknown }).events : undefined;
  return c.json({ status: "ok", events: Array.isArray(events) ? events.length : 0 });
});
