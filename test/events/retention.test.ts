import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { expireEvents } from "../../src/events/shards/retention";
import { type Account, ADMIN_TOKEN, call, createAccount, deliver } from "../support/client";
import { tick } from "../support/imports";
import { eventsMessages } from "../support/messages";
import { shardRows } from "../support/shards";

const admin = (path: string, init: { method?: string; json?: unknown } = {}) => call(path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
const retain = (acct: Account, retention_days: unknown) => admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: { retention_days } });

const DAY_MS = 86_400_000;
/** The scheduler tick's time in these tests. */
const TICK_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

/** Stores one event per age (in days before the tick), each named by its age; returns their uuids by age. */
async function storeAged(acct: Account, ages: number[]): Promise<Map<number, string>> {
  const events = ages.map((age) => ({
    event_uuid: crypto.randomUUID(),
    event: "aged",
    customer_id: `age-${age}`,
    timestamp: new Date(TICK_MS - age * DAY_MS).toISOString(),
  }));
  const result = await deliver(eventsMessages(acct.account_id, events));
  expect(result.retryMessages).toHaveLength(0);
  return new Map(events.map((e, i) => [ages[i]!, e.event_uuid]));
}

async function readUuids(acct: Account): Promise<string[]> {
  const res = await call("/api/v1/events?event=aged&limit=1000", { key: acct.user_api_key });
  expect(res.status, res.text).toBe(200);
  return res.json.events.map((e: { event_uuid: string }) => e.event_uuid).sort();
}

describe("retention (contract §10.3)", () => {
  it("is set and cleared with PATCH, shown by GET, and only as 1–3650 days or null", async () => {
    const acct = await createAccount("retention-patch");
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json.retention_days).toBeNull();
    for (const bad of [0, 3651, -1, 1.5, "30", true, {}]) {
      const res = await retain(acct, bad);
      expect(res.status, `retention_days ${JSON.stringify(bad)}`).toBe(422);
      expect(res.json.errors.map((e: { field: string }) => e.field)).toContain("retention_days");
    }
    expect((await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: {} })).status).toBe(422);
    const set = await retain(acct, 30);
    expect(set.status, set.text).toBe(200);
    expect(set.json).toMatchObject({ account_id: acct.account_id, retention_days: 30, shards_status: "ready" });
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json.retention_days).toBe(30);
    // A refused split refuses the whole PATCH: the retention named with it is not set either.
    const refused = await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: { event_shards: 1, retention_days: 5 } });
    expect(refused.status).toBe(422);
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json.retention_days).toBe(30);
    const cleared = await retain(acct, null);
    expect(cleared.status).toBe(200);
    expect(cleared.json.retention_days).toBeNull();
    expect((await admin(`/admin/accounts/${crypto.randomUUID()}`, { method: "PATCH", json: { retention_days: 3 } })).status).toBe(404);
    expect((await call(`/admin/accounts/${acct.account_id}`, { method: "PATCH", key: acct.user_api_key, json: { retention_days: 3 } })).status).toBe(401);
  });

  it("a tick deletes the events more than N days before its time, in the account that set it only", async () => {
    const kept = await createAccount("retention-30");
    const forever = await createAccount("retention-none");
    const ages = [0, 1, 29.5, 30, 30.01, 45, 400];
    const sent = await storeAged(kept, ages);
    const others = await storeAged(forever, ages);
    expect((await retain(kept, 30)).status).toBe(200);
    await tick(new Date(TICK_MS));
    // Exactly 30 days before the tick is not more than 30 days before it: kept.
    expect(await readUuids(kept)).toEqual([0, 1, 29.5, 30].map((a) => sent.get(a)!).sort());
    expect((await shardRows(kept.account_id, "event = 'aged'")).sort()).toEqual([0, 1, 29.5, 30].map((a) => sent.get(a)!).sort());
    expect(await readUuids(forever)).toEqual([...others.values()].sort());
    // A later tick moves the line on.
    await tick(new Date(TICK_MS + 2 * DAY_MS));
    expect(await readUuids(kept)).toEqual([0, 1].map((a) => sent.get(a)!).sort());
  });

  it("deletes in bounded pieces, and what a tick's time did not reach waits for the next tick", async () => {
    const acct = await createAccount("retention-pieces", 1);
    const ages = Array.from({ length: 23 }, (_, i) => 100 + i);
    await storeAged(acct, [...ages, 1]);
    expect((await retain(acct, 10)).status).toBe(200);
    // Pieces of 5 rows and ticks whose time is up after their first piece (each "started" at time 0):
    // 23 expired events take 5 ticks.
    const brief = { ...env, RETENTION_STEP_ROWS: "5", RETENTION_TICK_SECONDS: "0.001" } as unknown as Env;
    const db = database(env.DB);
    const deleted: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { deleted: n } = await expireEvents(db, brief, TICK_MS, 0);
      deleted.push(n);
      if (n === 0) break;
    }
    expect(deleted.slice(0, 6)).toEqual([5, 5, 5, 5, 3, 0]);
    expect(await shardRows(acct.account_id, "event = 'aged'")).toHaveLength(1);
  });
});
