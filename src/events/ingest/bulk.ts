import type { FieldError } from "../../lib/problem";
import { type NormalizedEvent, validateEvent } from "../contract/normalize";
import { apiEventsHeader, encodeEventsMessages, sendEventsMessages } from "./queue-message";

export interface IngestResult {
  accepted: NormalizedEvent[];
  errors: FieldError[];
  rejected: number;
}

/**
 * Validates each item on its own and queues the valid ones: one bad item never costs the good ones
 * (API.md §3.2). Resolves once every accepted event is on the queue.
 */
export async function ingestEvents(queue: Queue, accountId: string, items: unknown[], receivedAt: Date): Promise<IngestResult> {
  const nowMs = receivedAt.getTime();
  const accepted: NormalizedEvent[] = [];
  const errors: FieldError[] = [];
  let rejected = 0;
  items.forEach((item, index) => {
    const result = validateEvent(item, nowMs);
    if (result.ok) accepted.push(result.event);
    else {
      rejected++;
      for (const e of result.errors) errors.push({ index, field: e.field, message: e.message });
    }
  });
  if (accepted.length > 0) await sendEventsMessages(queue, encodeEventsMessages(apiEventsHeader(accountId), accepted, receivedAt.toISOString()));
  return { accepted, errors, rejected };
}
