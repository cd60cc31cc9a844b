import { eq } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { runFiles, runs, type tasks } from "../../../db/schema";
import { log } from "../../../lib/log";
import { sourceTimeoutMs } from "../../../lib/timeout";
import { hasIdentifierColumn } from "../../chunk/row-mapper";
import { fetchJob } from "../../jobs";
import { beginProcessing, failFetch, type RunRow } from "../../runs/runs";
import { type StoredSnowflakeSource, taskMapping } from "../../tasks/columns";
import { decryptSecrets } from "../../tasks/secrets";
import type { Mapping } from "../../tasks/task-schema";
import { type SnowflakeClient, SnowflakeError, snowflakeClient } from "./client";
import { runState, type State } from "./run-state";
import { stagePartitions } from "./stage";
import { candidateJson, incrementalIndex, taskWatermark, watermarkedQuery } from "./watermark";

/** Partitions staged per fetch job: each costs a GET and an R2 write of a Worker's subrequest budget. */
const PARTITIONS_PER_JOB = 10;

type Task = typeof tasks.$inferSelect;

/**
 * The fetch of a Snowflake run (API.md §4.6): run the query through the SQL API (with the
 * incremental watermark bound as a parameter), decode each partition by rowType into one JSON
 * object a line, and stage the partitions in R2 for the shared pipeline. The statement handle is
 * kept on the run, so a redelivered job reads the same result instead of running the query again.
 */
export async function fetchSnowflakeRun(db: Database, env: Env, run: RunRow, task: Task, source: StoredSnowflakeSource, now: () => Date): Promise<void> {
  const secrets = task.secrets ? await decryptSecrets(env, task.secrets) : {};
  const mapping = taskMapping(task);
  try {
    const client = await snowflakeClient({ ...source, private_key: secrets.private_key ?? "" }, { timeoutMs: sourceTimeoutMs(env) });
    const saved = runState(run);
    const opened = saved ? { state: saved, first: null } : await runQuery(client, task, source, mapping);
    if (typeof opened === "string") return void (await failFetch(db, run, opened, now()));
    const { state, first } = opened;
    const incIndex = incrementalIndex(state.rowType, source.incremental_column);
    const end = Math.min(state.partitions, state.staged + PARTITIONS_PER_JOB);
    const files = await stagePartitions(env, client, run, task.id, { state, first, incIndex, end });
    state.staged = end;
    const candidate = candidateJson(state, incIndex);
    await checkpoint(db, run, state, candidate, files, now);
    if (state.staged < state.partitions) {
      await env.CHUNKS_QUEUE.send(fetchJob(run.id), { contentType: "json" });
      return;
    }
    await finish(db, env, run, candidate, now);
  } catch (err) {
    if (!(err instanceof SnowflakeError)) throw err;
    log("info", "snowflake fetch failed", { run_id: run.id, code: err.code, status: err.status });
    await failFetch(db, run, err.message, now());
  }
}

/**
 * Runs the task's query (past the watermark, when incremental) and checks its columns: the new
 * fetch state with the rows of partition 0, or why the result cannot be imported.
 */
async function runQuery(client: SnowflakeClient, task: Task, source: StoredSnowflakeSource, mapping: Mapping) {
  const { statement, bindings } = watermarkedQuery(source, taskWatermark(task));
  const result = await client.execute(statement, bindings);
  const problem = resultProblem(
    result.rowType.map((c) => c.name),
    mapping,
    source.incremental_column,
  );
  if (problem) return problem;
  const state: State = { handle: result.handle, partitions: result.partitions, rowType: result.rowType, staged: 0, candidate: null };
  return { state, first: result.first };
}

/** Why a result with these columns cannot be imported by this task, or null when it can. */
export function resultProblem(names: string[], mapping: Mapping, incrementalColumn: string | undefined): string | null {
  if (!hasIdentifierColumn(names, mapping)) {
    return `No identifier column: the result's columns (${names.slice(0, 20).join(", ")}) need one of customer_id, email, device_id, cookie, or a mapping to one`;
  }
  if (incrementalColumn && !names.some((n) => n.toLowerCase() === incrementalColumn.toLowerCase())) {
    return `incremental_column ${incrementalColumn} is not a column of the query's result`;
  }
  return null;
}

/** Saves the fetch state with the staged partitions' rows, so the next job (or a redelivered one) goes on from here. */
async function checkpoint(db: Database, run: RunRow, state: State, candidate: string | null, files: (typeof runFiles.$inferInsert)[], now: () => Date) {
  const at = now().toISOString();
  const saveState = db
    .update(runs)
    .set({ sourceState: JSON.stringify(state), watermarkCandidate: candidate, progressAt: at, resumes: 0 })
    .where(eq(runs.id, run.id));
  // One insert a file: a multi-row insert would pass D1's 100 bound parameters.
  await db.batch([saveState, ...files.map((f) => db.insert(runFiles).values(f).onConflictDoNothing())]);
}

/** Every partition is staged: processing starts on them (none at all when every partition is empty). */
async function finish(db: Database, env: Env, run: RunRow, candidate: string | null, now: () => Date) {
  const all = await db.select().from(runFiles).where(eq(runFiles.runId, run.id)).orderBy(runFiles.fileIndex).all();
  const nonEmpty = all.some((f) => f.bytes > 0);
  await beginProcessing(db, env, { ...run, watermarkCandidate: candidate }, nonEmpty ? all : [], [], now(), true);
}
