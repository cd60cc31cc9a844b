import { sqlApi } from "./http";
import { completion, partitionRows, resultOf, submit } from "./statement";

export { SnowflakeError } from "./errors";

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

/**
 * The SQL API v2 over fetch: key-pair JWT, a requestId on every submission and `retry=true` when
 * resubmitting (so a statement never runs twice), 202 answers polled with backoff, 429/5xx retried
 * with jitter, every partition fetched (bodies arrive gzip-decoded by the runtime).
 */
export async function snowflakeClient(cfg: SnowflakeConfig, { timeoutMs = 30_000 }: { timeoutMs?: number } = {}) {
  const api = await sqlApi(cfg, timeoutMs);
  return {
    /** Runs one statement to completion and returns its first partition and shape. */
    async execute(statement: string, bindings?: Record<string, Binding>): Promise<ResultSet> {
      return resultOf((await completion(api, await submit(api, cfg, statement, bindings))).body);
    },

    /** Rows of partition `n` ≥ 1 (no metadata: the caller keeps partition 0's rowType). */
    partition: (handle: string, n: number) => partitionRows(api, handle, n),
  };
}
export type SnowflakeClient = Awaited<ReturnType<typeof snowflakeClient>>;
