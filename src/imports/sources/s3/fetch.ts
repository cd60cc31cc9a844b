import { and, eq, sql } from "drizzle-orm";
import { config } from "../../../config";
import type { Database } from "../../../db/client";
import { runFiles, runs, s3Objects, type tasks } from "../../../db/schema";
import { log } from "../../../lib/log";
import { sourceTimeoutMs } from "../../../lib/timeout";
import { fetchJob } from "../../jobs";
import { beginProcessing, failFetch, type RunRow } from "../../runs/runs";
import { decryptSecrets } from "../../tasks/secrets";
import { r2Writer } from "../r2-writer";
import { S3Error, type S3Object, s3Client } from "./client";
import { globToRegExp } from "./glob";

/**
 * Objects staged per fetch job. A Worker invocation has a subrequest budget (50 on the Free plan,
 * and wrangler dev applies it): each object costs a GET and an R2 write, so a large listing is
 * copied over several jobs, each picking up where the last one stopped.
 */
const OBJECTS_PER_JOB = 10;

/**
 * The fetch of an S3 run (API.md §4.5): list `prefix` over every page, keep keys whose remainder
 * matches `pattern`, skip objects already imported at the same ETag (or already staged by this
 * run), and stream the rest into R2. S3's refusals (bad keys, missing bucket, signature mismatch)
 * end the fetch failed with S3's own code and message; the task stays launched, so the next run
 * tries again.
 */
export async function fetchS3Run(db: Database, env: Env, run: RunRow, task: typeof tasks.$inferSelect, now: () => Date): Promise<void> {
  const source = JSON.parse(task.source) as { bucket: string; region: string; endpoint?: string; prefix?: string; pattern?: string; access_key_id: string };
  const secrets = task.secrets ? await decryptSecrets(env, task.secrets) : {};
  const client = s3Client(
    { ...source, secret_access_key: secrets.secret_access_key ?? "" },
    {
      pageSize: config(env).s3ListPageSize,
      timeoutMs: sourceTimeoutMs(env),
    },
  );
  const prefix = source.prefix ?? "";
  try {
    const pattern = globToRegExp(source.pattern ?? "**");
    const listed = (await client.list(prefix)).filter((o) => !o.key.endsWith("/") && pattern.test(o.key.slice(prefix.length)));
    const staged = await db.select().from(runFiles).where(eq(runFiles.runId, run.id)).orderBy(runFiles.fileIndex).all();
    const stagedIds = new Set(staged.map((f) => f.identity));
    const fresh = (await notYetImported(db, task.id, listed)).filter((o) => !stagedIds.has(identity(task.id, o)));

    const batch = fresh.slice(0, OBJECTS_PER_JOB);
    const newFiles: (typeof runFiles.$inferInsert)[] = [];
    for (const obj of batch) {
      const fileIndex = staged.length + newFiles.length;
      const r2Key = `runs/${run.accountId}/${run.id}/${fileIndex}`;
      const writer = r2Writer(env.FILES, r2Key);
      try {
        await client.download(obj, (bytes) => writer.write(bytes));
        newFiles.push({ runId: run.id, fileIndex, name: obj.key, r2Key, bytes: await writer.close(), identity: identity(task.id, obj) });
      } catch (err) {
        await writer.abort();
        if (err instanceof S3Error) throw new S3Error(err.status, err.code, `${err.message.slice(err.code.length + 2)} (GetObject ${obj.key})`);
        throw err;
      }
    }
    if (newFiles.length > 0) {
      // One insert a file: a multi-row insert would pass D1's 100 bound parameters.
      await db.batch([
        db.update(runs).set({ progressAt: now().toISOString(), resumes: 0 }).where(eq(runs.id, run.id)),
        ...newFiles.map((f) => db.insert(runFiles).values(f)),
      ]);
    }
    if (fresh.length > batch.length) {
      await env.CHUNKS_QUEUE.send(fetchJob(run.id), { contentType: "json" });
      return;
    }
    // Everything new is staged: remember it by ETag and start processing, in one batch.
    const files = [...staged, ...newFiles].map((f) => ({ name: f.name, r2Key: f.r2Key, bytes: f.bytes, identity: f.identity }));
    const at = now().toISOString();
    const byIdentity = new Map(listed.map((o) => [identity(task.id, o), o]));
    const seen = files
      .map((f) => byIdentity.get(f.identity))
      .filter((o): o is S3Object => o !== undefined)
      .map((o) => db.insert(s3Objects).values({ taskId: task.id, key: o.key, etag: o.etag, runId: run.id, importedAt: at }).onConflictDoNothing());
    await beginProcessing(db, env, run, files, seen, now(), true);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    log("info", "s3 fetch failed", { run_id: run.id, code: err.code, status: err.status });
    await failFetch(db, run, `${err.message} — reading s3://${source.bucket}/${prefix}`, now());
  }
}

/** The identity of an object's content: its rows' event_uuids derive from it. */
const identity = (taskId: string, o: S3Object) => `s3:${taskId}:${o.key}@${o.etag}`;

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
