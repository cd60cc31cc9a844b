import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { s3Objects } from "../../../db/schema";
import type { StagedFile } from "../../runs/runs";
import type { S3Object } from "./client";

/** The identity of an object's content: its rows' event_uuids derive from it. */
export const identity = (taskId: string, o: S3Object) => `s3:${taskId}:${o.key}@${o.etag}`;

/** The listed objects whose (key, ETag) this task has not imported yet. */
async function notYetImported(db: Database, taskId: string, listed: S3Object[]): Promise<S3Object[]> {
  if (listed.length === 0) return [];
  const seen = new Set<string>();
  for (let i = 0; i < listed.length; i += 500) {
    const keys = JSON.stringify(listed.slice(i, i + 500).map((o) => o.key));
    const rows = await db
      .select({ key: s3Objects.key, etag: s3Objects.etag })
      .from(s3Objects)
      .where(and(eq(s3Objects.taskId, taskId), sql`${s3Objects.key} IN (SELECT value FROM json_each(${keys}))`))
      .all();
    for (const r of rows) seen.add(`${r.key}\u0000${r.etag}`);
  }
  return listed.filter((o) => !seen.has(`${o.key}\u0000${o.etag}`));
}

/** The listed objects still to stage: not imported by the task at the same ETag, nor staged by this run. */
export async function objectsToStage(db: Database, taskId: string, listed: S3Object[], staged: { identity: string }[]): Promise<S3Object[]> {
  const stagedIds = new Set(staged.map((f) => f.identity));
  return (await notYetImported(db, taskId, listed)).filter((o) => !stagedIds.has(identity(taskId, o)));
}

/** Statements that remember the run's staged objects as imported at their ETag, so no later run stages them again. */
export function markImported(db: Database, taskId: string, runId: string, listed: S3Object[], files: StagedFile[], at: string) {
  const byIdentity = new Map(listed.map((o) => [identity(taskId, o), o]));
  return files
    .map((f) => byIdentity.get(f.identity))
    .filter((o): o is S3Object => o !== undefined)
    .map((o) => db.insert(s3Objects).values({ taskId, key: o.key, etag: o.etag, runId, importedAt: at }).onConflictDoNothing());
}
