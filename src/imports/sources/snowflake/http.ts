import { withRetries } from "../../../lib/retry";
import { answerWithin, within } from "../../../lib/timeout";
import type { SnowflakeConfig } from "./client";
import { failure, retryable, SnowflakeError, unreachable } from "./errors";
import { jwtSigner } from "./jwt";

const TRIES = 6;
const USER_AGENT = "edge-event-imports/0.1";

/** Exponential backoff with full jitter. */
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(200 * 2 ** attempt, 5_000)));

/** An answer of the SQL API: its status (200, or 202 while the statement runs) and JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Signed, retried calls to one account's SQL API v2. */
export interface SqlApi {
  base: string;
  /** POSTs `payload` to the URL `urlOf(n)` gives for try n (0 first), so a resubmission can say so. */
  post: (urlOf: (attempt: number) => string, payload: string) => Promise<Answer>;
  /** GET; 202 (still running) is handed back to the caller. */
  get: (url: string) => Promise<Answer>;
}

/** The SQL API of `cfg`'s account, with key-pair JWT authentication; an unusable key is a SnowflakeError. */
export async function sqlApi(cfg: SnowflakeConfig, timeoutMs: number): Promise<SqlApi> {
  let token: () => Promise<string>;
  try {
    token = await jwtSigner(cfg.account, cfg.user, cfg.private_key);
  } catch {
    throw new SnowflakeError(0, "InvalidPrivateKey", "private_key is not a usable unencrypted PKCS#8 RSA key");
  }
  const headers = async (post: boolean): Promise<Record<string, string>> => ({
    authorization: `Bearer ${await token()}`,
    "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
    accept: "application/json",
    "user-agent": USER_AGENT,
    ...(post ? { "content-type": "application/json" } : {}),
  });
  return {
    base: (cfg.endpoint ?? `https://${cfg.account.trim().toLowerCase().replace(/_/g, "-")}.snowflakecomputing.com`).replace(/\/+$/, ""),
    post: (urlOf, payload) => {
      let attempt = 0;
      return retrying(timeoutMs, async (signal) => fetch(urlOf(attempt++), { method: "POST", headers: await headers(true), body: payload, signal }));
    },
    get: (url) => retrying(timeoutMs, async (signal) => fetch(url, { headers: await headers(false), signal })),
  };
}

/**
 * Retries 429/5xx, network errors and silences; Snowflake's other answers end it with its own
 * code. The JSON body is read inside the same try, so a body that breaks off or goes silent is
 * retried like any other failure (resubmissions carry retry=true: nothing runs twice).
 */
async function retrying(timeoutMs: number, send: (signal: AbortSignal) => Promise<Response>): Promise<Answer> {
  try {
    return await withRetries(
      async () => {
        const res = await answerWithin(timeoutMs, send);
        if (!res.ok) throw await failure(res, timeoutMs);
        return { status: res.status, body: (await within(timeoutMs, res.json())) as Record<string, unknown> };
      },
      (err) => !(err instanceof SnowflakeError) || retryable(err.status),
      TRIES,
      backoff,
    );
  } catch (err) {
    if (err instanceof SnowflakeError) throw err;
    throw unreachable(err);
  }
}
