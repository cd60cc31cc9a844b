import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Decoding, readRecords } from "../../src/imports/chunk/csv-reader";
import { type Account, call, createAccount } from "../support/client";
import { importFile } from "../support/imports";
import { waitFor } from "../support/wait";

// Property tests: many generated inputs per property, each checked against a reference.

/** Writes rows as CSV the way a careful exporter would: quote when needed, double the quotes. */
function toCsv(rows: string[][], delimiter: string, newline: string): string {
  const cell = (c: string) => (c.includes(delimiter) || c.includes('"') || c.includes("\n") || c.includes("\r") || c === "" ? `"${c.replace(/"/g, '""')}"` : c);
  return rows.map((r) => r.map(cell).join(delimiter)).join(newline) + newline;
}

function pieces(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = sizes[i++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
}

const cellArb = fc.string({ unit: fc.constantFrom("a", "b", "Z", "é", "🎉", " ", ",", ";", "\t", "|", '"', "\n", "\r\n", "x"), maxLength: 8 });

describe("CSV reading, against the rows that were written", () => {
  it("reads back exactly the generated rows, whatever the quoting, delimiter, line ending, encoding and read boundaries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }).chain((width) => fc.array(fc.array(cellArb, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 12 })),
        fc.constantFrom(",", ";", "\t", "|"),
        fc.constantFrom("\n", "\r\n"),
        fc.constantFrom("utf-8", "utf-16le"),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 5 }),
        async (rows, delimiter, newline, label, sizes, perChunk) => {
          // A row of one empty cell is a blank line in CSV: not a record. Give such rows a second cell.
          const data = rows.map((r) => (r.length === 1 && r[0] === "" ? ["", ""] : r));
          const text = toCsv(data, delimiter, newline);
          const bytes = label === "utf-8" ? new TextEncoder().encode(text) : utf16le(text);
          const dec: Decoding = { label, newline: newline as Decoding["newline"], delimiter };
          // Read it in chunks of `perChunk` records, resuming from each reported position.
          const got: string[][] = [];
          let from = { offset: 0, line: 1 };
          for (let guard = 0; guard < 100; guard++) {
            const res = await readRecords(pieces(bytes.slice(from.offset), sizes), from, dec, perChunk, 1e6);
            got.push(...res.records.map((r) => r.cells));
            from = res.next;
            if (res.eof || from.offset >= bytes.length) break;
          }
          expect(got).toEqual(data);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("hostile input never crashes or sticks", () => {
  let acct: Account;
  it("answers any byte string sent as an event with a 4xx problem, never a 500", async () => {
    acct = await createAccount("props");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom("/api/v1/event", "/api/v1/bulkevents"), async (body, path) => {
        const res = await call(path, { method: "POST", key: acct.event_api_key, body, headers: { "content-type": "application/json" } });
        expect(res.status, res.text).toBeGreaterThanOrEqual(400);
        expect(res.status, res.text).toBeLessThan(500);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }),
      { numRuns: 60 },
    );
  });

  it("answers any body sent to any route that takes one with a status below 500, problem+json when refused", async () => {
    const owner = await createAccount("props-routes");
    const task = (await call("/api/v1/imports", { method: "POST", key: owner.user_api_key, json: { name: "target", source: { type: "upload" } } })).json;
    const doc = (await call("/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    // Every route with a body, from the document (so routes added later are covered), with real ids.
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ["post", "put", "patch"].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path: path.replace(/\{id\}/g, task.id).replace(/\{(\w+)\}/g, "x") })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const auth = (path: string) =>
      path.startsWith("/admin/")
        ? { headers: { authorization: "Bearer test-admin-token-0123456789" } }
        : { key: /\/(event|bulkevents)$/.test(path) ? owner.event_api_key : owner.user_api_key };
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        body,
        fc.constantFrom("application/json", "text/csv", "application/octet-stream"),
        async (route, bytes, type) => {
          const a = auth(route.path);
          const res = await call(route.path, {
            method: route.method,
            ...a,
            body: bytes,
            headers: { ...("headers" in a ? a.headers : {}), "content-type": type },
          });
          expect(res.status, `${route.method} ${route.path}: ${res.text}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
        },
      ),
      { numRuns: 150 },
    );
  });

  it("ends the run of any byte string uploaded as a file, processed or failed", async () => {
    acct ??= await createAccount("props");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const { run } = await importFile(acct, bytes);
        const ended = run.fetch.status === "failed" || run.processing.status === "processed" || run.processing.status === "failed";
        expect(ended, JSON.stringify(run)).toBe(true);
        if (run.processing?.status === "processed") expect(run.rows.total).toBe(run.rows.processed + run.rows.errored);
      }),
      { numRuns: 12 },
    );
  });
});

describe("a valid event survives validate → queue → store unchanged", () => {
  it("reads back every generated valid event as sent", async () => {
    const acct = await createAccount("props-events");
    const name = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,20}$/);
    // Well-formed text only: a lone surrogate cannot travel in a UTF-8 request body at all.
    const attr = fc.jsonValue({ maxDepth: 2, stringUnit: "grapheme" });
    await fc.assert(
      fc.asyncProperty(
        name,
        fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
        fc.option(fc.stringMatching(/^[a-z]{1,8}@[a-z]{1,8}\.com$/), { nil: undefined }),
        fc.array(fc.stringMatching(/^[a-z0-9-]{1,6}$/), { maxLength: 5 }),
        fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date(Date.now()), noInvalidDate: true }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), attr, { maxKeys: 4 }),
        async (event, customer, email, products, when, extra) => {
          const attributes = Object.fromEntries(Object.entries(extra).filter(([k]) => !["event", "email", "cookie", "timestamp"].includes(k)));
          const tag = `${customer}-${crypto.randomUUID()}`;
          const sent = { ...attributes, event, customer_id: tag, ...(email ? { email } : {}), product_ids: products, timestamp: when.toISOString() };
          const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, json: sent });
          expect(res.status, res.text).toBe(200);
          const stored = await waitFor(
            async () => {
              const r = await call(`/api/v1/events?customer_id=${encodeURIComponent(tag)}`, { key: acct.user_api_key });
              return r.json.events[0];
            },
            { what: "the event to be stored", timeoutMs: 5_000 },
          );
          expect(stored).toMatchObject({
            event,
            customer_id: tag,
            email: email ?? null,
            product_ids: products,
            timestamp: when.toISOString(),
            attributes: JSON.parse(JSON.stringify(attributes)),
          });
        },
      ),
      { numRuns: 15, endOnFailure: true },
    );
  }, 60_000);
});
