import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { shardStub } from "../../src/events/shards/layout";
import { shardOf } from "../../src/events/shards/shard-of";
import { driveSplits } from "../../src/events/shards/split";
import { shardQuota } from "../../src/events/store/read";
import { storeEvents } from "../../src/events/store/write";
import { type Account, ADMIN_TOKEN, call, createAccount, deliver } from "../support/client";
import { tick } from "../support/imports";
import { eventsMessages } from "../support/messages";
import { shardRows, uuidsByShard } from "../support/shards";

const admin = (path: string, init: { method?: string; json?: unknown } = {}) => call(path, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

interface Sent {
  event_uuid: string;
  event: string;
  customer_id: string;
  timestamp: string;
  n: number;
}

/** Events with few distinct timestamps (so ties are common), three customers and three names. */
function fixtures(count: number, start = 0): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    event_uuid: crypto.randomUUID(),
    event: ["view", "buy", "share"][(start + i) % 3]!,
    customer_id: ["ann", "bob", "cy"][Math.floor(Math.random() * 3)]!,
    timestamp: new Date(Date.UTC(2025, 5, 1, 0, Math.floor(Math.random() * 12))).toISOString(),
    n: start + i,
  }));
}

/** The read order, computed independently of the service: newest timestamp first, then uuid descending. */
function expectedOrder(events: Sent[], keep: (e: Sent) => boolean = () => true): string[] {
  return events
    .filter(keep)
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.event_uuid < b.event_uuid ? 1 : a.event_uuid > b.event_uuid ? -1 : 0))
    .map((e) => e.event_uuid);
}

/** Every page of a read, followed by its cursor; the uuids in the order served. */
async function readAll(acct: Account, query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(`/api/v1/events?limit=${limit}${query ? `&${query}` : ""}${cursor ? `&cursor=${cursor}` : ""}`, { key: acct.user_api_key });
    expect(res.status, res.text).toBe(200);
    seen.push(...res.json.events.map((e: { event_uuid: string }) => e.event_uuid));
    cursor = res.json.next_cursor;
  } while (cursor);
  return seen;
}

const send = async (acct: Account, events: Sent[]) => {
  const result = await deliver(eventsMessages(acct.account_id, events as unknown as Record<string, unknown>[]));
  expect(result.retryMessages).toHaveLength(0);
};

const READS: [string, (e: Sent) => boolean][] = [
  ["", () => true],
  ["customer_id=bob", (e) => e.customer_id === "bob"],
  ["event=buy", (e) => e.event === "buy"],
  ["customer_id=ann&event=view&since=2025-06-01T00:03:00Z", (e) => e.customer_id === "ann" && e.event === "view" && e.timestamp >= "2025-06-01T00:03:00.000Z"],
];

describe("accounts' shard counts (contract §6)", () => {
  it("creates accounts of a power of two from 1 to 256 shards and refuses any other count", async () => {
    for (const bad of [0, 3, 512, -2, 1.5, "8"]) {
      const res = await admin("/admin/accounts", { method: "POST", json: { name: "bad", event_shards: bad } });
      expect(res.status, `event_shards ${bad}`).toBe(422);
      expect(res.json.errors[0].field).toBe("event_shards");
    }
    const made = await admin("/admin/accounts", { method: "POST", json: { name: "wide", event_shards: 256 } });
    expect(made.status, made.text).toBe(201);
    const read = await admin(`/admin/accounts/${made.json.account_id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual({
      account_id: made.json.account_id,
      name: "wide",
      created_at: expect.any(String),
      event_shards: 256,
      shards_status: "ready",
      retention_days: null,
    });
    const plain = await admin("/admin/accounts", { method: "POST", json: { name: "plain" } });
    expect((await admin(`/admin/accounts/${plain.json.account_id}`)).json.event_shards).toBe(1);
    expect((await admin(`/admin/accounts/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call(`/admin/accounts/${plain.json.account_id}`, { key: plain.json.user_api_key })).status).toBe(401);
  });

  it("splits only to a larger power of two, checked first, and not while a split runs", async () => {
    const acct = await createAccount("patch", 2);
    const patch = (event_shards: unknown, id = acct.account_id) => admin(`/admin/accounts/${id}`, { method: "PATCH", json: { event_shards } });
    for (const bad of [1, 2, 6, 512]) expect((await patch(bad)).status, `to ${bad}`).toBe(422);
    expect((await patch(4, crypto.randomUUID())).status).toBe(404);
    const started = await patch(8);
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ account_id: acct.account_id, event_shards: 8, shards_status: "splitting" });
    expect((await patch(16)).status).toBe(409);
    expect((await patch(4)).status).toBe(422);
    await tick();
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json).toMatchObject({ event_shards: 8, shards_status: "ready" });
  });
});

