import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { eventsOf as importedEvents, importFile } from "../support/imports";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("formats");
});

const eventsOf = (customerId: string) => importedEvents(acct, customerId);
async function errorsCsv(taskId: string, runId: string) {
  return (await call(`/api/v1/imports/${taskId}/runs/${runId}/errors.csv`, { key: acct.user_api_key })).text;
}

function utf16(text: string, endian: "le" | "be"): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set(endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + i * 2] = endian === "le" ? c & 0xff : c >> 8;
    out[3 + i * 2] = endian === "le" ? c >> 8 : c & 0xff;
  }
  return out;
}
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Ten rows, so every file crosses the tests' 4-row chunk boundaries. */
const rows = (tag: string, d = ",", nl = "\n", name = "Zoë") =>
  [`event${d}customer_id${d}name`, ...Array.from({ length: 10 }, (_, i) => `view${d}${tag}${d}${name} ${i}`)].join(nl) + nl;

describe("encodings, delimiters and line breaks", () => {
  const cases: [string, (tag: string) => BodyInit, Record<string, unknown>][] = [
    ["UTF-8", (t) => rows(t), {}],
    ["UTF-8 with a BOM", (t) => `\ufeff${rows(t)}`, {}],
    ["UTF-16 LE with a BOM", (t) => utf16(rows(t), "le"), { format: { encoding: "utf-16" } }],
    ["UTF-16 BE with a BOM", (t) => utf16(rows(t), "be"), { format: { encoding: "utf-16" } }],
    ["ISO-8859-1", (t) => latin1(rows(t)), { format: { encoding: "iso-8859-1" } }],
    ["CRLF line breaks", (t) => rows(t, ",", "\r\n"), {}],
    ["CR line breaks", (t) => rows(t, ",", "\r"), {}],
    ["tabs", (t) => rows(t, "\t"), { format: { delimiter: "tab" } }],
    ["pipes", (t) => rows(t, "|"), { format: { delimiter: "|" } }],
    ["semicolons", (t) => rows(t, ";"), { format: { delimiter: "semicolon" } }],
    ["any single character", (t) => rows(t, "^"), { format: { delimiter: "^" } }],
  ];
  it.each(cases)("imports %s", async (_name, body, task) => {
    const tag = crypto.randomUUID();
    const { run } = await importFile(acct, body(tag), task);
    expect(run.processing?.status, JSON.stringify(run)).toBe("processed");
    expect(run.rows).toEqual({ total: 10, processed: 10, errored: 0 });
    const events = await eventsOf(tag);
    expect(events.map((e) => e.attributes.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `Zoë ${i}`));
  });

  it("imports a gzip file, recognised by its content", async () => {
    const tag = crypto.randomUUID();
    const { run } = await importFile(acct, await gzip(rows(tag)));
    expect(run.rows, JSON.stringify(run)).toEqual({ total: 10, processed: 10, errored: 0 });
  });

  it("keeps delimiters and line breaks inside quoted fields, and counts lines from where records start", async () => {
    const tag = crypto.randomUUID();
    const csv = [
      "event,customer_id,note",
      `view,${tag},"a, b"`,
      `view,${tag},"line one`,
      `line two, still the note"`,
      `bad.name,${tag},"x`,
      `y"`,
      `view,${tag},"say ""hi"""`,
      `view,${tag},plain`,
    ].join("\r\n");
    const { taskId, run } = await importFile(acct, csv);
    expect(run.rows, JSON.stringify(run)).toEqual({ total: 5, processed: 4, errored: 1 });
    const notes = (await eventsOf(tag)).map((e) => e.attributes.note).sort();
    expect(notes).toEqual(["a, b", "line one\r\nline two, still the note", "plain", 'say "hi"']);
    const report = (await errorsCsv(taskId, run.id)).split("\r\n");
    expect(report[1]).toBe(`bad.name,${tag},"x\r\ny",5,event: must not contain '.'`.split("\r\n")[0]);
    expect(report.join("\n")).toContain(",5,event: must not contain '.'");
  });

  it("splits product_ids on the task's delimiter and types mapped columns", async () => {
    const tag = crypto.randomUUID();
    const csv = [
      "Event Name,CUSTOMER_ID,Products,qty,price,vip,born,tags,Extra Col",
      `buy,${tag},a|b|c,3,9.99,true,1990-05-01,x;y,keep me`,
      `buy,${tag},,x,1,false,,,`,
      `buy,${tag},,1,1.5e3,,1990-01-01,,`,
      `buy,${tag},,2,abc,yes,not-a-date,,`,
    ].join("\n");
    const { taskId, run } = await importFile(acct, csv, {
      format: { product_ids_delimiter: "|" },
      mapping: {
        "event name": "event",
        products: "product_ids",
        qty: { field: "quantity", type: "integer" },
        price: { field: "price", type: "decimal" },
        vip: { field: "vip", type: "boolean" },
        born: { field: "born", type: "date" },
        tags: { field: "tags", type: "array" },
      },
      default_event: null,
    });
    expect(run.rows, JSON.stringify(run)).toEqual({ total: 4, processed: 1, errored: 3 });
    const [e] = await eventsOf(tag);
    expect(e.event).toBe("buy");
    expect(e.product_ids).toEqual(["a", "b", "c"]);
    expect(e.attributes).toEqual({ quantity: 3, price: 9.99, vip: true, born: "1990-05-01", tags: ["x;y"], "extra col": "keep me" });
    const report = await errorsCsv(taskId, run.id);
    // Quotes inside a CSV cell are doubled.
    expect(report).toMatch(/quantity: ""x"" is not an integer/);
    expect(report).toMatch(/vip: must be true or false, not blank/);
    expect(report).toMatch(/price: ""abc"" is not a decimal number/);
    expect(report).toMatch(/vip: ""yes"" is not true or false/);
    expect(report).toMatch(/born: ""not-a-date"" is not an ISO 8601 date/);
  });

  it("keeps columns named __proto__ and constructor as attributes", async () => {
    const tag = crypto.randomUUID();
    const { run } = await importFile(acct, `event,customer_id,__proto__,constructor,n\nview,${tag},p,c,7\n`, {
      mapping: { n: { field: "__proto__x", type: "integer" } },
    });
    expect(run.rows, JSON.stringify(run)).toEqual({ total: 1, processed: 1, errored: 0 });
    const [e] = await eventsOf(tag);
    expect(Object.hasOwn(e.attributes, "__proto__")).toBe(true);
    expect(e.attributes).toEqual(JSON.parse('{"__proto__":"p","constructor":"c","__proto__x":7}'));
  });

  it("guards the error report against spreadsheet formulas", async () => {
    const tag = crypto.randomUUID();
    const csv = ["event,customer_id,note,timestamp", `=cmd,${tag},@SUM(A1),-1`, `ok,${tag},"+1, ""x""",+2`].join("\n");
    const { taskId, run } = await importFile(acct, csv);
    const lines = (await errorsCsv(taskId, run.id)).split("\r\n");
    expect(lines[1]).toMatch(new RegExp(`^'=cmd,${tag},'@SUM\\(A1\\),'-1,2,"timestamp: `));
    expect(lines[2]).toMatch(new RegExp(`^ok,${tag},"'\\+1, ""x""",'\\+2,3,"timestamp: `));
  });
});
