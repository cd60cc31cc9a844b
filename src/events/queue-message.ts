import { z } from "zod";
import { byteLength } from "../bytes";
import type { NormalizedEvent } from "./normalize";

/**
 * The body of a message on the events queue. Parsed with zod in the consumer because the producer
 * may be an older deploy than the consumer.
 */
export const StoredEventShape = z.object({
  event_uuid: z.string().min(1),
  event: z.string().min(1),
  customer_id: z.string().nullable(),
  email: z.string().nullable(),
  device_id: z.string().nullable(),
  cookie: z.string().nullable(),
  product_ids: z.array(z.string()),
  timestamp: z.string(),
  ts_ms: z.number().int(),
  attributes: z.record(z.string(), z.unknown()),
});

export const EventsMessage = z.object({
  kind: z.literal("events"),
  account_id: z.string().min(1),
  received_at: z.string(),
  source: z.enum(["api", "import"]),
  import_id: z.string().nullish(),
  run_id: z.string().nullish(),
  events: z.array(StoredEventShape).min(1),
});
export type EventsMessage = z.infer<typeof EventsMessage>;

/** Queues allow 128 KB a message and 256 KB / 100 messages a sendBatch; stay well inside both. */
const MESSAGE_BYTES = 100_000;
const BATCH_BYTES = 200_000;
const BATCH_MESSAGES = 100;

/** Sends events as few messages and few sendBatch calls as the queue limits allow. */
export async function enqueueEvents(
  queue: Queue,
  envelope: Omit<EventsMessage, "events" | "kind">,
  events: NormalizedEvent[],
): Promise<void> {
  const messages = packMessages(envelope, events);
  let batch: MessageSendRequest[] = [];
  let batchBytes = 0;
  const sends: Promise<unknown>[] = [];
  for (const m of messages) {
    if (batch.length === BATCH_MESSAGES || batchBytes + m.bytes > BATCH_BYTES) {
      sends.push(queue.sendBatch(batch));
      batch = [];
      batchBytes = 0;
    }
    batch.push({ body: m.body, contentType: "json" });
    batchBytes += m.bytes;
  }
  if (batch.length === 1) sends.push(queue.send(batch[0]!.body, { contentType: "json" }));
  else if (batch.length > 1) sends.push(queue.sendBatch(batch));
  await Promise.all(sends);
}

function packMessages(envelope: Omit<EventsMessage, "events" | "kind">, events: NormalizedEvent[]) {
  const overhead = byteLength(JSON.stringify({ kind: "events", ...envelope, events: [] }));
  const out: { body: EventsMessage; bytes: number }[] = [];
  let current: NormalizedEvent[] = [];
  let bytes = overhead;
  for (const e of events) {
    const size = byteLength(JSON.stringify(e)) + 1;
    if (current.length > 0 && bytes + size > MESSAGE_BYTES) {
      out.push({ body: { kind: "events", ...envelope, events: current }, bytes });
      current = [];
      bytes = overhead;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push({ body: { kind: "events", ...envelope, events: current }, bytes });
  return out;
}
