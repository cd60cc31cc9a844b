import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { shardName } from "../../src/events/shards/event-shard";
import { PAGE } from "../../src/events/shards/shard-sql";
import { type Account, call, createAccount, deliver } from "../support/client";
import { eventsMessage } from "../support/messages";
import { drainEvents, queryShards, shardRows } from "../support/shards";
import { waitFor } from "../support/wait";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("store");
});

const rowsFor = async (accountId: string, customerId: string): Promise<number> => (await shardRows(accountId, "customer_id = ?", customerId)).length;

describe("idempotent storage", () => {
  it("stores a queue batch delivered twice only once", async () => {
    const tag = crypto.randomUUID();
    const bodies = [
      eventsMessage(acct.account_id, [
        { event: "redelivered", customer_id: tag, n: 1 },
        { event: "redelivered", customer_id: tag, n: 2 },
      ]),
      eventsMessage(acct.account_id, [{ event: "redelivered", customer_id: tag, n: 3 }]),
    ];
    const first = await deliver(bodies);
    expect(first.ackAll).toBe(true);
    expect(await rowsFor(acct.account_id, tag)).toBe(3);
    const second = await deliver(bodies, 2);
    expect(second.ackAll).toBe(true);
    expect(second.retryMessages).toHaveLength(0);
    expect(await rowsFor(acct.account_id, tag)).toBe(3);
  });

  it("stores one event per event_uuid however often the API receives it", async () => {
    const tag = crypto.randomUUID();
    const uuid = crypto.randomUUID();
    const item = { event: "resent", customer_id: tag, event_uuid: uuid };
    for (let i = 0; i < 3; i++) {
      const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: { ...item, try: i } });
      expect(res.status, res.text).toBe(200);
    }
    const bulkRes = await call("/api/v1/bulkevents", { method: "POST", key: acct.event_api_key, json: { events: [item, item] } });
    expect(bulkRes.status, bulkRes.text).toBe(200);
    await waitFor(async () => ((await rowsFor(acct.account_id, tag)) >= 1 ? true : undefined), "the resent event to be stored");
    await drainEvents(acct); // every queued copy has reached the consumer
    expect(await rowsFor(acct.account_id, tag)).toBe(1);
  });

  it("keeps the same event_uuid apart in two accounts", async () => {
    const other = await createAccount("store-other");
    const tag = crypto.randomUUID();
    const uuid = crypto.randomUUID();
    await deliver([eventsMessage(acct.account_id, [{ event: "shared", customer_id: tag, event_uuid: uuid }])]);
    await deliver([eventsMessage(other.account_id, [{ event: "shared", customer_id: tag, event_uuid: uuid }])]);
    expect(await rowsFor(acct.account_id, tag)).toBe(1);
    expect(await rowsFor(other.account_id, tag)).toBe(1);
  });
});

