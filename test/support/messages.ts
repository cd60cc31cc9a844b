import { validateEvent } from "../../src/events/normalize";
import type { EventsMessage } from "../../src/events/queue-message";

/** A queue message body as the ingest endpoints build it, for delivering batches by hand. */
export function eventsMessage(accountId: string, items: Record<string, unknown>[]): EventsMessage {
  const now = Date.now();
  const events = items.map((item) => {
    const v = validateEvent(item, now);
    if (!v.ok) throw new Error(`fixture event invalid: ${JSON.stringify(v.errors)}`);
    return v.event;
  });
  return { kind: "events", account_id: accountId, source: "api", received_at: new Date(now).toISOString(), events };
}
