import { database } from "./db/client";
import { consumeEvents } from "./events/consumer";
import { consumeImportJobs } from "./imports/consumer";
import { parkDeadLetters } from "./ops/dead-letters";

/** Queue names as wrangler.toml declares them: the one place they are written. */
export const QUEUES = { events: "eei-events", chunks: "eei-chunks" } as const;
export type WorkQueue = (typeof QUEUES)[keyof typeof QUEUES];

/** Each dead-letter queue, and the queue its messages came from (and are replayed to). */
export const DEAD_LETTER_QUEUES = { "eei-events-dlq": QUEUES.events, "eei-chunks-dlq": QUEUES.chunks } as const;
export type DeadLetterQueue = keyof typeof DEAD_LETTER_QUEUES;
export const isDeadLetterQueue = (name: string): name is DeadLetterQueue => name in DEAD_LETTER_QUEUES;

/** The producer binding of a work queue, for replaying a parked message to where it failed. */
export function producerFor(env: Env, queue: WorkQueue): Queue {
  return queue === QUEUES.events ? env.EVENTS_QUEUE : env.CHUNKS_QUEUE;
}

/** The queue handler: routes a batch to its queue's consumer. A queue this Worker doesn't know throws. */
export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  if (isDeadLetterQueue(batch.queue)) return parkDeadLetters(db, batch, DEAD_LETTER_QUEUES[batch.queue], new Date());
  if (batch.queue === QUEUES.events) return consumeEvents(db, env, batch);
  if (batch.queue === QUEUES.chunks) return consumeImportJobs(db, env, batch);
  throw new Error(`No consumer for queue ${batch.queue}: wrangler.toml and src/queues.ts disagree`);
}
