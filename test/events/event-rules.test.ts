import { beforeAll, describe, expect, it } from "vitest";
import { validateEvent } from "../../src/events/contract/normalize";
import { uuidv7 } from "../../src/lib/uuid";
import { type Account, call, createAccount } from "../support/client";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("rules");
});

const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

const accepted: [string, Record<string, unknown>][] = [
  ["a customer_id alone", { event: "signup", customer_id: "c1" }],
  ["an integer customer_id", { event: "signup", customer_id: 42 }],
  ["an email alone", { event: "signup", email: "ann@example.com" }],
  ["a device_id alone", { event: "app_open", device_id: "d-1" }],
  ["a cookie alone", { event: "page_view", cookie: "ck-1" }],
  ["an empty identifier next to a present one", { event: "signup", email: "", customer_id: "c1" }],
  ["a 64-character name", { event: "e".repeat(64), customer_id: "c1" }],
  ["a name with digits and symbols", { event: "add_to_cart-2", customer_id: "c1" }],
  ["product_ids as an array", { event: "view", customer_id: "c1", product_ids: ["a", "b"] }],
  ["product_ids as a comma-separated string", { event: "view", customer_id: "c1", product_ids: "a,b,c" }],
  ["100 product_ids", { event: "view", customer_id: "c1", product_ids: Array.from({ length: 100 }, (_, i) => `p${i}`) }],
  ["a Z timestamp", { event: "view", customer_id: "c1", timestamp: "2016-02-02T04:19:42Z" }],
  ["a +00:00 timestamp", { event: "view", customer_id: "c1", timestamp: "2016-04-12T17:27:20+00:00" }],
  ["a timestamp with a fraction", { event: "view", customer_id: "c1", timestamp: "2016-04-12T17:27:20.123456Z" }],
  ["a timestamp with a non-UTC offset", { event: "view", customer_id: "c1", timestamp: "2016-04-12T17:27:20+05:30" }],
  ["a timestamp 23 h ahead", { event: "view", customer_id: "c1", timestamp: hoursFromNow(23) }],
  ["an event_uuid", { event: "view", customer_id: "c1", event_uuid: "0b7f8f4e-3c1d-4c8e-9a55-5c2b3a0d9e11" }],
  ["nested attributes", { event: "view", customer_id: "c1", cart: { items: [1, 2], total: 9.5 }, vip: true, note: null }],
];

const rejected: [string, unknown, string][] = [
  ["a missing event", { customer_id: "c1" }, "event"],
  ["an empty event", { event: "", customer_id: "c1" }, "event"],
  ["a 65-character event", { event: "e".repeat(65), customer_id: "c1" }, "event"],
  ["an event with a dot", { event: "a.b", customer_id: "c1" }, "event"],
  ["an event with a space", { event: "add to cart", customer_id: "c1" }, "event"],
  ["an event with a tab", { event: "add\tcart", customer_id: "c1" }, "event"],
  ["a numeric event '123'", { event: "123", customer_id: "c1" }, "event"],
  ["a numeric event '1.5'", { event: "1.5", customer_id: "c1" }, "event"],
  ["an event that is a JSON number", { event: 7, customer_id: "c1" }, "event"],
  ["no identifier", { event: "signup" }, "customer_id"],
  ["only empty identifiers", { event: "signup", customer_id: "", email: "", device_id: "", cookie: "" }, "customer_id"],
  ["an email without @", { event: "signup", email: "ann.example.com" }, "email"],
  ["an email of 65 characters", { event: "signup", email: `${"a".repeat(53)}@example.com` }, "email"],
  ["a non-string device_id", { event: "signup", device_id: { id: 1 } }, "device_id"],
  ["101 product_ids", { event: "view", customer_id: "c1", product_ids: Array.from({ length: 101 }, (_, i) => `p${i}`) }, "product_ids"],
  ["an empty product id", { event: "view", customer_id: "c1", product_ids: ["a", ""] }, "product_ids"],
  ["numeric product ids", { event: "view", customer_id: "c1", product_ids: [1, 2] }, "product_ids"],
  ["a basic-format timestamp", { event: "view", customer_id: "c1", timestamp: "20160412T172720Z" }, "timestamp"],
  ["a US date", { event: "view", customer_id: "c1", timestamp: "11/11/2011" }, "timestamp"],
  ["a date without a time", { event: "view", customer_id: "c1", timestamp: "2016-04-12" }, "timestamp"],
  ["a timestamp without an offset", { event: "view", customer_id: "c1", timestamp: "2016-04-12T17:27:20" }, "timestamp"],
  ["an impossible date", { event: "view", customer_id: "c1", timestamp: "2016-02-30T00:00:00Z" }, "timestamp"],
  ["a timestamp 25 h ahead", { event: "view", customer_id: "c1", timestamp: hoursFromNow(25) }, "timestamp"],
  ["a numeric timestamp", { event: "view", customer_id: "c1", timestamp: 1454386782 }, "timestamp"],
  ["a malformed event_uuid", { event: "view", customer_id: "c1", event_uuid: "not-a-uuid" }, "event_uuid"],
  ["a JSON array", [{ event: "view", customer_id: "c1" }], ""],
  ["a JSON string", "view", ""],
];

