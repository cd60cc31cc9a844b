import { config } from "../../../config";
import type { Database } from "../../../db/client";
import type { tasks } from "../../../db/schema";
import { log } from "../../../lib/log";
import { sourceTimeoutMs } from "../../../lib/timeout";
import { fetchJob } from "../../jobs";
import { beginProcessing, failFetch, type RunRow, type StagedFile } from "../../runs/runs";
import type { StoredS3Source } from "../../tasks/columns";
import { decryptSecrets } from "../../tasks/secrets";
import { type S3Client, S3Error, type S3Object, s3Client } from "./client";
import { globToRegExp } from "./glob";
import { checkpoint, stagedFiles, stageObjects } from "./stage";
import { markImported, objectsToStage } from "./tracking";

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
export async function fetchS3Run(db: Database, env: Env, run: RunRow, task: typeof tasks.$inferSelect, source: StoredS3Source, now: () => Date): Promise<void> {
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
    const listed = await listMatching(client, prefix, source.pattern ?? "**");
    const staged = await stagedFiles(db, run.id);
    const fresh = await objectsToStage(db, task.id, listed, staged);
    const batch = fresh.slice(0, OBJECTS_PER_JOB);
    const newFiles = await stageObjects(env, client, run, task.id, batch, staged.length);
    await checkpoint(db, run, newFiles, now);
    if (fresh.length > batch.length) {
      await env.CHUNKS_QUEUE.send(fetchJob(run.id), { contentType: "json" });
      return;
    }
    await finish(db, env, run, task.id, listed, [...staged, ...newFiles], now);
  } catch (err) {
    if (!(err instanceof S3Error)) throw err;
    log("info", "s3 fetch failed", { run_id: run.id, code: err.code, status: err.status });
    await failFetch(db, run, `${err.message} — reading s3://${source.bucket}/${prefix}`, now());
  }
}

/** The objects under `prefix` whose key's remainder matches the glob `pattern`; "folder" keys ending in / are no files. */
async function listMatching(client: S3Client, prefix: string, pattern: string): Promise<S3Object[]> {
  const re = globToRegExp(pattern);
  return (await client.list(prefix)).filter((o) => !o.key.endsWith("/") && re.test(o.key.slice(prefix.length)));
}

/** Everything new is staged: remember it by ETag and start processing, in one batch. */
async function finish(db: Database, env: Env, run: RunRow, taskId: string, listed: S3Object[], staged: StagedFile[], now: () => Date): Promise<void> {
  const files = staged.map((f) => ({ name: f.name, r2Key: f.r2Key, bytes: f.bytes, identity: f.identity }));
  const seen = markImported(db, taskId, run.id, listed, files, now().toISOString());
  await beginProcessing(db, env, run, files, seen, now(), true);
}
