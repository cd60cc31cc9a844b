import { database } from "../db/client";
import { log } from "../log";
import { fetchRun } from "../sources/fetch-run";
import { PipelineJob } from "./chunk-message";
import { processChunk } from "./chunk-consumer";
import { isDeadLetterQueue, parkDeadLetters } from "./dead-letters";
import { consumeEvents } from "./events-consumer";
import { backoffSeconds } from "./retry";

/** Queue names as wrangler.toml declares them. */
export const QUEUES = { events: "eei-events", chunks: "eei-chunks" } as const;

/** The queue handler: events to store, import jobs (fetch a run's data, process a chunk), or dead letters to park. */
export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  if (isDeadLetterQueue(batch.queue)) return parkDeadLetters(db, batch, new Date());
  if (batch.queue !== QUEUES.chunks) return consumeEvents(db, env, batch);
  for (const message of batch.messages) {
    const job = PipelineJob.safeParse(message.body);
    if (!job.success) {
      log("error", "pipeline message malformed", { message_id: message.id });
      message.retry({ delaySeconds: 0 });
      continue;
    }
    try {
      if (job.data.kind === "fetch") await fetchRun(db, env, job.data.run_id, () => new Date());
      else await processChunk(db, env, job.data, new Date());
      message.ack();
    } catch (err) {
      log("error", "chunk failed; will retry", { run_id: job.data.run_id, attempts: message.attempts, error: String(err), stack: (err as Error)?.stack });
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
