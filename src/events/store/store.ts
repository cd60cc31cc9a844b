import { and, desc, eq, gte, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { accounts, events } from "../../db/schema";
import type { DecodedEvents } from "../ingest/queue-message";

// One statement inserts a whole JSON array of rows (rows.ts): one bound parameter however many rows,
// which keeps clear of D1's 100-parameter and 100 KB-of-SQL limits. jsonb_each and ->> run in
// SQLite's C code, so no per-row JavaScript runs here. The array is turned into JSONB once, so the
// eleven ->> of a row read a parsed value instead of re-parsing the row's text each time, the
// costliest part of the insert otherwise (docs/performance.md).
// The account's number is looked up once per statement (an uncorrelated subquery); an account that
// doesn't exist leaves it NULL, which fails the insert (NOT NULL) rather than storing orphans.
const INSERT_SQL = `INSERT INTO events (account_num, event_uuid, event, customer_id, email, device_id, cookie,
  product_ids, timestamp, ts_ms, attributes, received_at, source, import_id, run_id)
SELECT (SELECT num FROM accounts WHERE id = ?2), value->>0, value->>1, value->>2, value->>3, value->>4, value->>5,
  value->>6, value->>7, value->>8, value->>9, value->>10, ?3, ?4, ?5
FROM jsonb_each(jsonb(?1)) WHERE true
ON CONFLICT (account_num, event_uuid) DO NOTHING`;

/** D1 caps a bound string at 2 MB; merged statements stay well under it. */
const STATEMENT_BYTES = 900_000;

/**
 * Stores batches of event rows idempotently: an (account, event_uuid) already stored is skipped, so
 * re-delivered messages and re-sent events never duplicate. Messages with the same provenance share
 * one statement (a burst of single-event calls becomes one insert); all statements run in one D1
 * batch, which is one transaction: a queue batch is stored whole or not at all.
 */
export async function insertEventRows(db: Database, items: DecodedEvents[]): Promise<void> {
  const statements = eventInsertStatements(db.$client, items);
  // Raw D1 here: drizzle's batch takes only builder queries, and this statement is hand-written SQL.
  if (statements.length > 0) await db.$client.batch(statements);
}

/** The insert statements for `items`, for callers that add them to a larger atomic batch. */
export function eventInsertStatements(d1: D1Database, items: DecodedEvents[]): D1PreparedStatement[] {
  const groups = new Map<string, { header: DecodedEvents["header"]; parts: string[]; bytes: number }[]>();
  for (const { header, rows } of items) {
    const inner = rows.slice(1, -1);
    if (inner.length === 0) continue;
    const key = JSON.stringify([header.account_id, header.source, header.import_id, header.run_id]);
    const chunks = groups.get(key) ?? [];
    let last = chunks.at(-1);
    if (!last || last.bytes + inner.length > STATEMENT_BYTES) {
      last = { header, parts: [], bytes: 0 };
      chunks.push(last);
    }
    last.parts.push(inner);
    last.bytes += inner.length + 1;
    groups.set(key, chunks);
  }
  const insert = d1.prepare(INSERT_SQL);
  return [...groups.values()].flat().map(({ header: h, parts }) => insert.bind(`[${parts.join(",")}]`, h.account_id, h.source, h.import_id, h.run_id));
}

/** The account's number, which its events are stored under (schema.ts), as a one-row subquery. */
const accountNum = (accountId: string) => sql`(SELECT ${accounts.num} FROM ${accounts} WHERE ${accounts.id} = ${accountId})`;

export interface EventFilters {
  customerId?: string;
  email?: string;
  event?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Resume strictly after this (ts_ms, seq) in newest-first order. */
  after?: { tsMs: number; seq: number };
}

/**
 * An event in its §3.4 wire shape, written by SQLite: product_ids and attributes are already JSON
 * text in the row, so a page of 1,000 events costs no JSON.parse and no re-stringify in
 * JavaScript. import_id and run_id appear only on imported events. The one place that shape is
 * written (the StoredEvent schema in http/routes/events.ts documents it).
 */
const sharedFields = sql`'event_uuid', ${events.eventUuid}, 'event', ${events.event}, 'customer_id', ${events.customerId},
    'email', ${events.email}, 'device_id', ${events.deviceId}, 'cookie', ${events.cookie},
    'product_ids', json(${events.productIds}), 'timestamp', ${events.timestamp}, 'attributes', json(${events.attributes}),
    'source', ${events.source}`;
const apiEventJson = sql<string>`CASE WHEN ${events.source} = 'import'
  THEN json_object(${sharedFields}, 'import_id', ${events.importId}, 'run_id', ${events.runId}, 'received_at', ${events.receivedAt})
  ELSE json_object(${sharedFields}, 'received_at', ${events.receivedAt}) END`;

/**
 * A page of events, newest `timestamp` first, equal timestamps latest stored first (seq), so the
 * cursor is stable: each event as JSON text (the wire shape), with its sort key for the next
 * cursor. Reads one extra row to know if more exist.
 */
export async function listEventsJson(db: Database, accountId: string, f: EventFilters, limit: number) {
  const rows = await eventsPageQuery(db, accountId, f, limit + 1).all();
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** The query behind a page of `rows` events (a test reads its plan: an index range, never a sort). */
export function eventsPageQuery(db: Database, accountId: string, f: EventFilters, rows: number) {
  const where: (SQL | undefined)[] = [eq(events.accountNum, accountNum(accountId))];
  if (f.customerId !== undefined) where.push(eq(events.customerId, f.customerId));
  if (f.email !== undefined) where.push(eq(events.email, f.email));
  if (f.event !== undefined) where.push(eq(events.event, f.event));
  if (f.sinceMs !== undefined) where.push(gte(events.tsMs, f.sinceMs));
  if (f.untilMs !== undefined) where.push(lte(events.tsMs, f.untilMs));
  if (f.after) {
    where.push(or(lt(events.tsMs, f.after.tsMs), and(eq(events.tsMs, f.after.tsMs), lt(events.seq, f.after.seq))));
  }
  return db
    .select({ tsMs: events.tsMs, seq: events.seq, json: apiEventJson })
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.tsMs), desc(events.seq))
    .limit(rows);
}

/** The most recently stored event of each event name (seq order is storage order), as JSON text. */
export async function latestPerEventName(db: Database, accountId: string): Promise<string[]> {
  const rows = await db
    .select({ json: apiEventJson })
    .from(events)
    .where(sql`${events.seq} IN (SELECT max(${events.seq}) FROM ${events} WHERE ${events.accountNum} = ${accountNum(accountId)} GROUP BY ${events.event})`)
    .orderBy(events.event)
    .all();
  return rows.map((r) => r.json);
}

/** The account's distinct event names (the index on (account_num, event, …) makes this a short scan). */
export async function eventNames(db: Database, accountId: string, limit = 1000): Promise<string[]> {
  const rows = await db
    .selectDistinct({ event: events.event })
    .from(events)
    .where(eq(events.accountNum, accountNum(accountId)))
    .orderBy(events.event)
    .limit(limit)
    .all();
  return rows.map((r) => r.event);
}
