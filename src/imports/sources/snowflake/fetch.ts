import { and, eq } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { runFiles, runs, type tasks } from "../../../db/schema";
import { log } from "../../../lib/log";
import { sourceTimeoutMs } from "../../../lib/timeout";
import { hasIdentifierColumn } from "../../chunk/row-mapper";
import { fetchJob } from "../../jobs";
import { beginProcessing, failFetch, type RunRow } from "../../runs/runs";
import { decryptSecrets } from "../../tasks/secrets";
import type { Mapping } from "../../tasks/task-schema";
import { type Column, SnowflakeError, snowflakeClient } from "./client";
import { bindingFor, decoderFor } from "./decode";

/** Partitions staged per fetch job: each costs a GET and an R2 write of a Worker's subrequest budget. */
const PARTITIONS_PER_JOB = 10;

interface State {
  handle: string;
  partitions: number;
  rowType: Column[];
  staged: number;
  /** The largest incremental-column cell seen so far, as Snowflake sent it. */
  candidate: string | null;
}
export interface Watermark {
  cell: string;
  column: Column;
}

/** Orders two cells of the incremental column by value, not by text. */
function greater(col: Column, a: string, b: string): boolean {
  const type = col.type.toLowerCase();
  if (type === "text") return a > b;
  if (type === "fixed" && (col.scale ?? 0) === 0 && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return BigInt(a) > BigInt(b);
  const na = Number.parseFloat(a);
  const nb = Number.parseFloat(b);
  return Number.isNaN(na) || Number.isNaN(nb) ? a > b : na > nb;
}

/**
 * The fetch of a Snowflake run (API.md §4.6): run the query through the SQL API (with the
 * incremental watermark bound as a parameter), decode each partition by rowType into one JSON
 * object a line, and stage the partitions in R2 for the shared pipeline. The statement handle is
 * kept on the run, so a redelivered job reads the same result instead of running the query again.
 */
export async function fetchSnowflakeRun(db: Database, env: Env, run: RunRow, task: typeof tasks.$inferSelect, now: () => Date): Promise<void> {
  const source = JSON.parse(task.source) as {
    account: string;
    user: string;
    warehouse: string;
    database: string;
    schema: string;
    role?: string;
    query: string;
    incremental_column?: string;
    endpoint?: string;
  };
  const secrets = task.secrets ? await decryptSecrets(env, task.secrets) : {};
  const mapping = JSON.parse(task.mapping) as Mapping;
  try {
    const client = await snowflakeClient({ ...source, private_key: secrets.private_key ?? "" }, { timeoutMs: sourceTimeoutMs(env) });
    let state = run.sourceState ? (JSON.parse(run.sourceState) as State) : null;
    let first: (string | null)[][] | null = null;
    if (!state) {
      const watermark = task.watermark ? (JSON.parse(task.watermark) as Watermark) : null;
      const col = source.incremental_column;
      const statement = col && watermark ? `SELECT * FROM (${source.query}) AS q WHERE q.${col} > ?` : source.query;
      const result = await client.execute(statement, col && watermark ? { "1": bindingFor(watermark.column, watermark.cell) } : undefined);
      const names = result.rowType.map((c) => c.name);
      if (!hasIdentifierColumn(names, mapping)) {
        return void (await failFetch(
          db,
          run,
          `No identifier column: the result's columns (${names.slice(0, 20).join(", ")}) need one of customer_id, email, device_id, cookie, or a mapping to one`,
          now(),
        ));
      }
      if (col && !names.some((n) => n.toLowerCase() === col.toLowerCase())) {
        return void (await failFetch(db, run, `incremental_column ${col} is not a column of the query's result`, now()));
      }
      state = { handle: result.handle, partitions: result.partitions, rowType: result.rowType, staged: 0, candidate: null };
      first = result.first;
    }
    const decoders = state.rowType.map(decoderFor);
    const names = state.rowType.map((c) => c.name);
    const incIndex = source.incremental_column ? names.findIndex((n) => n.toLowerCase() === source.incremental_column!.toLowerCase()) : -1;
    const end = Math.min(state.partitions, state.staged + PARTITIONS_PER_JOB);
    const files: (typeof runFiles.$inferInsert)[] = [];
    for (let n = state.staged; n < end; n++) {
      const rows = n === 0 && first ? first : await client.partition(state.handle, n);
      let text = "";
      for (const row of rows) {
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) obj[names[i]!] = decoders[i]!(row[i] ?? null);
        text += `${JSON.stringify(obj)}\n`;
        const cell = incIndex >= 0 ? row[incIndex] : null;
        if (cell !== null && cell !== undefined && (state.candidate === null || greater(state.rowType[incIndex]!, cell, state.candidate)))
          state.candidate = cell;
      }
      const r2Key = `runs/${run.accountId}/${run.id}/p${n}.ndjson`;
      const bytes = new TextEncoder().encode(text);
      await env.FILES.put(r2Key, bytes);
      files.push({
        runId: run.id,
        fileIndex: n,
        name: `partition ${n}`,
        kind: "ndjson",
        r2Key,
        bytes: bytes.byteLength,
        identity: `sf:${task.id}`,
        header: JSON.stringify(["row"]),
        gzip: false,
        encoding: "utf-8",
        newline: "\n",
      });
    }
    state.staged = end;
    const at = now().toISOString();
    const candidate = state.candidate !== null ? JSON.stringify({ cell: state.candidate, column: state.rowType[incIndex]! } satisfies Watermark) : null;
    const saveState = db
      .update(runs)
      .set({ sourceState: JSON.stringify(state), watermarkCandidate: candidate, progressAt: at, resumes: 0 })
      .where(eq(runs.id, run.id));
    // One insert a file: a multi-row insert would pass D1's 100 bound parameters.
    await db.batch([saveState, ...files.map((f) => db.insert(runFiles).values(f).onConflictDoNothing())]);
    if (state.staged < state.partitions) {
      await env.CHUNKS_QUEUE.send(fetchJob(run.id), { contentType: "json" });
      return;
    }
    const all = await db
      .select()
      .from(runFiles)
      .where(and(eq(runFiles.runId, run.id)))
      .orderBy(runFiles.fileIndex)
      .all();
    const nonEmpty = all.some((f) => f.bytes > 0);
    await beginProcessing(db, env, { ...run, watermarkCandidate: candidate }, nonEmpty ? all : [], [], now(), true);
  } catch (err) {
    if (!(err instanceof SnowflakeError)) throw err;
    log("info", "snowflake fetch failed", { run_id: run.id, code: err.code, status: err.status });
    await failFetch(db, run, err.message, now());
  }
}
