import { withRetries } from "../../../lib/retry";
import { answerWithin, within } from "../../../lib/timeout";
import { SourceError } from "../source-error";
import { jwtSigner } from "./jwt";

export interface SnowflakeConfig {
  account: string;
  user: string;
  private_key: string;
  warehouse: string;
  database: string;
  schema: string;
  role?: string;
  endpoint?: string;
}

export interface Column {
  name: string;
  type: string;
  scale?: number | null;
}

export interface ResultSet {
  handle: string;
  rowType: Column[];
  /** Number of partitions; partition 0's rows are `first`. */
  partitions: number;
  first: (string | null)[][];
}

export type Binding = { type: string; value: string };

/** Snowflake refused the statement (or the credentials): its own code and message. */
export class SnowflakeError extends SourceError {}

const TRIES = 6;
const USER_AGENT = "edge-event-imports/0.1";
const POLL_LIMIT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Exponential backoff with full jitter. */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(200 * 2 ** attempt, 5_000));
const retryable = (status: number) => status === 429 || status >= 500;

async function failure(res: Response, timeoutMs: number): Promise<SnowflakeError> {
  const text = await within(timeoutMs, res.text()).catch(() => "");
  let body: { code?: string; message?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the status
  }
  return new SnowflakeError(res.status, body.code ?? `HTTP${res.status}`, (body.message ?? (res.statusText || "no message")).slice(0, 500));
}

/**
 * The SQL API v2 over fetch: key-pair JWT, a requestId on every submission and `retry=true` when
 * resubmitting (so a statement never runs twice), 202 answers polled with backoff, 429/5xx retried
 * with jitter, every partition fetched (bodies arrive gzip-decoded by the runtime).
 */
export async function snowflakeClient(cfg: SnowflakeConfig, { timeoutMs = 30_000 }: { timeoutMs?: number } = {}) {
  let token: () => Promise<string>;
  try {
    token = await jwtSigner(cfg.account, cfg.user, cfg.private_key);
  } catch {
    throw new SnowflakeError(0, "InvalidPrivateKey", "private_key is not a usable unencrypted PKCS#8 RSA key");
  }
  const base = (cfg.endpoint ?? `https://${cfg.account.trim().toLowerCase().replace(/_/g, "-")}.snowflakecomputing.com`).replace(/\/+$/, "");
  const headers = async (post: boolean): Promise<Record<string, string>> => ({
    authorization: `Bearer ${await token()}`,
    "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
    accept: "application/json",
    "user-agent": USER_AGENT,
    ...(post ? { "content-type": "application/json" } : {}),
  });

  /**
   * Retries 429/5xx, network errors and silences; Snowflake's other answers end it with its own
   * code. The JSON body is read inside the same try, so a body that breaks off or goes silent is
   * retried like any other failure (resubmissions carry retry=true: nothing runs twice).
   */
  async function retrying(send: (signal: AbortSignal) => Promise<Response>): Promise<{ status: number; body: Record<string, unknown> }> {
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
      throw new SnowflakeError(0, "Unreachable", `Snowflake did not answer (${String(err)})`);
    }
  }

  /** GET with retries; 202 (still running) is handed back to the caller. */
  const get = async (url: string) => retrying(async (signal) => fetch(url, { headers: await headers(false), signal }));

  async function resultOf(body: Record<string, unknown>): Promise<ResultSet> {
    const meta = body.resultSetMetaData as { rowType: Column[]; partitionInfo?: unknown[] } | undefined;
    if (!meta) throw new SnowflakeError(200, String(body.code ?? "NoResult"), "the response has no result set");
    return {
      handle: String(body.statementHandle),
      rowType: meta.rowType,
      partitions: Math.max(1, meta.partitionInfo?.length ?? 1),
      first: (body.data as (string | null)[][]) ?? [],
    };
  }

  return {
    /** Runs one statement to completion and returns its first partition and shape. */
    async execute(statement: string, bindings?: Record<string, Binding>): Promise<ResultSet> {
      const requestId = crypto.randomUUID();
      const payload = JSON.stringify({
        statement,
        timeout: 600,
        warehouse: cfg.warehouse,
        database: cfg.database,
        schema: cfg.schema,
        ...(cfg.role ? { role: cfg.role } : {}),
        ...(bindings ? { bindings } : {}),
      });
      // The same requestId on every try, and retry=true from the second on: a statement never runs twice.
      let tries = 0;
      let { status, body } = await retrying(async (signal) => {
        const q = new URLSearchParams({ requestId, ...(tries++ > 0 ? { retry: "true" } : {}) });
        return fetch(`${base}/api/v2/statements?${q}`, { method: "POST", headers: await headers(true), body: payload, signal });
      });
      const started = Date.now();
      for (let poll = 0; status === 202; poll++) {
        if (Date.now() - started > POLL_LIMIT_MS) throw new SnowflakeError(408, "PollTimeout", "the statement was still running after 10 minutes");
        await sleep(Math.min(100 * 2 ** poll, 2_000));
        const url = new URL(String(body.statementStatusUrl ?? `/api/v2/statements/${body.statementHandle}`), base);
        ({ status, body } = await get(url.toString()));
      }
      return resultOf(body);
    },

    /** Rows of partition `n` ≥ 1 (no metadata: the caller keeps partition 0's rowType). */
    async partition(handle: string, n: number): Promise<(string | null)[][]> {
      const { body } = await get(`${base}/api/v2/statements/${encodeURIComponent(handle)}?partition=${n}`);
      return (body.data as (string | null)[][] | undefined) ?? [];
    },
  };
}