describe("an account of 8 shards", () => {
  it("keeps each event in its home shard only, and every filtered, paged read matches an independent sort", async () => {
    const acct = await createAccount("eight", 8);
    const sent = fixtures(120);
    await send(acct, sent);
    await send(acct, sent.slice(0, 30)); // re-sent: stored once
    const held = await uuidsByShard(acct.account_id);
    expect(held.flat().sort()).toEqual(sent.map((e) => e.event_uuid).sort());
    held.forEach((uuids, index) => {
      for (const u of uuids) expect(shardOf(u, 8)).toBe(index);
    });
    expect(held.filter((u) => u.length > 0).length).toBeGreaterThan(4);
    for (const [query, keep] of READS) {
      for (const limit of [7, 1000]) expect(await readAll(acct, query, limit), `${query} by ${limit}`).toEqual(expectedOrder(sent, keep));
    }
  });

  it("places rows a writer routed by an older layout in their homes", async () => {
    const acct = await createAccount("stale-writer", 8);
    const sent = fixtures(40);
    const [body] = eventsMessages(acct.account_id, sent as unknown as Record<string, unknown>[]);
    const rows = body!.slice(body!.indexOf("\n") + 1);
    const shard = shardStub(env, acct.account_id, 0);
    await shard.store({ account: acct.account_id, index: 0 }, 8, []); // it knows 8
    await shard.store({ account: acct.account_id, index: 0 }, 1, [{ source: "api", import_id: null, run_id: null, rows }]);
    await shard.store({ account: acct.account_id, index: 0 }, 1, [{ source: "api", import_id: null, run_id: null, rows }]);
    const held = await uuidsByShard(acct.account_id);
    expect(held.flat().sort()).toEqual(sent.map((e) => e.event_uuid).sort());
    held.forEach((uuids, index) => {
      for (const u of uuids) expect(shardOf(u, 8)).toBe(index);
    });
  });

  it("asks each shard for its share of a page and a little more, never the whole page", () => {
    expect(shardQuota(1001, 1)).toBe(1001);
    expect(shardQuota(1001, 8)).toBeLessThan(200);
    expect(shardQuota(1001, 8) * 8).toBeLessThan(1.4 * 1001);
    expect(shardQuota(5, 8)).toBe(5);
  });
});

