import { z } from "zod";
import { byteLength } from "../../lib/bytes";
import type { NormalizedEvent } from "../contract/normalize";
import { eventRow } from "../contract/rows";

/**
 * A message on the events queue is text: one line of JSON header, a newline, then a JSON array of
 * event rows (see rows.ts). Each row is serialised once, by the producer; the consumer validates
 * the header with zod (the producer may be an older deploy) and hands the rows text to SQLite's
 * jsonb_each untouched, so storing costs no per-event JavaScript. A row SQLite can't store fails
 * the insert, and the message is retried and then dead-lettered, never half-stored.
 */
export const EventsHeader = z.object({
  kind: z.literal("events"),
  v: z.literal(1),
  account_id: z.string().min(1),
  source: z.enum(["api", "import"]),
  import_id: z.string().nullable(),
  run_id: z.string().nullable(),
});
export type EventsHeader = z.infer<typeof EventsHeader>;

export interface DecodedEvents {
  header: EventsHeader;
  /** JSON array text of event rows. */
  rows: string;
}

/** Queues allow 128 KB a message and 256 KB / 100 messages a sendBatch; stay well inside both. */
const MESSAGE_BYTES = 100_000;
const BATCH_BYTES = 200_000;
const BATCH_MESSAGES = 100;

/** The header of messages carrying events sent to the API by `accountId`. */
export function apiEventsHeader(accountId: string): EventsHeader {
  return { kind: "events", v: 1, account_id: accountId, source: "api", import_id: null, run_id: null };
}

/** Packs events into as few ≤100 KB messages as the queue limits allow. */
export function encodeEventsMessages(header: EventsHeader, events: NormalizedEvent[], receivedAt: string): EventsMessage[] {
  return packEventRows(
    header,
    events.map((e) => eventRow(e, receivedAt)),
  );
}

export interface EventsMessage {
  body: string;
  bytes: number;
}

/** Packs already serialised event rows (rows.ts) of one provenance into as few ≤100 KB messages as fit. */
export function packEventRows(header: EventsHeader, rows: readonly string[]): EventsMessage[] {
  const head = `${JSON.stringify(header)}\n`;
  const headBytes = byteLength(head) + 2;
  const out: EventsMessage[] = [];
  let part: string[] = [];
  let bytes = headBytes;
  for (const row of rows) {
    const size = byteLength(row) + 1;
    if (part.length > 0 && bytes + size > MESSAGE_BYTES) {
      out.push({ body: `${head}[${part.join(",")}]`, bytes });
      part = [];
      bytes = headBytes;
    }
    part.push(row);
    bytes += size;
  }
  if (part.length > 0) out.push({ body: `${head}[${part.join(",")}]`, bytes });
  return out;
}

/** Sends messages with one send, or with as few sendBatch calls (run together) as the limits allow. */
export async function sendEventsMessages(queue: Queue, messages: readonly EventsMessage[]): Promise<void> {
  if (messages.length === 1) {
    await queue.send(messages[0]!.body, { contentType: "text" });
    return;
  }
  const sends: Promise<unknown>[] = [];
  let batch: MessageSendRequest[] = [];
  let batchBytes = 0;
  for (const m of messages) {
    if (batch.length === BATCH_MESSAGES || batchBytes + m.bytes > BATCH_BYTES) {
      sends.push(queue.sendBatch(batch));
      batch = [];
      batchBytes = 0;
    }
    batch.push({ body: m.body, contentType: "text" });
    batchBytes += m.bytes;
  }
  if (batch.length > 0) sends.push(queue.sendBatch(batch));
  await Promise.all(sends);
}

export type DecodeResult = { ok: true; value: DecodedEvents } | { ok: false; reason: string };

export function decodeEventsMessage(body: unknown): DecodeResult {
  if (typeof body !== "string") return { ok: false, reason: "body is not text" };
  const nl = body.indexOf("\n");
  if (nl < 0) return { ok: false, reason: "no header line" };
  let headerJson: unknown;
  try {
    headerJson = JSON.parse(body.slice(0, nl));
  } catch {
    return { ok: false, reason: "header is not JSON" };
  }
  const header = EventsHeader.safeParse(headerJson);
  if (!header.success) return { ok: false, reason: header.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const rows = body.slice(nl + 1);
  if (!rows.startsWith("[") || !rows.endsWith("]")) return { ok: false, reason: "rows are not a JSON array" };
  return { ok: true, value: { header: header.data, rows } };
}
