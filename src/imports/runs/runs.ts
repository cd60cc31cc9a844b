import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../../db/client";
import { runFiles, runs, tasks } from "../../db/schema";
import { chunkJob, fetchJob } from "../jobs";
import { taskSource } from "../tasks/columns";
import type { TaskRow } from "../tasks/tasks";

export type RunRow = typeof runs.$inferSelect;

/** SQL that completes a launched one-time task once its run has ended, when `also` holds. */
const completeOnceTask = (db: Database, taskId: string, at: string, also?: SQL) =>
  db
    .update(tasks)
    .set({ status: "completed", nextRunAt: null, updatedAt: at })
    .where(and(eq(tasks.id, taskId), eq(tasks.status, "launched"), sql`json_extract(${tasks.schedule}, '$.frequency') = 'once'`, also));

/** True (in SQL) once the run's processing has ended `processed`. */
const wasProcessed = (runId: string, also: SQL = sql`1`) =>
  sql`EXISTS (SELECT 1 FROM ${runs} WHERE ${runs.id} = ${runId} AND ${runs.processingStatus} = 'processed' AND ${also})`;

/** True while a run of the task is still fetching or processing. */
export async function hasActiveRun(db: Database, taskId: string): Promise<boolean> {
  const row = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.taskId, taskId), sql`(${runs.fetchStatus} = 'fetching' OR ${runs.processingStatus} = 'processing')`))
    .get();
  return row !== undefined;
}

/**
 * Starts a run and fetches its data. Upload tasks' data is already in R2, so the fetch is the
 * check that the file is there; the run then hands its first chunk to the chunks queue.
 * `afterCreate` runs once the run row exists (the soak suite's fault point).
 */
export async function startRun(db: Database, env: Env, task: TaskRow, now: Date, afterCreate?: () => void): Promise<RunRow> {
  const at = now.toISOString();
  const run: RunRow = {
    id: crypto.randomUUID(),
    accountId: task.accountId,
    taskId: task.id,
    createdAt: at,
    fetchStatus: "fetching",
    fetchStartedAt: at,
    fetchEndedAt: null,
    fetchError: null,
    processingStatus: null,
    processingStartedAt: null,
    processingEndedAt: null,
    processingError: null,
    rowsTotal: 0,
    rowsProcessed: 0,
    rowsErrored: 0,
    progressAt: at,
    resumes: 0,
    sourceState: null,
    watermarkCandidate: null,
  };
  await db.insert(runs).values(run);
  afterCreate?.();
  if (taskSource(task).type !== "upload") {
    // Copying objects or query results can take a while: a queue job does it, not the tick or the request.
    await env.CHUNKS_QUEUE.send(fetchJob(run.id), { contentType: "json" });
    return run;
  }
  return stageUpload(db, env, run, task, now);
}

/** The "fetch" of an upload task: its file is already in R2, so processing starts on it. */
export async function stageUpload(db: Database, env: Env, run: RunRow, task: TaskRow, now: Date): Promise<RunRow> {
  const head = task.fileKey ? await env.FILES.head(task.fileKey) : null;
  if (!head || !task.fileKey) return failFetch(db, run, "The uploaded file is missing; upload it again", now);
  const files = [{ name: task.fileName ?? "upload.csv", r2Key: task.fileKey, bytes: head.size, identity: `${task.id}:${head.etag}` }];
  return beginProcessing(db, env, run, files, [], now);
}

export interface StagedFile {
  name: string;
  r2Key: string;
  bytes: number;
  /** Stable identity of the content; imported rows' event_uuids derive from it. */
  identity: string;
}

/**
 * Ends the fetch (fetched) and starts processing the staged files (index = position in `files`):
 * their rows (unless `filesRecorded`) and the run's status change in one batch with `extra`
 * statements, then each file's first chunk is queued.
 * A fetch that found nothing new is a processed run with 0 rows.
 */
export async function beginProcessing(
  db: Database,
  env: Env,
  run: RunRow,
  files: StagedFile[],
  extra: BatchItem<"sqlite">[],
  now: Date,
  filesRecorded = false,
): Promise<RunRow> {
  const at = now.toISOString();
  const empty = files.length === 0;
  const update = db
    .update(runs)
    .set({
      fetchStatus: "fetched",
      fetchEndedAt: at,
      processingStatus: empty ? "processed" : "processing",
      processingStartedAt: at,
      processingEndedAt: empty ? at : null,
      progressAt: at,
      resumes: 0,
    })
    .where(eq(runs.id, run.id));
  const statements: BatchItem<"sqlite">[] = [update, ...extra];
  if (empty) statements.push(completeOnceTask(db, run.taskId, at));
  else if (!filesRecorded) statements.push(...files.map((f, i) => db.insert(runFiles).values({ runId: run.id, fileIndex: i, ...f })));
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  for (let i = 0; i < files.length; i += 100) {
    await env.CHUNKS_QUEUE.sendBatch(files.slice(i, i + 100).map((_, j) => ({ body: chunkJob(run.id, i + j, 0, 1, 0), contentType: "json" as const })));
  }
  return { ...run, fetchStatus: "fetched", fetchEndedAt: at, processingStatus: empty ? "processed" : "processing", processingStartedAt: at };
}

