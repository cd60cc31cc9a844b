import type { Context } from "hono";
import { log } from "../lib/log";
import { Problem } from "../lib/problem";
import type { AppEnv } from "./app-env";

/**
 * Per-account limit on the ingest endpoints, with Workers' rate-limiting binding (INGEST_LIMITER
 * in wrangler.toml): requests per period, a bulk call counting once. Its period, for Retry-After.
 */
export const INGEST_LIMIT_PERIOD_S = 10;

/**
 * Requests one limiter call pays for. The binding counts calls, so wrangler.toml sets its limit to
 * the account's request limit divided by this (400 calls × 50 = 20,000 requests per 10 s), and an
 * isolate spends the other 49 on its next calls for that account without asking again. It saves a
 * limiter round trip on 49 calls in 50; the price is precision: an isolate can hold up to 49 unspent
 * requests per concurrent caller (0.25 % of the account's 20,000), and they lapse after one period.
 * The lease's effect on throughput is in docs/performance.md.
 */
export const INGEST_LIMIT_LEASE = 50;

const leases = new Map<string, { tokens: number; expires: number }>();
const MAX_LEASED_ACCOUNTS = 10_000;

/** Takes one leased request for the account if this isolate holds one. */
function takeLeased(accountId: string, now: number): boolean {
  const lease = leases.get(accountId);
  if (!lease || lease.tokens === 0 || lease.expires <= now) return false;
  lease.tokens--;
  return true;
}

function addLease(accountId: string, now: number): void {
  const lease = leases.get(accountId);
  const expires = now + INGEST_LIMIT_PERIOD_S * 1000;
  if (lease && lease.expires > now) {
    lease.tokens += INGEST_LIMIT_LEASE;
    lease.expires = expires;
    return;
  }
  if (!lease && leases.size >= MAX_LEASED_ACCOUNTS) leases.delete(leases.keys().next().value!);
  leases.set(accountId, { tokens: INGEST_LIMIT_LEASE, expires });
}

/**
 * Starts the caller's account's rate-limit check without waiting for it, and returns the wait:
 * the route reads and validates the body meanwhile and awaits the answer before accepting
 * anything, so the limiter's round trip overlaps work the request does anyway. Past the limit the
 * wait throws a 429 problem with Retry-After. If the limiter itself fails, the call is let through
 * (an outage of the limiter must not stop ingestion) and the failure is logged.
 */
export function startIngestLimit(c: Context<AppEnv>): () => Promise<void> {
  const accountId = c.var.owner.accountId;
  if (takeLeased(accountId, Date.now())) return async () => {};
  const allowed = c.env.INGEST_LIMITER.limit({ key: accountId }).then(
    ({ success }) => {
      const now = Date.now();
      if (success) addLease(accountId, now);
      // Refused, but a concurrent call may just have leased requests this one can spend.
      return takeLeased(accountId, now);
    },
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
