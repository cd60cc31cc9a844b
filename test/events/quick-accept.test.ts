import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quickAccept } from "../../src/events/contract/quick-accept";
import { EVENT_FIELDS } from "../../src/events/contract/rules";
import { EventInput } from "../../src/events/contract/schema";

// quickAccept is a shortcut past the zod schema; the schema is the definition. Whatever the
// shortcut accepts, the schema must accept too, with the same result.
const KNOWN = EVENT_FIELDS;
const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const absent = fc.constant(undefined);

const eventArb = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_-]{0,20}$/),
  fc.constantFrom("", "a.b", "add to cart", "tab\tname", "nbsp\u00a0name", "123", "1.5", "1e5", "-.5", "e".repeat(64), "e".repeat(65), "é☃"),
  fc.constantFrom(7, null, true),
);
const identifierArb = fc.oneof(
  absent,
  fc.constantFrom(null, "", "c-1", "x".repeat(1024), "x".repeat(1025), 42, 1.5, -3, {}, ["a"]),
  fc.string({ maxLength: 6 }),
);
const emailArb = fc.oneof(
  absent,
  fc.constantFrom(null, "", "ann@example.com", "ann.example.com", "a b@c.de", `${"a".repeat(52)}@example.com`, `${"a".repeat(53)}@example.com`, 5),
);
const productIdsArb = fc.oneof(
  absent,
  fc.constantFrom(
    null,
    [],
    "a,b",
    " , ",
    "",
    ["a", ""],
    [1, 2],
    Array.from({ length: 100 }, (_, i) => `p${i}`),
    Array.from({ length: 101 }, (_, i) => `p${i}`),
  ),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 4 }),
);
const timestampArb = fc.oneof(
  absent,
  fc.constantFrom(
    null,
    "2016-02-02T04:19:42Z",
    "2016-04-12T17:27:20.123456+05:30",
    "2016-02-29T00:00:00Z",
    "2015-02-29T00:00:00Z",
    "2016-04-12T17:27:20",
    "2016-04-12",
    1454386782,
    "",
    hours(23),
    hours(25),
  ),
  fc.date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
);
const uuidArb = fc.oneof(absent, fc.constantFrom(null, "not-a-uuid", 5, "0B7F8F4E-3C1D-4C8E-9A55-5C2B3A0D9E11"), fc.uuid());
const attributesArb = fc.dictionary(
  fc.string({ maxLength: 8 }).filter((k) => !KNOWN.has(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);

const eventLike = fc
  .record({
    event: eventArb,
    customer_id: identifierArb,
    email: emailArb,
    device_id: identifierArb,
    cookie: identifierArb,
    product_ids: productIdsArb,
    timestamp: timestampArb,
    event_uuid: uuidArb,
  })
  .chain((known) => attributesArb.map((attributes) => ({ known, attributes })))
  .map(({ known, attributes }) => {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(known)) if (v !== undefined) raw[k] = v;
    return Object.assign(raw, attributes);
  });

describe("quickAccept", () => {
  it("accepts only events the schema accepts, with the same fields and the same attributes in the same order", () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(eventLike, (raw) => {
        runs++;
        const quick = quickAccept(raw);
        if (quick === null) return;
        taken++;
        const parsed = EventInput.safeParse(raw);
        expect(parsed.success, JSON.stringify(raw)).toBe(true);
        const data = parsed.data as Record<string, unknown>;
        for (const k of KNOWN) expect(quick[k as keyof typeof quick], k).toEqual(data[k]);
        const others = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).filter(([k]) => !KNOWN.has(k)));
        expect(others(quick)).toBe(others(data));
      }),
      { numRuns: 3000 },
    );
    // The generators must reach the shortcut often enough for the property to mean something.
    expect(taken / runs).toBeGreaterThan(0.02);
  });

  it.each<[string, Record<string, unknown>]>([
    [
      "the usual event",
      { event: "purchase", customer_id: "c-1", email: "ann@example.com", product_ids: ["a"], timestamp: "2016-02-02T04:19:42Z", amount: 9.5 },
    ],
    ["an event with only a cookie", { event: "page_view", cookie: "ck" }],
  ])("takes %s without the schema", (_, raw) => {
    expect(quickAccept(raw)).toBe(raw);
  });

  it.each<[string, Record<string, unknown>]>([
    ["an integer customer_id", { event: "signup", customer_id: 42 }],
    ["product_ids as a string", { event: "view", customer_id: "c", product_ids: "a,b" }],
    ["no identifier", { event: "signup" }],
    ["a numeric event name", { event: "1e5", customer_id: "c" }],
    ["a timestamp 25 h ahead", { event: "view", customer_id: "c", timestamp: hours(25) }],
  ])("leaves %s to the schema", (_, raw) => {
    expect(quickAccept(raw)).toBeNull();
  });
});