describe("POST /api/v1/event accepts every valid form of §3.1", () => {
  it.each(accepted)("accepts %s", async (_name, body) => {
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: body });
    expect(res.status, res.text).toBe(200);
    expect(res.json.status).toBe("ok");
    expect(res.json.event_uuid).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("POST /api/v1/event rejects every broken rule of §3.1 with 422", () => {
  it.each(rejected)("rejects %s", async (_name, body, field) => {
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: body });
    expect(res.status, res.text).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(
      res.json.errors.map((e: { field: string }) => e.field),
      res.text,
    ).toContain(field);
    for (const e of res.json.errors) expect(e.message.length).toBeGreaterThan(5);
  });

  it("lists every broken field of one event, not just the first", async () => {
    const res = await call("/api/v1/event", {
      method: "POST",
      key: acct.event_api_key,
      json: { event: "a.b", email: "nope", timestamp: "11/11/2011", product_ids: [""], event_uuid: "x" },
    });
    expect(res.status, res.text).toBe(422);
    const fields = new Set(res.json.errors.map((e: { field: string }) => e.field));
    expect([...fields].sort()).toEqual(["email", "event", "event_uuid", "product_ids", "timestamp"]);
  });

  it("echoes the sender's event_uuid in lower case", async () => {
    const res = await call("/api/v1/event", {
      method: "POST",
      key: acct.event_api_key,
      json: { event: "view", customer_id: "c1", event_uuid: "0B7F8F4E-3C1D-4C8E-9A55-5C2B3A0D9E11" },
    });
    expect(res.json.event_uuid, res.text).toBe("0b7f8f4e-3c1d-4c8e-9a55-5c2b3a0d9e11");
  });
});

