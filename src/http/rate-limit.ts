import { log } from "../log";

/**
 * Per-account limit on the ingest endpoints, with Workers' rate-limiting binding (INGEST_LIMITER
 * in wrangler.toml): requests per period, a bulk call counting once. Its period, for Retry-After.
 */
export const INGEST_LIMIT_PERIOD_S = 10;

/**
 * Starts the account's rate-limit check without waiting for it: the caller reads and validates
 * the body meanwhile and awaits the answer before accepting anything, so the limiter's round trip
 * overlaps work the request does anyway. If the limiter itself fails, the call is let through
 * (an outage of the limiter must not stop ingestion) and the failure is logged.
 */
export function checkIngestLimit(env: Env, accountId: string): Promise<boolean> {
  return env.INGEST_LIMITER.limit({ key: accountId }).then(
    ({ success }) => success,
    (err: unknown) => {
      log("error", "rate limiter unavailable; letting the call through", { account_id: accountId, error: String(err) });
      return true;
    },
  );
}
