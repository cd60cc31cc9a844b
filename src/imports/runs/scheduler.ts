import { and, eq, isNotNull, lte, sql } from "drizzle-orm";
import { faultAt } from "eei-faults";
import { config } from "../../config";
import type { Database } from "../../db/client";
import { runFiles, runs, tasks } from "../../db/schema";
import { log } from "../../lib/log";
import { chunkJob, fetchJob } from "../jobs";
import { taskSchedule } from "../tasks/columns";
import { dueSlot, nextRunAt } from "../tasks/schedule";
import { failFetch, failProcessing, hasActiveRun, startRun } from "./runs";

/**
 * A run with no progress for STUCK_AFTER_SECONDS (config.ts) is resumed from its last checkpoint;
 * after MAX_RESUMES resumes in a row without progress in between, it fails (any progress sets the
 * count back to 0).
 */
export const MAX_RESUMES = 3;
const TASKS_PER_TICK = 200;

/**
 * One scheduler tick at `nowMs` (the cron's scheduled time, so schedules are testable without
 * waiting): start due runs, complete recurring tasks past end_at, and resume or fail stuck runs.
 */
export async function tick(db: Database, env: Env, nowMs: number): Promise<{ started: number; completed: number; resumed: number; failed: number }> {
  const now = new Date(nowMs);
  const started = await startDueRuns(db, env, now);
  const completed = await completeEndedTasks(db, now.toISOString());
  const { resumed, failed } = await sweepStuck(db, env, now);
  return { started, completed, resumed, failed };
}

/** Starts a run of each launched task whose next slot has come, claiming the slot first. */
async function startDueRuns(db: Database, env: Env, now: Date): Promise<number> {
  const nowMs = now.getTime();
  let started = 0;
  const due = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.status, "launched"), isNotNull(tasks.nextRunAt), lte(tasks.nextRunAt, now.toISOString())))
    .limit(TASKS_PER_TICK)
    .all();
  for (const task of due) {
    if (await hasActiveRun(db, task.id)) continue; // runs once the current run ends
    const schedule = taskSchedule(task);
    const state = { schedule, anchorAt: task.anchorAt, lastSlotAt: task.lastSlotAt, onceDone: task.onceDone };
    const slot = new Date(dueSlot(state, nowMs)).toISOString();
    const next = nextRunAt({ ...state, lastSlotAt: slot });
    // Claim the slot: only the tick whose update lands starts the run.
    const claim = await db
      .update(tasks)
      .set({ lastSlotAt: slot, nextRunAt: next })
      .where(and(eq(tasks.id, task.id), eq(tasks.status, "launched"), eq(tasks.nextRunAt, task.nextRunAt!)));
    if (claim.meta.changes === 0) continue;
    // Soak only: the tick may die between creating the run and handing it on; the sweep resumes it.
    await startRun(db, env, { ...task, lastSlotAt: slot, nextRunAt: next }, now, () => faultAt(env, "tick_after_run_created"));
    started++;
  }
  return started;
}

/** Recurring tasks whose end_at has passed are done once no run is in flight. */
async function completeEndedTasks(db: Database, at: string): Promise<number> {
  const ended = await db
    .update(tasks)
    .set({ status: "completed", nextRunAt: null, updatedAt: at })
    .where(
      and(
        eq(tasks.status, "launched"),
        sql`json_extract(${tasks.schedule}, '$.frequency') != 'once'`,
        sql`json_extract(${tasks.schedule}, '$.end_at') IS NOT NULL`,
        sql`julianday(json_extract(${tasks.schedule}, '$.end_at')) <= julianday(${at})`,
        sql`NOT EXISTS (SELECT 1 FROM ${runs} WHERE ${runs.taskId} = ${tasks.id} AND (${runs.fetchStatus} = 'fetching' OR ${runs.processingStatus} = 'processing'))`,
      ),
    );
  return ended.meta.changes;
}

/** How the stuck-run sweep is described to people, e.g. "10 minutes". */
function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}` : `${seconds} seconds`;
}

/** Hands a run its jobs again: the fetch job, or each unfinished file's chunk from its checkpoint. */
async function resume(db: Database, env: Env, runId: string, fetching: boolean): Promise<void> {
  if (fetching) {
    await env.CHUNKS_QUEUE.send(fetchJob(runId), { contentType: "json" });
    return;
  }
  const files = await db
    .select()
    .from(runFiles)
    .where(and(eq(runFiles.runId, runId), eq(runFiles.done, false)))
    .all();
  if (files.length === 0) return;
  await env.CHUNKS_QUEUE.sendBatch(
    files.map((f) => ({ body: chunkJob(runId, f.fileIndex, f.nextOffset, f.nextLine, f.nextRow), contentType: "json" as const })),
  );
}

/**
 * Finds runs that stopped making progress (a lost queue job, an invocation that died between two
 * steps): fetches get their fetch job again and processing gets each unfinished file's chunk from
 * its checkpoint. Every step is idempotent, so a resume of a run that was merely slow is harmless.
 * A run still stuck after MAX_RESUMES fails with a reason.
 */
async function sweepStuck(db: Database, env: Env, now: Date) {
  const stuckSeconds = config(env).stuckAfterSeconds;
  const at = now.toISOString();
  const cutoff = new Date(now.getTime() - stuckSeconds * 1000).toISOString();
  const gaveUp = `made no progress for ${duration(stuckSeconds)}, even after ${MAX_RESUMES} resumes`;
  let resumed = 0;
  let failed = 0;
  const stuck = await db
    .select()
    .from(runs)
    .where(and(sql`(${runs.fetchStatus} = 'fetching' OR ${runs.processingStatus} = 'processing')`, lte(runs.progressAt, cutoff)))
    .limit(TASKS_PER_TICK)
    .all();
  for (const run of stuck) {
    const fetching = run.fetchStatus === "fetching";
    if (run.resumes >= MAX_RESUMES) {
      if (fetching) await failFetch(db, run, `The fetch ${gaveUp}`, now);
      else await failProcessing(db, run, `Processing ${gaveUp}`, now);
      failed++;
      continue;
    }
    // Claimed like a schedule slot, so two overlapping ticks resume a run once.
    const claim = await db
      .update(runs)
      .set({ resumes: run.resumes + 1, progressAt: at })
      .where(and(eq(runs.id, run.id), eq(runs.resumes, run.resumes), lte(runs.progressAt, cutoff)));
    if (claim.meta.changes === 0) continue;
    await resume(db, env, run.id, fetching);
    log("warn", "resumed a stuck run", { run_id: run.id, step: fetching ? "fetch" : "processing", resumes: run.resumes + 1 });
    resumed++;
  }
  return { resumed, failed };
}
