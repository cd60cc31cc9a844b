import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runChunks, runErrors, runFiles, runs, tasks } from "../../db/schema";
import { fieldErrors } from "../../events/contract/normalize";
import { parseIsoDateTime } from "../../events/contract/rules";
import { Problem } from "../../lib/problem";
import { keepSecrets, maskedSource, splitSecrets, taskFormat, taskMapping, taskSchedule, taskSource } from "./columns";
import { scheduleAllowed, UPLOAD_ONCE } from "./rules";
import { nextRunAt } from "./schedule";
import { decryptSecrets, encryptSecrets } from "./secrets";
import { type NewTask, Source, type TaskPatch } from "./task-schema";

export type TaskRow = typeof tasks.$inferSelect;

/** Splits a source into its public settings and its secrets (sealed with SECRETS_KEY). */
async function sealSource(env: Env, source: Source): Promise<{ source: string; secrets: string | null }> {
  const { stored, secrets } = splitSecrets(source);
  return { source: JSON.stringify(stored), secrets: Object.keys(secrets).length ? await encryptSecrets(env, secrets) : null };
}

export async function createTask(db: Database, env: Env, accountId: string, input: NewTask, now: Date): Promise<TaskRow> {
  const at = now.toISOString();
  const sealed = await sealSource(env, input.source);
  const row: TaskRow = {
    id: crypto.randomUUID(),
    accountId,
    name: input.name,
    status: "draft",
    ...sealed,
    schedule: JSON.stringify(input.schedule),
    format: JSON.stringify(input.format),
    mapping: JSON.stringify(input.mapping),
    defaultEvent: input.default_event ?? null,
    createdAt: at,
    updatedAt: at,
    anchorAt: null,
    lastSlotAt: null,
    nextRunAt: null,
    onceDone: false,
    fileKey: null,
    fileName: null,
    fileBytes: null,
    fileEtag: null,
    watermark: null,
  };
  await db.insert(tasks).values(row);
  return row;
}

/** The task, if it belongs to the account; another account's id is simply not found. */
export async function getTask(db: Database, accountId: string, id: string): Promise<TaskRow> {
  const row = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.id, id), eq(tasks.accountId, accountId)))
    .get();
  if (!row) throw new Problem(404, `No import task ${id}`);
  return row;
}

export async function listTasks(db: Database, accountId: string, event?: string): Promise<TaskRow[]> {
  const where = event === undefined ? eq(tasks.accountId, accountId) : and(eq(tasks.accountId, accountId), eq(tasks.defaultEvent, event));
  return db.select().from(tasks).where(where).orderBy(desc(tasks.createdAt), desc(tasks.id)).all();
}

/**
 * An edit's updated_at: `now`, but always after the one it replaces, so two edits within one
 * millisecond still leave different stamps and the second, read before the first, matches nothing.
 */
function laterThan(previous: string, now: Date): string {
  return new Date(Math.max(now.getTime(), Date.parse(previous) + 1)).toISOString();
}

/** PATCH edits a draft or paused task only (409 otherwise). */
export async function patchTask(db: Database, env: Env, row: TaskRow, patch: TaskPatch, now: Date): Promise<TaskRow> {
  if (row.status !== "draft" && row.status !== "paused") {
    throw new Problem(409, `A ${row.status} task cannot be edited; pause it first`);
  }
  const next = applyPatch(row, patch, now);
  if (patch.source !== undefined) Object.assign(next, await sealSource(env, await patchedSource(env, row, patch.source)));
  if (!scheduleAllowed(taskSource(next).type, taskSchedule(next))) throw new Problem(422, "The task is not valid", [UPLOAD_ONCE]);
  // `next` is built from the row as read, so it is written only over that same row: a launch, pause,
  // file upload, edit or delete in between changes status or updated_at, and the edit matches nothing.
  const [saved] = await db
    .update(tasks)
    .set(next)
    .where(and(eq(tasks.id, row.id), eq(tasks.status, row.status), eq(tasks.updatedAt, row.updatedAt)))
    .returning();
  if (!saved) throw new Problem(409, "The task changed meanwhile; read it and try again");
  return saved;
}

/** The row with the patch's plain fields applied (the source is sealed separately). */
function applyPatch(row: TaskRow, patch: TaskPatch, now: Date): TaskRow {
  const next: TaskRow = { ...row, updatedAt: laterThan(row.updatedAt, now) };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.schedule !== undefined) {
    // A new schedule starts a new rhythm: slots are counted from its start_at (or the next launch).
    next.schedule = JSON.stringify(patch.schedule);
    next.anchorAt = null;
    next.lastSlotAt = null;
  }
  if (patch.format !== undefined) next.format = JSON.stringify(patch.format);
  if (patch.mapping !== undefined) next.mapping = JSON.stringify(patch.mapping);
  if (patch.default_event !== undefined) next.defaultEvent = patch.default_event ?? null;
  if (row.status === "paused") next.nextRunAt = null;
  return next;
}