export async function failFetch(db: Database, run: RunRow, error: string, now: Date): Promise<RunRow> {
  const at = now.toISOString();
  await db.batch([
    db.update(runs).set({ fetchStatus: "failed", fetchEndedAt: at, fetchError: error, progressAt: at }).where(eq(runs.id, run.id)),
    completeOnceTask(db, run.taskId, at),
  ]);
  return { ...run, fetchStatus: "failed", fetchEndedAt: at, fetchError: error };
}

/** Ends processing as failed (an unreadable file, or stuck past its resumes), completing a one-time task. */
export async function failProcessing(db: Database, run: Pick<RunRow, "id" | "taskId">, error: string, now: Date): Promise<void> {
  const at = now.toISOString();
  await db.batch([
    db
      .update(runs)
      .set({ processingStatus: "failed", processingEndedAt: at, processingError: error, progressAt: at })
      .where(and(eq(runs.id, run.id), eq(runs.processingStatus, "processing"))),
    completeOnceTask(db, run.taskId, at),
  ]);
}

/** Statements that end processing when every file of the run is done; part of a chunk's batch. */
export function finishIfDone(db: Database, run: Pick<RunRow, "id" | "taskId">, at: string) {
  return [
    db
      .update(runs)
      .set({ processingStatus: "processed", processingEndedAt: at, progressAt: at })
      .where(
        and(
          eq(runs.id, run.id),
          eq(runs.processingStatus, "processing"),
          sql`NOT EXISTS (SELECT 1 FROM ${runFiles} WHERE ${runFiles.runId} = ${run.id} AND ${runFiles.done} = 0)`,
        ),
      ),
    completeOnceTask(db, run.taskId, at, wasProcessed(run.id)),
    // The incremental watermark moves only once every row up to it is stored.
    db
      .update(tasks)
      .set({ watermark: sql`(SELECT ${runs.watermarkCandidate} FROM ${runs} WHERE ${runs.id} = ${run.id})` })
      .where(and(eq(tasks.id, run.taskId), wasProcessed(run.id, sql`${runs.watermarkCandidate} IS NOT NULL`))),
  ] as const;
}

export async function listRuns(db: Database, taskId: string): Promise<RunRow[]> {
  return db.select().from(runs).where(eq(runs.taskId, taskId)).orderBy(desc(runs.createdAt), desc(runs.id)).all();
}

export async function getRun(db: Database, taskId: string, runId: string): Promise<RunRow | undefined> {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.taskId, taskId)))
    .get();
}

export async function filesOf(db: Database, runIds: string[]) {
  if (runIds.length === 0) return new Map<string, (typeof runFiles.$inferSelect)[]>();
  // json_each keeps any number of ids inside D1's 100-parameter limit.
  const rows = await db
    .select()
    .from(runFiles)
    .where(sql`${runFiles.runId} IN (SELECT value FROM json_each(${JSON.stringify(runIds)}))`)
    .orderBy(runFiles.fileIndex)
    .all();
  const out = new Map<string, (typeof runFiles.$inferSelect)[]>();
  for (const r of rows) out.set(r.runId, [...(out.get(r.runId) ?? []), r]);
  return out;
}

/** The §4.3 wire shape of a run. */
export function toApiRun(r: RunRow, files: (typeof runFiles.$inferSelect)[]) {
  return {
    id: r.id,
    fetch: { status: r.fetchStatus, started_at: r.fetchStartedAt, ended_at: r.fetchEndedAt, error: r.fetchError },
    // Always an object, so clients can read processing.status; null status = processing has not started
    // (still fetching) or never will (the fetch failed).
    processing: { status: r.processingStatus, started_at: r.processingStartedAt, ended_at: r.processingEndedAt, error: r.processingError },
    rows: { total: r.rowsTotal, processed: r.rowsProcessed, errored: r.rowsErrored },
    files: files.map((f) => ({ name: f.name, bytes: f.bytes, rows: f.nextRow })),
    created_at: r.createdAt,
  };
}
