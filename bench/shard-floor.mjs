// The floors' storage: node:sqlite with an event shard's own schema and insert statement
// (src/events/shards/shard-sql.ts), in this one Node process: what this machine does with no
// runtime, RPC, queue or network in between. The database is in memory: a floor is the best this
// machine does, and on this VM a file database stores the same rows ~5× slower (WAL, synchronous
// NORMAL, a 256 MB cache: 14,400 against 73,400 events/s), while the service's shards are files.
import { DatabaseSync } from "node:sqlite";
import { INSERT, SCHEMA } from "../src/events/shards/shard-sql.ts";

export function openShardFloor() {
  const db = new DatabaseSync(":memory:");
  for (const statement of SCHEMA) db.exec(statement);
  const insert = db.prepare(INSERT);
  return {
    db,
    /** Inserts event rows (JSON array texts, src/events/contract/rows.ts) in one transaction, as one RPC to a shard does. */
    store(rows, source = "api", importId = null, runId = null) {
      db.exec("BEGIN");
      insert.run(`[${rows.join(",")}]`, source, importId, runId);
      db.exec("COMMIT");
    },
    close() {
      db.close();
    },
  };
}

/** An event row as the service builds it (eventRow in rows.ts). */
export function eventRow({ uuid = crypto.randomUUID(), event, customerId = null, email = null, productIds = [], tsMs, attributes = {}, receivedAt }) {
  return JSON.stringify([uuid, event, customerId, email, null, null, productIds, new Date(tsMs).toISOString(), tsMs, attributes, receivedAt]);
}
