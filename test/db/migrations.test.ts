import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// A database of its own (MIGRATION_CHECK_DB, vitest.config.mts), migrated step by step, so the data
// a migration carries over can be checked: the setup file migrates env.DB in one go.
describe("migration 0006 (events stored under the account's number)", () => {
  it("numbers existing accounts in creation order and keeps every event with its account", async () => {
    const db = env.MIGRATION_CHECK_DB;
    const upTo0005 = env.TEST_MIGRATIONS.filter((m) => m.name < "0006");
    const the0006 = env.TEST_MIGRATIONS.filter((m) => m.name.startsWith("0006"));
    expect(the0006).toHaveLength(1);
    await applyD1Migrations(db, upTo0005);
    const event = (seq: number, account: string, uuid: string) =>
      db
        .prepare(
          "INSERT INTO events (seq, account_id, event_uuid, event, customer_id, product_ids, timestamp, ts_ms, attributes, source, received_at) VALUES (?, ?, ?, 'e', 'c', '[\"p\"]', '2026-01-01T00:00:00.000Z', 1767225600000, '{\"a\":1}', 'api', '2026-01-01T00:00:01.000Z')",
        )
        .bind(seq, account, uuid);
    await db.batch([
      db.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acct-late', 'late', '2026-02-01T00:00:00.000Z')"),
      db.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('acct-early', 'early', '2026-01-01T00:00:00.000Z')"),
      event(7, "acct-late", "u-1"),
      event(9, "acct-early", "u-1"),
      event(12, "acct-late", "u-2"),
    ]);
    await applyD1Migrations(db, the0006);
    const accounts = await db.prepare("SELECT id, num FROM accounts ORDER BY num").all();
    expect(accounts.results).toEqual([
      { id: "acct-early", num: 1 },
      { id: "acct-late", num: 2 },
    ]);
    const events = await db.prepare("SELECT seq, account_num, event_uuid, product_ids, attributes FROM events ORDER BY seq").all();
    expect(events.results).toEqual([
      { seq: 7, account_num: 2, event_uuid: "u-1", product_ids: '["p"]', attributes: '{"a":1}' },
      { seq: 9, account_num: 1, event_uuid: "u-1", product_ids: '["p"]', attributes: '{"a":1}' },
      { seq: 12, account_num: 2, event_uuid: "u-2", product_ids: '["p"]', attributes: '{"a":1}' },
    ]);
    // The idempotency key now reads (account_num, event_uuid).
    await expect(
      db
        .prepare(
          "INSERT INTO events (account_num, event_uuid, event, product_ids, timestamp, ts_ms, attributes, source, received_at) VALUES (2, 'u-1', 'e', '[]', 't', 1, '{}', 'api', 'r')",
        )
        .run(),
    ).rejects.toThrow(/UNIQUE/);
  });
});

describe("migrations 0007–0009 (events leave D1 for the shards; retention)", () => {
  it("keeps every account, at one ready shard with no retention, and drops the events table and the account numbers", async () => {
    const db = env.MIGRATION_CHECK_DB;
    const later = env.TEST_MIGRATIONS.filter((m) => m.name >= "0007");
    expect(later.map((m) => m.name.slice(0, 4))).toEqual(["0007", "0008", "0009"]);
    await applyD1Migrations(db, later);
    const accounts = await db.prepare("SELECT * FROM accounts ORDER BY created_at").all();
    expect(accounts.results).toEqual([
      { id: "acct-early", name: "early", created_at: "2026-01-01T00:00:00.000Z", event_shards: 1, split_from: null, retention_days: null },
      { id: "acct-late", name: "late", created_at: "2026-02-01T00:00:00.000Z", event_shards: 1, split_from: null, retention_days: null },
    ]);
    const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").all();
    expect(tables.results).toEqual([]);
  });
});
