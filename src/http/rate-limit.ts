import type { Context } from "hono";
import { log } from "../log";
import type { AppEnv } from "./app-env";
import { Problem } from "./problem";

/**
 * Per-account limit on the ingest endpoints, with Workers' rate-limiting binding (INGEST_LIMITER
 * in wrangler.toml): requests per period, a bulk call counting once. Its period, for Retry-After.
 */
export const INGEST_LIMIT_PERIOD_S = 10;

/**
 * Starts the caller's account's rate-limit check without waiting for it, and returns the wait:
 * the route reads and validates the body meanwhile and awaits the answer before accepting
 * anything, so the limiter's round trip overlaps work the request does anyway. Past the limit the
 * wait throws a 429 problem with Retry-After. If the limiter itself fails, the call is let through
 * (an outage of the limiter must not stop ingestion) and the failure is logged.
 */
export function startIngestLimit(c: Context<AppEnv>): () => Promise<void> {
  const accountId = c.var.owner.accountId;
  const allowed = c.env.INGEST_LIMITER.limit({ key: accountId }).then(
    ({ success }) => success,
    (err: unknown) => {
      log("error", "rate limiter unavailable; letting the call through", { account_id: accountId, error: String(err) });
      return true;
    },
  );
  return async () => {
    if (await allowed) return;
    c.header("retry-after", String(INGEST_LIMIT_PERIOD_S));
    throw new Problem(429, `This account is sending events faster than its limit; nothing was accepted; retry after ${INGEST_LIMIT_PERIOD_S} seconds`);
  };
}
