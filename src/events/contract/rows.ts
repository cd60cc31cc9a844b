import type { NormalizedEvent } from "./normalize";

/**
 * An event row: the event's own columns as a positional JSON array, in the order the insert reads
 * them (value->>0 … value->>10). Provenance (account, source, import, run) is bound once per
 * statement, not repeated per row.
 *
 * product_ids and attributes are nested in the row as JSON values: SQLite's ->> gives an array or
 * object back as its JSON text, the very text JSON.stringify makes of it, so the column stores the
 * same whether they arrive nested or as JSON strings (the insert takes both, so messages from an
 * older deploy still on the queue store alike). One stringify a row, and no quote in them escaped
 * twice on the way.
 * attributes nest at most MAX_ATTRIBUTE_DEPTH levels (rules.ts), far inside SQLite's 1,000.
 */
export function eventRow(e: NormalizedEvent, receivedAt: string): string {
  return JSON.stringify([e.event_uuid, e.event, e.customer_id, e.email, e.device_id, e.cookie, e.product_ids, e.timestamp, e.ts_ms, e.attributes, receivedAt]);
}
