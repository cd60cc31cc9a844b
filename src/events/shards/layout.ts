import { inArray } from "drizzle-orm";
import type { Database } from "../../db/client";
import { accounts } from "../../db/schema";
import { type EventShard, shardName } from "./event-shard";

/**
 * An account's shard layout as D1 records it: `shards` shards, and while a split runs, the count it
 * started from (`splitFrom`). Writers route by `splitFrom ?? shards`: during a split the old
 * shards place each row by the count they have reached and forward what is no longer theirs, so
 * a writer never needs to know how far the split has come (docs/scale.md, "Splitting").
 */
export interface Layout {
  shards: number;
  splitFrom: number | null;
}

/** The shard count writers route by. */
export const routingShards = (l: Layout): number => l.splitFrom ?? l.shards;

/** The layouts of the given accounts; an unknown account is absent from the map. */
export async function readLayouts(db: Database, accountIds: Iterable<string>): Promise<Map<string, Layout>> {
  const ids = [...new Set(accountIds)];
  const out = new Map<string, Layout>();
  if (ids.length === 0) return out;
  const rows = await db
    .select({ id: accounts.id, shards: accounts.eventShards, splitFrom: accounts.splitFrom })
    .from(accounts)
    .where(inArray(accounts.id, ids))
    .all();
  for (const r of rows) out.set(r.id, { shards: r.shards, splitFrom: r.splitFrom });
  return out;
}

/** One account's layout, or null for an unknown account. */
export async function readLayout(db: Database, accountId: string): Promise<Layout | null> {
  return (await readLayouts(db, [accountId])).get(accountId) ?? null;
}

/** The RPC stub of shard `index` of `account`. */
export function shardStub(env: Env, account: string, index: number): DurableObjectStub<EventShard> {
  return env.EVENT_SHARDS.get(env.EVENT_SHARDS.idFromName(shardName(account, index)));
}
