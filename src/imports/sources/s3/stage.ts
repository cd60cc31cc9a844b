import { eq } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { runFiles, runs } from "../../../db/schema";
import type { RunRow } from "../../runs/runs";
import { r2Writer } from "../r2-writer";
import { type S3Client, S3Error, type S3Object } from "./client";
import { onObject } from "./errors";
import { identity } from "./tracking";

type NewFile = typeof runFiles.$inferInsert;

/** The files this run has staged so far (by earlier fetch jobs), in order. */
export const stagedFiles = (db: Database, runId: string) => db.select().from(runFiles).where(eq(runFiles.runId, runId)).orderBy(runFiles.fileIndex).all();

/** Streams one object into R2 as the run's file `fileIndex`; a failed copy leaves no partial object behind. */
async function stageObject(env: Env, client: S3Client, run: RunRow, taskId: string, obj: S3Object, fileIndex: number): Promise<NewFile> {
  const r2Key = `runs/${run.accountId}/${run.id}/${fileIndex}`;
  const writer = r2Writer(env.FILES, r2Key);
  try {
    await client.download(obj, (bytes) => writer.write(bytes));
    return { runId: run.id, fileIndex, name: obj.key, r2Key, bytes: await writer.close(), identity: identity(taskId, obj) };
  } catch (err) {
    await writer.abort();
    if (err instanceof S3Error) throw onObject(err, obj.key);
    throw err;
  }
}

/** Stages `batch` one object after another, numbered on from the `already` files staged before. */
export async function stageObjects(env: Env, client: S3Client, run: RunRow, taskId: string, batch: S3Object[], already: number): Promise<NewFile[]> {
  const newFiles: NewFile[] = [];
  for (const obj of batch) newFiles.push(await stageObject(env, client, run, taskId, obj, already + newFiles.length));
  return newFiles;
}

/** Records the newly staged files with the run's progress, so the next fetch job picks up after them. */
export async function checkpoint(db: Database, run: RunRow, newFiles: NewFile[], now: () => Date): Promise<void> {
  if (newFiles.length === 0) return;
  // One insert a file: a multi-row insert would pass D1's 100 bound parameters.
  await db.batch([
    db.update(runs).set({ progressAt: now().toISOString(), resumes: 0 }).where(eq(runs.id, run.id)),
    ...newFiles.map((f) => db.insert(runFiles).values(f)),
  ]);
}
