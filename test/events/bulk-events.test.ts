import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { waitFor } from "../support/wait";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("bulk");
});

const ev = (i: number, extra: Record<string, unknown> = {}) => ({ event: "bulk_view", customer_id: `c${i}`, seq: i, ...extra });
const bulk = (events: unknown) => call("/api/v1/bulkevents", { method: "POST", key: acct.event_api_key, json: { events } });

async function storedCount(customerId: string): Promise<number> {
  const res = await call(`/api/v1/events?customer_id=${customerId}&limit=1000`, { key: acct.user_api_key });
  return res.json.events.length;
}

describe("POST /api/v1/bulkevents", () => {
  it("accepts all-valid events with 200, their count and uuids in order", async () => {
    const uuids = Array.from({ length: 3 }, () => crypto.randomUUID());
    const res = await bulk(uuids.map((u, i) => ev(i, { event_uuid: u })));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ status: "ok", accepted: 3, event_uuids: uuids });
  });

  it("accepts the valid items of a partly invalid call and reports each rejected item by index", async () => {
    const tag = crypto.randomUUID();
    const items = [
      { event: "partial", customer_id: tag, n: 0 },
      { event: "bad.name", customer_id: tag },
      { event: "partial", customer_id: tag, n: 2 },
      { event: "partial" },
      "not an object",
    ];
    const res = await bulk(items);
    expect(res.status, res.text).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json.accepted).toBe(2);
    expect(res.json.rejected).toBe(3);
    expect(res.json.event_uuids).toHaveLength(2);
    expect([...new Set(res.json.errors.map((e: { index: number }) => e.index))]).toEqual([1, 3, 4]);
    expect(res.json.errors.find((e: { index: number }) => e.index === 1).field).toBe("event");
    const stored = await waitFor(async () => ((await storedCount(tag)) === 2 ? 2 : undefined), { what: "the two valid items to be stored" });
    expect(stored).toBe(2);
  });

  it("accepts 1,000 events in one call", async () => {
    const res = await bulk(Array.from({ length: 1000 }, (_, i) => ev(i)));
    expect(res.status, res.text).toBe(200);
    expect(res.json.accepted).toBe(1000);
    expect(new Set(res.json.event_uuids).size).toBe(1000);
  });

  it("answers 413 for 1,001 events and accepts none of them", async () => {
    const tag = crypto.randomUUID();
    const res = await bulk(Array.from({ length: 1001 }, () => ({ event: "too_many", customer_id: tag })));
    expect(res.status, res.text).toBe(413);
    // A marker sent after the refused call: the events queue delivers in order, so once the marker
    // is stored anything the refused call had queued would be stored too.
    const marker = await bulk([{ event: "too_many_marker", customer_id: tag }]);
    expect(marker.status, marker.text).toBe(200);
    await waitFor(async () => (await storedCount(tag)) >= 1, { what: "the marker event to be stored" });
    expect(await storedCount(tag)).toBe(1);
  });

  it("answers 413 for a body over 5 MB", async () => {
    const blob = "x".repeat(6_000);
    const res = await bulk(Array.from({ length: 900 }, (_, i) => ev(i, { blob })));
    expect(res.status, res.text).toBe(413);
  });

  it("accepts a body just under 5 MB, packing it across several queue messages", async () => {
    const tag = crypto.randomUUID();
    const blob = "y".repeat(5_000);
    const res = await bulk(Array.from({ length: 1000 }, (_, i) => ({ event: "heavy", customer_id: tag, seq: i, blob })));
    expect(res.status, res.text).toBe(200);
    const stored = await waitFor(async () => ((await storedCount(tag)) === 1000 ? 1000 : undefined), {
      what: "1,000 heavy events stored",
      timeoutMs: 20_000,
    });
    expect(stored).toBe(1000);
  });

  it("rejects an oversized item inside a bulk call without rejecting the rest", async () => {
    const res = await bulk([ev(1), ev(2, { blob: "z".repeat(33_000) })]);
    expect(res.status, res.text).toBe(422);
    expect(res.json.accepted).toBe(1);
    expect(res.json.errors[0]).toMatchObject({ index: 1, field: "" });
    expect(res.json.errors[0].message).toMatch(/32768/);
  });

  it.each([
    ["an empty events array", { events: [] }],
    ["a missing events member", { items: [ev(1)] }],
    ["events that are not an array", { events: { 0: ev(1) } }],
    ["a top-level array", [ev(1)]],
  ])("answers 422 for %s", async (_name, body) => {
    const res = await call("/api/v1/bulkevents", { method: "POST", key: acct.event_api_key, json: body });
    expect(res.status, res.text).toBe(422);
    expect(res.json.errors.length).toBeGreaterThan(0);
  });
});
