import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { runs, s3Objects, tasks } from "../db/schema";
import { type StagedFile, beginProcessing, failFetch } from "../imports/runs";
import { decryptSecrets } from "../imports/secrets";
import { log } from "../log";
import { globToRegExp } from "./glob";
import { r2Writer } from "./r2-writer";
import { S3Error, type S3Object, s3Client } from "./s3-client";

const PageSize = z.coerce.number().int().min(1).max(1000).catch(1000);

/**
 * The fetch of an S3 run (API.md §4.5): list `prefix` over every page, keep keys whose remainder
 * matches `pattern`, skip objects already imported at the same ETag, and stream the rest into R2.
 * S3's refusals (bad keys, missing bucket, signature mismatch) end the fetch failed with S3's own
 * code and message; the task stays launched, so the next run tries again.
 */
export async function fetchS3Run(db: Database, env: Env, runId: string, now: () => Date): Promise<void> {
  const run = await db.select().from(runs).where(eq(runs.id, runId)).get();
  if (!run || run.fetchStatus !== "fetching") return; // done already: a redelivered job
  const task = await db.select().from(tasks).where(eq(tasks.id, run.taskId)).get();
  if (!task) return void (await failFetch(db, run, "The import task was deleted", now()));
  const source = JSON.parse(task.source) as { bucket: string; region: string; endpoint?: string; prefix?: string; pattern?: string };
  const secrets = task.secrets ? await decryptSecrets(env, task.secrets) : {};
  const client = s3Client(
    { ...source, access_key_id: String((source as Record<string, unknown>).access_key_id), secret_access_key: secrets.secret_access_key ?? "" },
    PageSize.parse(env.S3_LIST_PAGE_SIZE),
  );
  const prefix = source.prefix ?? "";
  const where = `s3://${source.bucket}/${prefix}`;
  try {
    const pattern = globToRegExp(source.pattern ?? "**");
    const listed = (await client.list(prefix)).filter((o) => !o.key.endsWith("/") && pattern.test(o.key.slice(prefix.length)));
    const fresh = await notYetImported(db, task.id, listed);
    const files: StagedFile[] = [];
    for (const [i, obj] of fresh.entries()) {
      const r2Key = `runs/${run.accountId}/${run.id}/${i}`;
      const writer = r2Writer(env.FILES, r2Key);
      try {
        await client.download(obj, (bytes) => writer.write(bytes));
        files.push({ name: obj.key, r2Key, bytes: await writer.close(), identity: `s3:${task.id}:${obj.key}@${obj.etag}` });
      } catch (err) {
        await writer.abort();
        if (err instanceof S3Error) throw new S3Error(err.status, err.code, `${err.message.slice(err.code.length + 2)} (GetObject ${obj.key})`);
        throw err;
      }
      await db.update(runs).set({ progressAt: now().toISOString() }).where(eq(runs.id, run.id));
    }
    const at = now().toISOString();
    const seen = fresh.map((o) => db.insert(s3Objects).values({ taskId: task.id, key: o.key, etag: o.etag, runId: run.id, importedAt: at }).onConflictDoNothing());
    await beginProcessing(db, env, run, files, seen, now());
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    log("info", "s3 fetch failed", { run_id: run.id, code: err.code, status: err.status });
    await failFetch(db, run, `${err.message} — reading ${where}`, now());
  }
}

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
