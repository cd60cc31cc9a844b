import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Database } from "../db/client";
import { deadLetters } from "../db/schema";
import { log } from "../lib/log";
import type { WorkQueue } from "../queues";

export type DeadLetter = typeof deadLetters.$inferSelect;

/**
 * Parks a dead-letter batch in D1, unchanged, so nothing a queue gave up on is lost and an
 * operator can read and replay it. Parking is idempotent (the message id is the key), so a
 * redelivered batch parks each message once.
 */
export async function parkDeadLetters(db: Database, batch: MessageBatch<unknown>, from: WorkQueue, now: Date): Promise<void> {
  const at = now.toISOString();
  const rows = batch.messages.map((m) => {
    const text = typeof m.body === "string";
    return {
      id: m.id,
      queue: from,
      contentType: text ? ("text" as const) : ("json" as const),
      body: text ? (m.body as string) : JSON.stringify(m.body),
      parkedAt: at,
    };
  });
  if (rows.length === 0) return;
  // One row a statement keeps every insert under D1's 100 bound parameters.
  const [first, ...rest] = rows.map((r) => db.insert(deadLetters).values(r).onConflictDoNothing());
  await db.batch([first!, ...rest]);
  for (const r of rows) log("error", "message dead-lettered", { queue: r.queue, message_id: r.id, summary: summarize(r.body) });
  batch.ackAll();
}

/** What a parked message is about, without its contents: the account or run it belongs to. */
export function summarize(body: string): Record<string, string> {
  const header = body.split("\n", 1)[0] ?? "";
  try {
    const parsed = JSON.parse(header) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const key of ["kind", "account_id", "source", "run_id", "import_id"]) if (typeof parsed[key] === "string") out[key] = parsed[key] as string;
    return out;
  } catch {
    return {};
  }
}

/** Where a page of the list ends: the last row's sort key, which is unique (the id breaks parked_at ties). */
export interface DeadLetterCursor {
  parkedAt: string;
  id: string;
}

/**
 * Newest first, `limit` at a time, after `before` (the last row of the previous page). A whole batch
 * shares one parked_at, so the page boundary is the (parked_at, id) pair, compared as a tuple in the
 * order the rows are sorted.
 */
export async function listDeadLetters(db: Database, limit: number, before?: DeadLetterCursor): Promise<DeadLetter[]> {
  return db
    .select()
    .from(deadLetters)
    .where(before ? or(lt(deadLetters.parkedAt, before.parkedAt), and(eq(deadLetters.parkedAt, before.parkedAt), lt(deadLetters.id, before.id))) : undefined)
    .orderBy(desc(deadLetters.parkedAt), desc(deadLetters.id))
    .limit(limit)
    .all();
}

/** The opaque `before` a client sends back: base64url of the JSON array [parked_at, id]. */
export function encodeDeadLetterCursor(row: DeadLetterCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([row.parkedAt, row.id]));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The cursor inside `text`, or null when it is not one encodeDeadLetterCursor made. */
export function decodeDeadLetterCursor(text: string): DeadLetterCursor | null {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
    const value = JSON.parse(json) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "string" && v.length > 0)) {
      return { parkedAt: value[0] as string, id: value[1] as string };
    }
  } catch {
    // falls through: not a cursor this list issued
  }
  return null;
}

/**
 * Sends a parked message back to the queue it failed on, as it was. Safe to repeat: storing events
 * and processing chunks are idempotent, so a replay never duplicates a row.
 */
export async function replayDeadLetter(db: Database, producer: (queue: WorkQueue) => Queue, id: string, now: Date): Promise<DeadLetter | null> {
  const row = await db.select().from(deadLetters).where(eq(deadLetters.id, id)).get();
  if (!row) return null;
  const queue = producer(row.queue as WorkQueue);
  await queue.send(row.contentType === "text" ? row.body : JSON.parse(row.body), { contentType: row.contentType });
  const replayedAt = now.toISOString();
  await db
    .update(deadLetters)
    .set({ replayedAt, replays: row.replays + 1 })
    .where(and(eq(deadLetters.id, id), eq(deadLetters.replays, row.replays)));
  return { ...row, replayedAt, replays: row.replays + 1 };
}
