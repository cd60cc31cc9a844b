import type { Database } from "../../db/client";
import { log } from "../../lib/log";
import type { DecodedEvents } from "../ingest/queue-message";
import type { ShardItem } from "../shards/event-shard";
import { type Layout, readLayouts, routingShards, shardStub } from "../shards/layout";
import { rowsByShard } from "../shards/shard-of";
import { splitIfFull } from "../shards/split";

/** One shard's share of a write: its rows by provenance, and which of the caller's items they came from. */
interface ShardWrite {
  account: string;
  index: number;
  items: ShardItem[];
  from: Set<number>;
}

/**
 * Stores decoded event batches in their accounts' shards: one RPC per shard touched, each one
 * transaction there (EventShard.store), all in parallel. Returns, per item, whether every shard
 * holding part of it stored that part; an item of an unknown account fails. Inserts are
 * idempotent (a uuid's home shard has a unique index on it), so a caller retries a failed item
 * whole and nothing it stored before is stored twice.
 */
export async function storeEvents(db: Database, env: Env, items: DecodedEvents[]): Promise<boolean[]> {
  const ok = items.map(() => true);
  const layouts = await readLayouts(
    db,
    items.map((i) => i.header.account_id),
  );
  const writes = new Map<string, ShardWrite>();
  items.forEach((item, n) => {
    const layout = layouts.get(item.header.account_id);
    if (!layout) {
      ok[n] = false;
      log("error", "events for an unknown account", { account_id: item.header.account_id });
      return;
    }
    for (const [index, rows] of rowsByShard(item.rows, routingShards(layout))) addWrite(writes, item, n, index, rows);
  });
  const calls = [...writes.values()].map((w) => writeShard(db, env, w, layouts.get(w.account)!));
  const results = await Promise.allSettled(calls);
  results.forEach((r, k) => {
    if (r.status === "fulfilled") return;
    const w = [...writes.values()][k]!;
    log("warn", "shard write failed", { account_id: w.account, shard: w.index, error: String(r.reason) });
    for (const n of w.from) ok[n] = false;
  });
  return ok;
}

/** Sends one shard its rows, then starts the account's split if the shard has grown past the limit. */
async function writeShard(db: Database, env: Env, w: ShardWrite, layout: Layout): Promise<void> {
  const routedBy = routingShards(layout);
  const { bytes } = await shardStub(env, w.account, w.index).store({ account: w.account, index: w.index }, routedBy, w.items);
  if (layout.splitFrom === null) await splitIfFull(db, env, w.account, layout.shards, bytes);
}

function addWrite(writes: Map<string, ShardWrite>, item: DecodedEvents, n: number, index: number, rows: string): void {
  const account = item.header.account_id;
  const key = `${account}/${index}`;
  const w = writes.get(key) ?? { account, index, items: [], from: new Set<number>() };
  const { source, import_id, run_id } = item.header;
  w.items.push({ source, import_id, run_id, rows });
  w.from.add(n);
  writes.set(key, w);
}
