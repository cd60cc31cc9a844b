import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { accounts } from "../db/schema";
import { startSplit } from "../events/shards/split";
import { Problem } from "../lib/problem";

/** An account as `GET /admin/accounts/{id}` shows it (contract §6). */
export interface AccountView {
  account_id: string;
  name: string;
  created_at: string;
  event_shards: number;
  shards_status: "ready" | "splitting";
  /** Events older than this many days before a scheduler tick are deleted by it; null: kept forever (§10.3). */
  retention_days: number | null;
}

export async function readAccount(db: Database, id: string): Promise<AccountView | null> {
  const row = await db.select().from(accounts).where(eq(accounts.id, id)).get();
  if (!row) return null;
  return {
    account_id: row.id,
    name: row.name,
    created_at: row.createdAt,
    event_shards: row.eventShards,
    shards_status: row.splitFrom === null ? "ready" : "splitting",
    retention_days: row.retentionDays,
  };
}

/** Sets the account's retention (contract §10.3): days, or null to keep its events forever. */
export async function setRetention(db: Database, id: string, days: number | null): Promise<AccountView> {
  const updated = await db.update(accounts).set({ retentionDays: days }).where(eq(accounts.id, id));
  if (updated.meta.changes === 0) throw new Problem(404, `No account ${id}`);
  return (await readAccount(db, id))!;
}

/**
 * Starts an online split of the account's events to `to` shards (a power of two, checked by the
 * route): more shards than it has is the only change allowed (422 otherwise, checked before
 * anything else), and not while a split runs (409). The scheduler tick then moves the events.
 */
export async function splitAccount(db: Database, id: string, to: number): Promise<AccountView> {
  const current = await readAccount(db, id);
  if (!current) throw new Problem(404, `No account ${id}`);
  if (to <= current.event_shards) {
    throw new Problem(422, "The request body is not valid", [
      { field: "event_shards", message: `must be more than the account's ${current.event_shards} shards; shards are never merged` },
    ]);
  }
  if (current.shards_status === "splitting") throw new Problem(409, "A split of this account's shards is still running");
  if (!(await startSplit(db, id, current.event_shards, to))) throw new Problem(409, "The account's shards changed meanwhile; read it again");
  return (await readAccount(db, id))!;
}