// The contract sets no nesting limit; rules.ts sets 64 levels: SQLite's JSON stops at 1,000, and an
// event nested deeper, once stored, would fail every read of its account's events.
describe("attribute nesting", () => {
  const nested = (levels: number) => JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);
  let own: Account;
  beforeAll(async () => {
    own = await createAccount("nesting");
  });

  it("accepts an attribute nested 64 levels deep", async () => {
    const res = await call("/api/v1/event", { method: "POST", key: own.event_api_key, json: { event: "view", customer_id: "c1", x: nested(64) } });
    expect(res.status, res.text).toBe(200);
  });

  it("rejects an attribute nested 65 levels deep, naming it", async () => {
    const res = await call("/api/v1/event", { method: "POST", key: own.event_api_key, json: { event: "view", customer_id: "c1", x: nested(65), y: [] } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.errors).toEqual([{ field: "x", message: "nests objects and arrays more than 64 levels deep" }]);
  });

  it("lists a too-deep attribute next to the event's other broken fields", async () => {
    const deepObject = JSON.parse(`${'{"a":'.repeat(70)}1${"}".repeat(70)}`);
    const res = await call("/api/v1/event", { method: "POST", key: own.event_api_key, json: { event: "a.b", customer_id: "c1", o: deepObject } });
    expect(res.status, res.text).toBe(422);
    expect(res.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(["event", "o"]);
  });

  it("rejects only the too-deep item of a bulk call", async () => {
    const res = await call("/api/v1/bulkevents", {
      method: "POST",
      key: own.event_api_key,
      json: {
        events: [
          { event: "ok", customer_id: "c1" },
          { event: "deep", customer_id: "c1", x: nested(100) },
        ],
      },
    });
    expect(res.status, res.text).toBe(422);
    expect(res.json.accepted).toBe(1);
    expect(res.json.errors).toEqual([{ index: 1, field: "x", message: "nests objects and arrays more than 64 levels deep" }]);
  });
});

describe("the 32 KB event limit", () => {
  const sized = (bytes: number) => {
    const base = JSON.stringify({ event: "big", customer_id: "c1", blob: "" });
    return JSON.stringify({ event: "big", customer_id: "c1", blob: "x".repeat(bytes - base.length) });
  };

  it("accepts an event of exactly 32,768 bytes", async () => {
    const body = sized(32_768);
    expect(body.length).toBe(32_768);
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, body, headers: { "content-type": "application/json" } });
    expect(res.status, res.text).toBe(200);
  });

  it("answers 413 for 32,769 bytes", async () => {
    const res = await call("/api/v1/event", {
      method: "POST",
      key: acct.event_api_key,
      body: sized(32_769),
      headers: { "content-type": "application/json" },
    });
    expect(res.status, res.text).toBe(413);
    expect(res.json.status).toBe(413);
  });
});

describe("server-assigned event_uuid", () => {
  it("mints distinct version 7 ids within one millisecond, each carrying that millisecond", () => {
    const ms = Date.UTC(2026, 10, 28, 8, 0, 0, 123);
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(ms + (i >= 2500 ? 1 : 0)));
    expect(new Set(ids).size).toBe(5000);
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(ms + (i >= 2500 ? 1 : 0));
    }
  });

  it("is a version 7 UUID whose time prefix is the receipt time", async () => {
    const before = Date.now();
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: { event: "view", customer_id: "c1" } });
    const uuid: string = res.json.event_uuid;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before - 1000);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe("timestamps are stored in one form: ISO 8601 UTC with milliseconds", () => {
  const cases: [string, string | null][] = [
    ["2016-02-02T04:19:42Z", "2016-02-02T04:19:42.000Z"],
    ["2016-02-02T04:19:42.250Z", "2016-02-02T04:19:42.250Z"],
    ["2016-04-12T17:27:20.123456Z", "2016-04-12T17:27:20.123Z"],
    ["2016-04-12T17:27:20+05:30", "2016-04-12T11:57:20.000Z"],
    ["2016-04-12T17:27:20-0100", "2016-04-12T18:27:20.000Z"],
    ["2016-04-12t17:27:20z", "2016-04-12T17:27:20.000Z"],
    ["2016-04-12T17:27Z", "2016-04-12T17:27:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"],
    ["2023-02-29T00:00:00Z", null],
    ["1900-02-29T00:00:00Z", null],
    ["2016-04-31T00:00:00Z", null],
    ["2016-04-12T24:00:00Z", null],
  ];
  it.each(cases)("%s → %s", (sent, stored) => {
    // Twice: the parser keeps its last answer, which must not change the result.
    for (let i = 0; i < 2; i++) {
      const result = validateEvent({ event: "e", customer_id: "c", timestamp: sent }, Date.now());
      if (stored === null) expect(result.ok).toBe(false);
      else expect(result.ok && result.event.timestamp).toBe(stored);
    }
  });
});