describe("an online split", () => {
  it("loses, doubles and misorders nothing while ingest, re-sends and reads go on", async () => {
    const acct = await createAccount("splitting", 1);
    const db = database(env.DB);
    const sent = fixtures(60);
    await send(acct, sent);
    const started = await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: { event_shards: 8 } });
    expect(started.status, started.text).toBe(202);
    let steps = 0;
    for (; steps < 100; steps++) {
      const before = [...sent];
      const fresh = fixtures(5, sent.length);
      const resent = before.slice(steps * 3, steps * 3 + 3).map((e) => ({ ...e, n: -1 }));
      sent.push(...fresh);
      // One step per old shard (a start time long past ends each shard's turn after one step), with
      // ingest and a read running at the same time.
      const [, , during] = await Promise.all([driveSplits(db, env, 0), send(acct, [...fresh, ...resent]), readAll(acct, "", 9)]);
      expect(new Set(during).size, "no event twice in a read").toBe(during.length);
      expect(during.filter((u) => !before.some((e) => e.event_uuid === u) && !fresh.some((e) => e.event_uuid === u))).toEqual([]);
      expect(
        expectedOrder(before).filter((u) => !during.includes(u)),
        "no event missing from a read",
      ).toEqual([]);
      expect(during, "read order").toEqual(expectedOrder(sent).filter((u) => during.includes(u)));
      for (const [query, keep] of READS.slice(1, 3)) expect(await readAll(acct, query, 5), query).toEqual(expectedOrder(sent, keep));
      const status = (await admin(`/admin/accounts/${acct.account_id}`)).json.shards_status;
      if (status === "ready") break;
    }
    expect(steps, "the split ended").toBeLessThan(100);
    expect(steps, "the split took several steps").toBeGreaterThan(2);
    const held = await uuidsByShard(acct.account_id);
    expect(held.flat().sort(), "every event once, in its home").toEqual(sent.map((e) => e.event_uuid).sort());
    held.forEach((uuids, index) => {
      for (const u of uuids) expect(shardOf(u, 8)).toBe(index);
    });
    // A re-send keeps the first copy.
    const res = await call(`/api/v1/events?limit=1000`, { key: acct.user_api_key });
    expect(res.json.events.every((e: { attributes: { n: number } }) => e.attributes.n >= 0)).toBe(true);
  });

  it("reads exactly even when the layout D1 gives is older than the shards' own", async () => {
    const acct = await createAccount("stale-reader", 2);
    const sent = fixtures(50);
    await send(acct, sent);
    expect((await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: { event_shards: 8 } })).status).toBe(202);
    await driveSplits(database(env.DB), env, 0); // one step: some rows moved
    // As if the reader had read D1 before the split began.
    await env.DB.prepare("UPDATE accounts SET event_shards = 2, split_from = NULL WHERE id = ?").bind(acct.account_id).run();
    expect(await readAll(acct, "", 1000)).toEqual(expectedOrder(sent));
    expect(await readAll(acct, "customer_id=cy", 4)).toEqual(expectedOrder(sent, (e) => e.customer_id === "cy"));
    await env.DB.prepare("UPDATE accounts SET event_shards = 8, split_from = 2 WHERE id = ?").bind(acct.account_id).run();
    await tick();
    expect(await readAll(acct, "", 1000)).toEqual(expectedOrder(sent));
    expect(new Set(await shardRows(acct.account_id)).size).toBe(50);
    expect(await shardRows(acct.account_id)).toHaveLength(50);
  });

  it("starts by itself when a shard grows past SHARD_SPLIT_BYTES", async () => {
    const acct = await createAccount("full", 1);
    const [body] = eventsMessages(acct.account_id, fixtures(5) as unknown as Record<string, unknown>[]);
    const header = JSON.parse(body!.slice(0, body!.indexOf("\n")));
    const small = { ...env, SHARD_SPLIT_BYTES: "1000" } as unknown as Env;
    expect(await storeEvents(database(env.DB), small, [{ header, rows: body!.slice(body!.indexOf("\n") + 1) }])).toEqual([true]);
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json).toMatchObject({ event_shards: 2, shards_status: "splitting" });
    await tick();
    expect((await admin(`/admin/accounts/${acct.account_id}`)).json).toMatchObject({ event_shards: 2, shards_status: "ready" });
    expect(await readAll(acct, "", 100)).toHaveLength(5);
  });
});

describe("splits one after another", () => {
  it("goes 1 → 2 → 4 → 256 with every read exact after each", async () => {
    const acct = await createAccount("chain", 1);
    const sent = fixtures(80);
    await send(acct, sent);
    for (const to of [2, 4, 256]) {
      const res = await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", json: { event_shards: to } });
      expect(res.status, res.text).toBe(202);
      const more = fixtures(10, sent.length);
      sent.push(...more);
      await send(acct, more);
      expect(await readAll(acct, "customer_id=ann", 6), `during the split to ${to}`).toEqual(expectedOrder(sent, (e) => e.customer_id === "ann"));
      await tick();
      expect((await admin(`/admin/accounts/${acct.account_id}`)).json).toMatchObject({ event_shards: to, shards_status: "ready" });
      expect(await readAll(acct, "", 1000), `after the split to ${to}`).toEqual(expectedOrder(sent));
    }
    const held = await uuidsByShard(acct.account_id);
    expect(held.flat().sort()).toEqual(sent.map((e) => e.event_uuid).sort());
    held.forEach((uuids, index) => {
      for (const u of uuids) expect(shardOf(u, 256)).toBe(index);
    });
  });
});
