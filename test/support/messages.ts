import { validateEvent } from "../../src/events/contract/normalize";
import { encodeEventsMessages } from "../../src/events/ingest/queue-message";

/** Queue message bodies exactly as the ingest endpoints build them, for delivering batches by hand. */
export function eventsMessages(accountId: string, items: Record<string, unknown>[]): string[] {
  const now = Date.now();
  const events = items.map((item) => {
    const v = validateEvent(item, now);
    if (!v.ok) throw new Error(`fixture event invalid: ${JSON.stringify(v.errors)}`);
    return v.event;
  });
  const header = { kind: "events" as const, v: 1 as const, account_id: accountId, source: "api" as const, import_id: null, run_id: null };
  return encodeEventsMessages(header, events, new Date(now).toISOString()).map((m) => m.body);
}

/** The one message a small fixture fits in. */
export function eventsMessage(accountId: string, items: Record<string, unknown>[]): string {
  const [only, ...rest] = eventsMessages(accountId, items);
  if (!only || rest.length > 0) throw new Error("fixture does not fit one message");
  return only;
}
