import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { byteLength } from "../bytes";
import type { Database } from "../db/client";
import { events } from "../db/schema";
import type { NormalizedEvent } from "./normalize";

/** Where stored events came from; imported rows also name their task and run. */
export interface Provenance {
  account_id: string;
  source: "api" | "import";
  import_id?: string | null;
  run_id?: string | null;
  received_at: string;
}

// One statement inserts a whole JSON array of rows: one bound parameter however many rows, which
// keeps clear of D1's 100-parameter and 100 KB-of-SQL limits. Each row is a JSON array in column order.
const INSERT_SQL = `INSERT INTO events (account_id, event_uuid, event, customer_id,
  email, device_id, cookie, product_ids, timestamp, ts_ms, attributes, source, import_id, run_id, received_at)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6,
  value->>7, value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14
FROM json_each(?1) WHERE true
ON CONFLICT (account_id, event_uuid) DO NOTHING`;

/** D1 caps a bound string at 2 MB; keep each statement's JSON well under it. */
const STATEMENT_BYTES = 900_000;

export interface EventBatch {
  provenance: Provenance;
  events: NormalizedEvent[];
}

/**
 * Stores events idempotently: a (account, event_uuid) already stored is skipped, so re-delivered
 * batches and re-sent events never duplicate. All statements run in one D1 batch (one transaction).
 */
export async function insertEvents(db: Database, batches: EventBatch[]): Promise<void> {
  const statements: string[] = [];
  let rows: string[] = [];
  let bytes = 2;
  for (const { provenance: p, events: list } of batches) {
    for (const e of list) {
      const row = JSON.stringify([
        p.account_id, e.event_uuid, e.event, e.customer_id, e.email, e.device_id, e.cookie,
        JSON.stringify(e.product_ids), e.timestamp, e.ts_ms, JSON.stringify(e.attributes),
        p.source, p.import_id ?? null, p.run_id ?? null, p.received_at,
      ]);
      const size = byteLength(row) + 1;
      if (rows.length > 0 && bytes + size > STATEMENT_BYTES) {
        statements.push(`[${rows.join(",")}]`);
        rows = [];
        bytes = 2;
      }
      rows.push(row);
      bytes += size;
    }
  }
  if (rows.length > 0) statements.push(`[${rows.join(",")}]`);
  if (statements.length === 0) return;
  // Raw D1 here: drizzle's batch takes only builder queries, and this statement is hand-written SQL.
  const d1 = db.$client;
  const insert = d1.prepare(INSERT_SQL);
  await d1.batch(statements.map((json) => insert.bind(json)));
}

export interface EventFilters {
  customerId?: string;
  email?: string;
  event?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Resume strictly after this (ts_ms, event_uuid) in newest-first order. */
  after?: { tsMs: number; eventUuid: string };
}

export type StoredEventRow = typeof events.$inferSelect;

/** Newest `timestamp` first, ties broken by uuid so the cursor is stable. Reads one extra row to know if more exist. */
export async function listEvents(db: Database, accountId: string, f: EventFilters, limit: number) {
  const where: (SQL | undefined)[] = [eq(events.accountId, accountId)];
  if (f.customerId !== undefined) where.push(eq(events.customerId, f.customerId));
  if (f.email !== undefined) where.push(eq(events.email, f.email));
  if (f.event !== undefined) where.push(eq(events.event, f.event));
  if (f.sinceMs !== undefined) where.push(gte(events.tsMs, f.sinceMs));
  if (f.untilMs !== undefined) where.push(lte(events.tsMs, f.untilMs));
  if (f.after) {
    where.push(or(lt(events.tsMs, f.after.tsMs), and(eq(events.tsMs, f.after.tsMs), lt(events.eventUuid, f.after.eventUuid))));
  }
  const rows = await db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.tsMs), desc(events.eventUuid))
    .limit(limit + 1)
    .all();
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** The most recently stored event of each event name (rowid order is storage order). */
export async function latestPerEventName(db: Database, accountId: string): Promise<StoredEventRow[]> {
  return db
    .select()
    .from(events)
    .where(sql`rowid IN (SELECT max(rowid) FROM ${events} WHERE ${events.accountId} = ${accountId} GROUP BY ${events.event})`)
    .orderBy(events.event)
    .all();
}

/** The §3.4 wire shape of a stored event. */
export function toApiEvent(r: StoredEventRow) {
  return {
    event_uuid: r.eventUuid,
    event: r.event,
    customer_id: r.customerId,
    email: r.email,
    device_id: r.deviceId,
    cookie: r.cookie,
    product_ids: JSON.parse(r.productIds) as string[],
    timestamp: r.timestamp,
    attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    source: r.source,
    ...(r.source === "import" ? { import_id: r.importId, run_id: r.runId } : {}),
    received_at: r.receivedAt,
  };
}
