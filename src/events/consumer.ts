import { faultFires, InjectedFault } from "eei-faults";
import type { Database } from "../db/client";
import { log } from "../lib/log";
import { backoffSeconds } from "../lib/retry";
import { type DecodedEvents, decodeEventsMessage } from "./ingest/queue-message";
import { insertEventRows } from "./store/store";

/**
 * Stores the events of a queue batch. The happy path is one D1 batch for every message; if that
 * fails, each message is tried alone so one poison message can't hold back the rest. A message is
 * acked only once its events are stored; a failing one is retried with backoff and, after the
 * queue's max_retries, lands on the dead-letter queue. Inserts are idempotent, so a retry or a
 * re-delivered batch never duplicates a row.
 */
export async function consumeEvents(db: Database, env: Env, batch: MessageBatch<unknown>): Promise<void> {
  const { messages } = batch;
  const ready: { message: Message<unknown>; events: DecodedEvents }[] = [];
  for (const message of messages) {
    const decoded = decodeEventsMessage(message.body);
    if (!decoded.ok) {
      // A malformed body will never succeed: retry without delay so it reaches the DLQ quickly.
      log("error", "events message malformed", { message_id: message.id, reason: decoded.reason });
      message.retry({ delaySeconds: 0 });
      continue;
    }
    ready.push({ message, events: decoded.value });
  }
  if (ready.length === 0) return;
  if (faultFires(env, "events_batch")) {
    // Soak only: store half the batch, then die before acking anything.
    await insertEventRows(
      db,
      ready.slice(0, Math.ceil(ready.length / 2)).map((r) => r.events),
    );
    throw new InjectedFault("events_batch");
  }
  try {
    await insertEventRows(
      db,
      ready.map((r) => r.events),
    );
    // One call for the usual case; message by message when some were sent back to be retried.
    if (ready.length === messages.length) batch.ackAll();
    else for (const r of ready) r.message.ack();
    return;
  } catch (err) {
    log("warn", "events batch insert failed; retrying messages one by one", { error: String(err) });
  }
  for (const r of ready) {
    try {
      await insertEventRows(db, [r.events]);
      r.message.ack();
    } catch (err) {
      log("error", "events message insert failed", { message_id: r.message.id, attempts: r.message.attempts, error: String(err) });
      r.message.retry({ delaySeconds: backoffSeconds(r.message.attempts) });
    }
  }
}