describe("an accepted event survives the trip unchanged", () => {
  it("reads back every field as sent, with the timestamp in UTC", async () => {
    const tag = crypto.randomUUID();
    const sent = {
      event: "checkout",
      customer_id: tag,
      email: "ann@example.com",
      device_id: "dev-1",
      cookie: "ck",
      product_ids: "sku-1, sku-2",
      timestamp: "2024-03-01T10:00:00.250+02:00",
      cart: { total: 12.5, items: ["sku-1", "sku-2"] },
      coupon: null,
    };
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: sent });
    expect(res.status, res.text).toBe(200);
    const page = await waitFor(async () => {
      const r = await call(`/api/v1/events?customer_id=${tag}`, { key: acct.user_api_key });
      return r.json.events.length === 1 ? r.json : undefined;
    }, "the event to be readable");
    const e = page.events[0];
    expect(e).toMatchObject({
      event_uuid: res.json.event_uuid,
      event: "checkout",
      customer_id: tag,
      email: "ann@example.com",
      device_id: "dev-1",
      cookie: "ck",
      product_ids: ["sku-1", "sku-2"],
      timestamp: "2024-03-01T08:00:00.250Z",
      attributes: { cart: { total: 12.5, items: ["sku-1", "sku-2"] }, coupon: null },
      source: "api",
    });
    expect(e.import_id).toBeUndefined();
    expect(Date.parse(e.received_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  // JSON.parse makes "__proto__" an own member; copied by plain assignment it would become the
  // attributes object's prototype and vanish from the stored JSON.
  it("keeps attributes named __proto__ and constructor, from single and bulk calls", async () => {
    const tag = crypto.randomUUID();
    const item = `{"event":"odd_names","customer_id":"${tag}","__proto__":{"polluted":true},"constructor":"c"}`;
    const single = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, headers: { "content-type": "application/json" }, body: item });
    expect(single.status, single.text).toBe(200);
    const bulk = await call("/api/v1/bulkevents", {
      method: "POST",
      key: acct.event_api_key,
      headers: { "content-type": "application/json" },
      body: `{"events":[${item}]}`,
    });
    expect(bulk.status, bulk.text).toBe(200);
    const page = await waitFor(async () => {
      const r = await call(`/api/v1/events?customer_id=${tag}`, { key: acct.user_api_key });
      return r.json.events.length === 2 ? r : undefined;
    }, "both events to be readable");
    for (const e of page.json.events) {
      expect(Object.hasOwn(e.attributes, "__proto__"), page.text).toBe(true);
      expect(Object.getOwnPropertyDescriptor(e.attributes, "__proto__")?.value).toEqual({ polluted: true });
      expect(e.attributes.constructor).toBe("c");
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // Events are written out by SQLite (json_object over the stored JSON text): whatever the
  // attributes hold must come back as sent, the same on the events page and the debug view.
  it("reads back awkward attributes exactly, on the events page and the debug view", async () => {
    const own = await createAccount("awkward");
    const attributes = {
      text: 'quote " backslash \\ newline \n tab \t é ☃ 😀 \u0001',
      numbers: [0, -1, 0.1, 1e21, 12.5, 9007199254740991],
      nested: { deep: { deeper: [null, true, false, "", {}] } },
      empty: [],
    };
    const sent = { event: "awkward", customer_id: "c", product_ids: ["a,b", "ü"], ...attributes };
    expect((await call("/api/v1/event", { method: "POST", key: own.event_api_key, json: sent })).status).toBe(200);
    const fromPage = await waitFor(async () => {
      const r = await call("/api/v1/events", { key: own.user_api_key });
      return r.json.events[0];
    }, "the event to be readable");
    const fromDebug = (await call("/api/v1/event/debug", { key: own.event_api_key })).json.events[0];
    expect(fromPage.attributes).toEqual(attributes);
    expect(fromPage.product_ids).toEqual(["a,b", "ü"]);
    expect(fromPage).toEqual(fromDebug);
  });

  it("reads back an attribute nested 64 levels deep (the most rules.ts allows)", async () => {
    const own = await createAccount("deep");
    const deep = JSON.parse(`${"[".repeat(63)}{"bottom":true}${"]".repeat(63)}`);
    expect((await call("/api/v1/event", { method: "POST", key: own.event_api_key, json: { event: "deep", customer_id: "c", deep } })).status).toBe(200);
    const first = await waitFor(async () => (await call("/api/v1/events", { key: own.user_api_key })).json.events[0], "the event to be readable");
    expect(first.attributes.deep).toEqual(deep);
  });

  // Rows used to carry product_ids and attributes as JSON strings; now they are nested JSON values.
  // Messages of the old form may still be on the queue after a deploy: both must store the same text.
  it("stores rows of an earlier producer (nested JSON as strings) exactly as current rows", async () => {
    const tag = crypto.randomUUID();
    const attributes = { note: 'q " é \n', n: [1, 2.5, 1e21], o: { k: null } };
    const current = eventsMessage(acct.account_id, [{ event: "form", customer_id: tag, product_ids: ["a", "b"], ...attributes }]);
    const [head, rows] = [current.slice(0, current.indexOf("\n")), JSON.parse(current.slice(current.indexOf("\n") + 1))];
    const old = rows.map((r: unknown[]) => r.map((v, i) => (i === 6 || i === 9 ? JSON.stringify(v) : i === 0 ? crypto.randomUUID() : v)));
    expect(typeof old[0][6]).toBe("string");
    expect((await deliver([current, `${head}\n${JSON.stringify(old)}`])).ackAll).toBe(true);
    const stored = await queryShards(acct.account_id, "SELECT product_ids, attributes FROM events WHERE customer_id = ?", tag);
    expect(stored).toHaveLength(2);
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[0]).toEqual({ product_ids: '["a","b"]', attributes: JSON.stringify(attributes) });
  });
});

describe("GET /api/v1/events", () => {
  const tag = crypto.randomUUID();
  beforeAll(async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      event: i % 2 ? "odd" : "even",
      customer_id: tag,
      email: i === 7 ? `seven-${tag.slice(0, 8)}@example.com` : undefined,
      timestamp: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
      i,
    }));
    await deliver([eventsMessage(acct.account_id, items)]);
  });
  const get = (q: string, key = acct.user_api_key) => call(`/api/v1/events?customer_id=${tag}&${q}`, { key });

  it("lists newest timestamp first with a default page of 100", async () => {
    const res = await get("");
    expect(res.status, res.text).toBe(200);
    const order = res.json.events.map((e: { attributes: { i: number } }) => e.attributes.i);
    expect(order).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    expect(res.json.next_cursor).toBeNull();
  });

  it("pages with the cursor without losing or repeating an event", async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`limit=10${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json.events.map((e: { attributes: { i: number } }) => e.attributes.i));
      cursor = res.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
  });

  it("filters by event name, email, since and until (both inclusive)", async () => {
    expect((await get("event=odd")).json.events).toHaveLength(12);
    const byEmail = await get(`email=seven-${tag.slice(0, 8)}@example.com`);
    expect(byEmail.json.events.map((e: { attributes: { i: number } }) => e.attributes.i)).toEqual([7]);
    const range = await get("since=2025-01-01T00:05:00Z&until=2025-01-01T02:09:00%2B02:00");
    expect(range.json.events.map((e: { attributes: { i: number } }) => e.attributes.i)).toEqual([9, 8, 7, 6, 5]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
    ["since=yesterday", "since"],
    ["until=11/11/2011", "until"],
    ["cursor=garbage", "cursor"],
  ])("answers 422 for %s", async (q, field) => {
    const res = await get(q);
    expect(res.status, res.text).toBe(422);
    expect(res.json.errors[0].field).toBe(field);
  });

  it("accepts limit=1 and limit=1000", async () => {
    expect((await get("limit=1")).json.events).toHaveLength(1);
    expect((await get("limit=1000")).json.events).toHaveLength(25);
  });
});

describe("GET /api/v1/events with equal timestamps", () => {
  it("orders equal timestamps by event_uuid, descending, and pages without losing or repeating one", async () => {
    const tag = crypto.randomUUID();
    // Three deliveries of five, all at one instant.
    const uuids: string[] = [];
    for (let b = 0; b < 3; b++) {
      const items = Array.from({ length: 5 }, () => {
        const event_uuid = crypto.randomUUID();
        uuids.push(event_uuid);
        return { event: "same", customer_id: tag, timestamp: "2025-03-01T10:00:00Z", event_uuid };
      });
      await deliver([eventsMessage(acct.account_id, items)]);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/api/v1/events?customer_id=${tag}&limit=4${cursor ? `&cursor=${cursor}` : ""}`, { key: acct.user_api_key });
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json.events.map((e: { event_uuid: string }) => e.event_uuid));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...uuids].sort().reverse());
  });

  // Pages must stay index range reads as a shard grows: a sort (a temp B-tree) over a shard's
  // events would make every page cost as much as the whole shard.
  it.each<[string, keyof typeof PAGE, string, SqlStorageValue[]]>([
    ["no filter", "none", "events_ts_idx", [null, -1e15, 1e15, 1e15, "", null, null, null, 101]],
    ["customer_id", "customer_id", "events_customer_idx", ["c", -1e15, 1e15, 1e15, "", "c", null, null, 101]],
    ["email", "email", "events_email_idx", ["e@example.com", -1e15, 1e15, 1e15, "", null, "e@example.com", null, 101]],
    ["event", "event", "events_event_idx", ["purchase", -1e15, 1e15, 1e15, "", null, null, "purchase", 101]],
    ["customer_id and event after a cursor", "customer_id", "events_customer_idx", ["c", -1e15, 1e15, 1_700_000_000_000, "u", "c", null, "e", 101]],
    ["since and until", "none", "events_ts_idx", [null, 1_600_000_000_000, 1_700_000_000_000, 1e15, "", null, null, null, 101]],
  ])("reads a shard's page filtered by %s from its index, with no sort", async (_, leading, index, params) => {
    const stub = env.EVENT_SHARDS.get(env.EVENT_SHARDS.idFromName(shardName(acct.account_id, 0)));
    const details = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${PAGE[leading]}`, ...params)
        .toArray()
        .map((r) => r.detail)
        .join("\n"),
    );
    expect(details).toContain(`USING INDEX ${index}`);
    expect(details).not.toContain("TEMP B-TREE");
  });
});

describe("GET /api/v1/event/debug", () => {
  it("returns the most recently received event of each event name", async () => {
    const dbg = await createAccount("debug");
    await deliver([
      eventsMessage(dbg.account_id, [
        { event: "a", customer_id: "1", n: 1 },
        { event: "b", customer_id: "1", n: 1 },
      ]),
    ]);
    const before = Date.now();
    await waitFor(async () => (Date.now() > before ? true : undefined), "the clock to move on"); // a later received_at
    await deliver([eventsMessage(dbg.account_id, [{ event: "a", customer_id: "1", n: 2 }])]);
    const res = await call("/api/v1/event/debug", { key: dbg.event_api_key });
    expect(res.status, res.text).toBe(200);
    const byName = Object.fromEntries(res.json.events.map((e: { event: string; attributes: { n: number } }) => [e.event, e.attributes.n]));
    expect(byName).toEqual({ a: 2, b: 1 });
  });
});

describe("GET /api/v1/events/names", () => {
  it("lists stored event names and tasks' default events, once each, sorted", async () => {
    const who = await createAccount("names");
    await deliver([
      eventsMessage(who.account_id, [
        { event: "zeta", customer_id: "1" },
        { event: "alpha", customer_id: "1" },
        { event: "zeta", customer_id: "2" },
      ]),
    ]);
    await call("/api/v1/imports", { method: "POST", key: who.user_api_key, json: { name: "t", source: { type: "upload" }, default_event: "mid" } });
    const res = await call("/api/v1/events/names", { key: who.user_api_key });
    expect(res.status, res.text).toBe(200);
    expect(res.json.names).toEqual(["alpha", "mid", "zeta"]);
    expect((await call("/api/v1/events/names", { key: who.event_api_key })).status).toBe(403);
  });
});
