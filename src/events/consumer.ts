import { faultFires, InjectedFault } from "eei-faults";
import type { Database } from "../db/client";
import { log } from "../lib/log";
import { backoffSeconds } from "../lib/retry";
import { type DecodedEvents, decodeEventsMessage } from "./ingest/queue-message";
import { storeEvents } from "./store/write";

/**
 * Stores the events of a queue batch: every message's rows go to their shards at once, one RPC
 * per shard (storeEvents). A message is acked only once every shard holding part of it stored
 * that part; the others are tried again one by one, so one poison message can't hold back the
 * rest, and what still fails is retried with backoff and, after the queue's max_retries, lands on
 * the dead-letter queue. Inserts are idempotent, so a retry or a re-delivered batch never
 * duplicates a row.
 */
export async function consumeEvents(db: Database, env: Env, batch: MessageBatch<unknown>): Promise<void> {
  const ready = decodeAll(batch.messages);
  if (ready.length === 0) return;
  if (faultFires(env, "events_batch")) {
    // Soak only: store half the batch, then die before acking anything.
    await storeEvents(
      db,
      env,
      ready.slice(0, Math.ceil(ready.length / 2)).map((r) => r.events),
    );
    throw new InjectedFault("events_batch");
  }
  const stored = await storeEvents(
    db,
    env,
    ready.map((r) => r.events),
  );
  const failed = ready.filter((_, i) => !stored[i]);
  // One call for the usual case; message by message when some were sent back or failed.
  if (failed.length === 0 && ready.length === batch.messages.length) batch.ackAll();
  else for (const [i, r] of ready.entries()) if (stored[i]) r.message.ack();
  if (failed.length > 0) log("warn", "events batch partly stored; retrying messages one by one", { failed: failed.length });
  for (const r of failed) {
    const [ok] = await storeEvents(db, env, [r.events]);
    if (ok) {
      r.message.ack();
      continue;
    }
    log("error", "events message not stored", { message_id: r.message.id, attempts: r.message.attempts });
    r.message.retry({ delaySeconds: backoffSeconds(r.message.attempts) });
  }
}

/** The batch's well-formed messages; a malformed one will never succeed and is sent on to the DLQ at once. */
function decodeAll(messages: readonly Message<unknown>[]): { message: Message<unknown>; events: DecodedEvents }[] {
  const ready: { message: Message<unknown>; events: DecodedEvents }[] = [];
  for (const message of messages) {
    const decoded = decodeEventsMessage(message.body);
    if (decoded.ok) {
      ready.push({ message, events: decoded.value });
      continue;
    }
    log("error", "events message malformed", { message_id: message.id, reason: decoded.reason });
    message.retry({ delaySeconds: 0 });
  }
  return ready;
}
