import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Account, ADMIN_TOKEN, call, createAccount, deliver } from "../support/client";
import { eventsMessage } from "../support/messages";
import { countStored, drainEvents } from "../support/shards";
import { waitFor } from "../support/wait";

let a: Account;
let b: Account;
beforeAll(async () => {
  a = await createAccount("tenant-a");
  b = await createAccount("tenant-b");
});

const event = { event: "login", customer_id: "c1" };

describe("POST /admin/accounts", () => {
  it("creates an account with two distinct keys, shown once", async () => {
    expect(a.account_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.name).toBe("tenant-a");
    expect(a.event_api_key).not.toBe(a.user_api_key);
    expect(a.event_api_key.length).toBeGreaterThan(30);
  });

  it("stores keys only as hashes", async () => {
    const { results } = await env.DB.prepare("SELECT key_hash FROM api_keys WHERE account_id = ?").bind(a.account_id).all<{ key_hash: string }>();
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect([a.event_api_key, a.user_api_key]).not.toContain(r.key_hash);
    }
    const dump = JSON.stringify((await env.DB.prepare("SELECT * FROM api_keys").all()).results);
    expect(dump).not.toContain(a.event_api_key);
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer wrong-token-but-long-enough" }],
    ["the token as Basic", { authorization: `Basic ${btoa(`${ADMIN_TOKEN}:`)}` }],
  ])("answers 401 for %s", async (_name, headers) => {
    const res = await call("/admin/accounts", { method: "POST", headers, json: { name: "x" } });
    expect(res.status, res.text).toBe(401);
  });

  it("answers 422 for a missing or empty name", async () => {
    for (const json of [{}, { name: "" }, { name: 5 }]) {
      const res = await call("/admin/accounts", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, json });
      expect(res.status, res.text).toBe(422);
      expect(res.json.errors[0].field).toBe("name");
    }
  });
});

describe("API keys", () => {
  it("takes the key as Basic user name or as a Bearer token", async () => {
    const basic = await call("/api/v1/event", { method: "POST", key: a.event_api_key, json: event });
    expect(basic.status, basic.text).toBe(200);
    const bearer = await call("/api/v1/event", { method: "POST", headers: { authorization: `Bearer ${a.event_api_key}` }, json: event });
    expect(bearer.status, bearer.text).toBe(200);
  });

  it.each([
    ["a missing key", undefined],
    ["an unknown key", "eei_ev_not-a-real-key"],
    ["a garbled Basic header", "%%%"],
  ])("answers 401 for %s", async (_name, key) => {
    const headers: Record<string, string> = key === "%%%" ? { authorization: "Basic %%%" } : {};
    const res = await call("/api/v1/event", { method: "POST", key: key === "%%%" ? undefined : key, headers, json: event });
    expect(res.status, res.text).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers 403 for a user key on an ingest endpoint and an event key on a management endpoint", async () => {
    expect((await call("/api/v1/event", { method: "POST", key: a.user_api_key, json: event })).status).toBe(403);
    expect((await call("/api/v1/bulkevents", { method: "POST", key: a.user_api_key, json: { events: [event] } })).status).toBe(403);
    expect((await call("/api/v1/event/debug", { key: a.user_api_key })).status).toBe(403);
    expect((await call("/api/v1/events", { key: a.event_api_key })).status).toBe(403);
  });
});

describe("tenant isolation", () => {
  it("shows an account only its own events", async () => {
    const tag = crypto.randomUUID();
    await deliver([eventsMessage(a.account_id, [{ event: "mine", customer_id: tag }])]);
    const mine = await call(`/api/v1/events?customer_id=${tag}`, { key: a.user_api_key });
    expect(mine.json.events).toHaveLength(1);
    const theirs = await call(`/api/v1/events?customer_id=${tag}`, { key: b.user_api_key });
    expect(theirs.status).toBe(200);
    expect(theirs.json.events).toHaveLength(0);
    const debug = await call("/api/v1/event/debug", { key: b.event_api_key });
    expect(debug.json.events.map((e: { event: string }) => e.event)).not.toContain("mine");
  });

  it("files events under the account whose key sent them", async () => {
    const tag = crypto.randomUUID();
    const res = await call("/api/v1/event", { method: "POST", key: b.event_api_key, json: { event: "theirs", customer_id: tag } });
    expect(res.status).toBe(200);
    const uuid = res.json.event_uuid;
    await waitFor(async () => ((await countStored(b.account_id, "event_uuid = ?", uuid)) === 1 ? true : undefined), "the event stored under its sender");
    await drainEvents(a);
    expect(await countStored(a.account_id, "event_uuid = ?", uuid)).toBe(0);
  });
});
