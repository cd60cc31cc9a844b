import type { Binding, Column, ResultSet, SnowflakeConfig } from "./client";
import { SnowflakeError } from "./errors";
import type { Answer, SqlApi } from "./http";

const POLL_LIMIT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Submits one statement in `cfg`'s warehouse, database and schema. The same requestId goes with
 * every try, and retry=true from the second on: a statement never runs twice.
 */
export function submit(api: SqlApi, cfg: SnowflakeConfig, statement: string, bindings?: Record<string, Binding>): Promise<Answer> {
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
  const urlOf = (attempt: number) => `${api.base}/api/v2/statements?${new URLSearchParams({ requestId, ...(attempt > 0 ? { retry: "true" } : {}) })}`;
  return api.post(urlOf, payload);
}

/** Polls a submitted statement, with backoff, while Snowflake answers 202 (still running); gives up after 10 minutes. */
export async function completion(api: SqlApi, submitted: Answer): Promise<Answer> {
  let { status, body } = submitted;
  const started = Date.now();
  for (let poll = 0; status === 202; poll++) {
    if (Date.now() - started > POLL_LIMIT_MS) throw new SnowflakeError(408, "PollTimeout", "the statement was still running after 10 minutes");
    await sleep(Math.min(100 * 2 ** poll, 2_000));
    const url = new URL(String(body.statementStatusUrl ?? `/api/v2/statements/${body.statementHandle}`), api.base);
    ({ status, body } = await api.get(url.toString()));
  }
  return { status, body };
}

/** A finished statement's handle, shape and first partition. */
export function resultOf(body: Record<string, unknown>): ResultSet {
  const meta = body.resultSetMetaData as { rowType: Column[]; partitionInfo?: unknown[] } | undefined;
  if (!meta) throw new SnowflakeError(200, String(body.code ?? "NoResult"), "the response has no result set");
  return {
    handle: String(body.statementHandle),
    rowType: meta.rowType,
    partitions: Math.max(1, meta.partitionInfo?.length ?? 1),
    first: (body.data as (string | null)[][]) ?? [],
  };
}

/** Rows of partition `n` ≥ 1 of a finished statement (no metadata: partition 0 carries the rowType). */
export async function partitionRows(api: SqlApi, handle: string, n: number): Promise<(string | null)[][]> {
  const { body } = await api.get(`${api.base}/api/v2/statements/${encodeURIComponent(handle)}?partition=${n}`);
  return (body.data as (string | null)[][] | undefined) ?? [];
}
