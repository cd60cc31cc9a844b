import type { Database } from "../db/client";
import { log } from "../lib/log";
import { backoffSeconds } from "../lib/retry";
import { processChunk } from "./chunk/process-chunk";
import { ImportJob } from "./jobs";
import { fetchRun } from "./sources/fetch-run";

/**
 * The chunks queue's consumer: each message is an import job, either a fetch (bring a run's source
 * data into R2) or a chunk (read the next rows of a staged file). A job that fails is retried with
 * backoff and never acked; a malformed one is retried at once so it reaches the dead-letter queue.
 */
export async function consumeImportJobs(db: Database, env: Env, batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    const job = ImportJob.safeParse(message.body);
    if (!job.success) {
      log("error", "import job malformed", { message_id: message.id });
      message.retry({ delaySeconds: 0 });
      continue;
    }
    try {
      if (job.data.kind === "fetch") await fetchRun(db, env, job.data.run_id, () => new Date());
      else await processChunk(db, env, job.data, new Date());
      message.ack();
    } catch (err) {
      log("error", "import job failed; will retry", { run_id: job.data.run_id, attempts: message.attempts, error: String(err), stack: (err as Error)?.stack });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
