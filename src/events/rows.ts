import type { NormalizedEvent } from "./normalize";

/**
 * An event row: the event's own columns as a positional JSON array, in the order the insert reads
 * them (value->>0 … value->>10). Provenance (account, source, import, run) is bound once per
 * statement, not repeated per row.
 */
export function eventRow(e: NormalizedEvent, receivedAt: string): string {
  return JSON.stringify([
    e.event_uuid,
    e.event,
    e.customer_id,
    e.email,
    e.device_id,
    e.cookie,
    JSON.stringify(e.product_ids),
    e.timestamp,
    e.ts_ms,
    JSON.stringify(e.attributes),
    receivedAt,
  ]);
}
