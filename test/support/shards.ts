import { env, runInDurableObject } from "cloudflare:test";
import { shardName } from "../../src/events/shards/event-shard";
import { type Account, call } from "./client";
import { waitFor } from "./wait";

/** How many shards an account's events may be in: its event_shards (during a split, the target). */
async function shardCount(accountId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT event_shards AS n FROM accounts WHERE id = ?").bind(accountId).first<{ n: number }>();
  if (!row) throw new Error(`no account ${accountId}`);
  return row.n;
}

/**
 * Runs `sql` (`?` parameters) in every shard of the account, straight on the Durable Objects' own
 * SQLite from outside the Worker, and returns every shard's rows, shard by shard.
 */
export async function queryShards<T extends Record<string, SqlStorageValue>>(accountId: string, sql: string, ...params: SqlStorageValue[]): Promise<T[]> {
  const shards = await shardCount(accountId);
  const out: T[] = [];
  for (let index = 0; index < shards; index++) {
    const stub = env.EVENT_SHARDS.get(env.EVENT_SHARDS.idFromName(shardName(accountId, index)));
    const rows = await runInDurableObject(stub, (_instance, state) => {
      const exists = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'events'").toArray().length > 0;
      return exists ? state.storage.sql.exec<T>(sql, ...params).toArray() : [];
    });
    out.push(...rows);
  }
  return out;
}

/**
 * The event_uuid of every row in every shard of the account matching `where` (SQL over the shard's
 * events table). A uuid held by two shards (mid-move in a split) appears twice.
 */
export async function shardRows(accountId: string, where = "1 = 1", ...params: SqlStorageValue[]): Promise<string[]> {
  const rows = await queryShards<{ event_uuid: string }>(accountId, `SELECT event_uuid FROM events WHERE ${where}`, ...params);
  return rows.map((r) => r.event_uuid);
}

/** How many distinct events of the account match `where`. */
export async function countStored(accountId: string, where = "1 = 1", ...params: SqlStorageValue[]): Promise<number> {
  return new Set(await shardRows(accountId, where, ...params)).size;
}

/**
 * Waits until the events queue has delivered everything sent before now for `acct`: sends a
 * marker event behind them and polls until the marker is stored.
 */
export async function drainEvents(acct: Account): Promise<void> {
  const marker = crypto.randomUUID();
  const sent = await call("/api/v1/event", {
    method: "POST",
    key: acct.event_api_key,
    json: { event: "drain_marker", customer_id: marker, event_uuid: marker },
  });
  if (sent.status !== 200) throw new Error(`marker not accepted: ${sent.status} ${sent.text}`);
  await waitFor(async () => ((await countStored(acct.account_id, "event_uuid = ?", marker)) === 1 ? true : undefined), "the queue to deliver a marker event");
}

/** Renames a table in every shard of the account (a test breaks and mends the events table with it). */
export async function renameInShards(accountId: string, from: string, to: string): Promise<void> {
  const shards = await shardCount(accountId);
  for (let index = 0; index < shards; index++) {
    const stub = env.EVENT_SHARDS.get(env.EVENT_SHARDS.idFromName(shardName(accountId, index)));
    await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`));
  }
}

/** The uuids each shard of the account holds, by shard index. */
export async function uuidsByShard(accountId: string): Promise<string[][]> {
  const shards = await shardCount(accountId);
  const out: string[][] = [];
  for (let index = 0; index < shards; index++) {
    const stub = env.EVENT_SHARDS.get(env.EVENT_SHARDS.idFromName(shardName(accountId, index)));
    out.push(
      await runInDurableObject(stub, (_instance, state) =>
        state.storage.sql
          .exec<{ event_uuid: string }>("SELECT event_uuid FROM events")
          .toArray()
          .map((r) => r.event_uuid),
      ),
    );
  }
  return out;
}