/** The edited source, checked, with the stored secrets kept where it leaves them out or masks them. */
async function patchedSource(env: Env, row: TaskRow, edited: Record<string, unknown>): Promise<Source> {
  const oldType = taskSource(row).type;
  const merged = edited.type === oldType && row.secrets ? keepSecrets(edited, oldType, await decryptSecrets(env, row.secrets)) : edited;
  const parsed = Source.safeParse(merged);
  if (!parsed.success) {
    throw new Problem(
      422,
      "The source is not valid",
      fieldErrors(parsed.error).map((e) => ({ ...e, field: `source.${e.field}` })),
    );
  }
  return parsed.data;
}

export async function deleteTask(db: Database, row: TaskRow): Promise<void> {
  const runIds = db.select({ id: runs.id }).from(runs).where(eq(runs.taskId, row.id));
  await db.batch([
    db.delete(tasks).where(eq(tasks.id, row.id)),
    db.delete(runErrors).where(inArray(runErrors.runId, runIds)),
    db.delete(runChunks).where(inArray(runChunks.runId, runIds)),
    db.delete(runFiles).where(inArray(runFiles.runId, runIds)),
    db.delete(runs).where(eq(runs.taskId, row.id)),
  ]);
}

export interface LastRun {
  fetch: { status: "fetching" | "fetched" | "failed"; started_at: string; ended_at: string | null; error: string | null };
  run: { id: string; processing_status: string | null; rows: { total: number; processed: number; errored: number } };
}

/** The latest run of each task: its fetch (`last_fetch`) and its progress (`last_run`). */
export async function lastRuns(db: Database, taskIds: string[]) {
  const out = new Map<string, LastRun>();
  if (taskIds.length === 0) return out;
  const rows = await db
    .select()
    .from(runs)
    .where(
      sql`${runs.id} IN (SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY task_id ORDER BY created_at DESC, id DESC) AS n FROM runs WHERE task_id IN (SELECT value FROM json_each(${JSON.stringify(taskIds)}))) WHERE n = 1)`,
    )
    .all();
  for (const r of rows) {
    out.set(r.taskId, {
      fetch: { status: r.fetchStatus, started_at: r.fetchStartedAt, ended_at: r.fetchEndedAt, error: r.fetchError },
      run: { id: r.id, processing_status: r.processingStatus, rows: { total: r.rowsTotal, processed: r.rowsProcessed, errored: r.rowsErrored } },
    });
  }
  return out;
}

export function toApiTask(row: TaskRow, last: LastRun | null) {
  const schedule = taskSchedule(row);
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    source: maskedSource(taskSource(row)),
    schedule: { frequency: schedule.frequency, start_at: schedule.start_at ?? null, end_at: schedule.end_at ?? null },
    format: taskFormat(row),
    mapping: taskMapping(row),
    default_event: row.defaultEvent,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    next_run_at: row.status === "launched" ? row.nextRunAt : null,
    last_fetch: last?.fetch ?? null,
    // Beyond the contract: the latest run's progress, so a list can show counts without a call per task.
    last_run: last?.run ?? null,
    file: row.fileName !== null && row.fileBytes !== null ? { name: row.fileName, bytes: row.fileBytes } : null,
  };
}

/** draft | paused → launched. Upload tasks need their file first. Keeps the rhythm of earlier runs. */
export async function launchTask(db: Database, row: TaskRow, now: Date): Promise<TaskRow> {
  if (row.status !== "draft" && row.status !== "paused") throw new Problem(409, `A ${row.status} task cannot be launched`);
  if (taskSource(row).type === "upload" && !row.fileKey) {
    throw new Problem(409, "Upload the file (PUT /api/v1/imports/{id}/file) before launching");
  }
  const schedule = taskSchedule(row);
  const anchorAt = row.anchorAt ?? (schedule.start_at ? new Date(parseIsoDateTime(schedule.start_at)!).toISOString() : now.toISOString());
  const next: TaskRow = { ...row, status: "launched", anchorAt, updatedAt: now.toISOString() };
  next.nextRunAt = nextRunAt({ schedule, anchorAt: next.anchorAt, lastSlotAt: next.lastSlotAt, onceDone: next.onceDone });
  const res = await db
    .update(tasks)
    .set({ status: "launched", anchorAt: next.anchorAt, nextRunAt: next.nextRunAt, updatedAt: next.updatedAt })
    .where(and(eq(tasks.id, row.id), inArray(tasks.status, ["draft", "paused"])));
  if (res.meta.changes === 0) throw new Problem(409, "The task changed status meanwhile; read it and try again");
  return next;
}

/** launched → paused. */
export async function pauseTask(db: Database, row: TaskRow, now: Date): Promise<TaskRow> {
  if (row.status !== "launched") throw new Problem(409, `A ${row.status} task cannot be paused`);
  const updatedAt = now.toISOString();
  const res = await db
    .update(tasks)
    .set({ status: "paused", nextRunAt: null, updatedAt })
    .where(and(eq(tasks.id, row.id), eq(tasks.status, "launched")));
  if (res.meta.changes === 0) throw new Problem(409, "The task changed status meanwhile; read it and try again");
  return { ...row, status: "paused", nextRunAt: null, updatedAt };
}
