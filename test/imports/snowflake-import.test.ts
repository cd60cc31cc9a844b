import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { jwtAccount } from "../../src/imports/sources/snowflake/jwt";
import { type Account, call, createAccount } from "../support/client";
import { eventsOf as importedEvents, settledRun } from "../support/imports";

const base = () => `http://127.0.0.1:${inject("snowflakePort")}`;
let acct: Account;
beforeAll(async () => {
  acct = await createAccount("snowflake");
});
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`/api/v1${path}`, { key: acct.user_api_key, ...init });

async function dataset(name: string, ds: Record<string, unknown>) {
  const res = await fetch(`${base()}/_test/dataset`, { method: "POST", body: JSON.stringify({ name, partitionSize: 1000, ...ds }) });
  expect(res.ok).toBe(true);
}
const stats = async (name: string) => (await fetch(`${base()}/_test/stats?name=${name}`)).json() as Promise<{ executions: number; bindings: unknown[] }>;

async function snowflakeTask(query: string, { source: sourceExtra = {}, ...extra }: Record<string, unknown> = {}) {
  const res = await api("/imports", {
    method: "POST",
    json: {
      name: "warehouse",
      source: {
        type: "snowflake",
        // A locator with its region: the JWT must name TESTACCT only.
        account: "testacct.us-east-2.aws",
        user: "loader",
        private_key: inject("snowflakeKey"),
        warehouse: "WH",
        database: "DB",
        schema: "PUBLIC",
        query,
        endpoint: base(),
        ...(sourceExtra as object),
      },
      schedule: { frequency: "daily" },
      default_event: "sf_event",
      ...extra,
    },
  });
  expect(res.status, res.text).toBe(201);
  expect((await api(`/imports/${res.json.id}/launch`, { method: "POST" })).status).toBe(200);
  return res.json.id as string;
}
async function runNow(taskId: string) {
  const res = await api(`/imports/${taskId}/run`, { method: "POST" });
  expect(res.status, res.text).toBe(202);
  return settledRun(acct, taskId, 30_000);
}
const eventsOf = (customerId: string) => importedEvents(acct, customerId);

describe("the JWT account name", () => {
  it.each([
    ["xy12345", "XY12345"],
    ["xy12345.us-east-2.aws", "XY12345"],
    ["XY12345.eu-central-1", "XY12345"],
    ["myorg-my_account", "MYORG-MY_ACCOUNT"],
    ["myorg.myaccount", "MYORG-MYACCOUNT"],
  ])("%s → %s", (given, expected) => {
    expect(jwtAccount(given)).toBe(expected);
  });
});

describe("Snowflake imports through the SQL API v2", () => {
  it("decodes every type from rowType and stores the rows", async () => {
    const tag = crypto.randomUUID();
    await dataset("typed", {
      rowType: [
        { name: "CUSTOMER_ID", type: "TEXT" }, // upper case on purpose: compared case-insensitively
        { name: "BIG", type: "fixed" },
        { name: "PRICE", type: "fixed", scale: 2 },
        { name: "RATIO", type: "real" },
        { name: "ACTIVE", type: "boolean" },
        { name: "BORN", type: "date" },
        { name: "AT", type: "time" },
        { name: "TIMESTAMP", type: "timestamp_ntz" },
        { name: "SEEN_LTZ", type: "timestamp_ltz" },
        { name: "SEEN_TZ", type: "timestamp_tz" },
        { name: "PROPS", type: "variant" },
        { name: "TAGS", type: "array" },
        { name: "BLOB", type: "binary" },
        { name: "MISSING", type: "text" },
      ],
      rows: [
        [
          tag,
          "12345678901234567890",
          "19.90",
          "1.5",
          "true",
          "18262",
          "82919.500000000",
          "1616173619.123456789",
          "1616173619.000000000",
          "1616173619.000000000 1500",
          '{\n  "a": 1\n}',
          '[\n  "x",\n  "y"\n]',
          "48656c6c6f",
          null,
        ],
      ],
    });
    const run = await runNow(await snowflakeTask("select * from typed"));
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.rows).toEqual({ total: 1, processed: 1, errored: 0 });
    const [e] = await eventsOf(tag);
    expect(e.event).toBe("sf_event");
    expect(e.timestamp).toBe("2021-03-19T17:06:59.123Z");
    expect(e.attributes).toEqual({
      big: "12345678901234567890",
      price: 19.9,
      ratio: 1.5,
      active: true,
      born: "2020-01-01",
      at: "23:01:59.500",
      seen_ltz: "2021-03-19T17:06:59.000Z",
      seen_tz: "2021-03-19T17:06:59.000Z",
      props: { a: 1 },
      tags: ["x", "y"],
      blob: "48656c6c6f",
    });
  });

  it("reads every gzip partition, polls 202s, and survives a 429 and a partition 500 without re-running the statement", async () => {
    const tag = crypto.randomUUID();
    await dataset("parted", {
      rowType: [
        { name: "customer_id", type: "text" },
        { name: "n", type: "fixed" },
      ],
      rows: Array.from({ length: 25 }, (_, i) => [tag, String(i)]),
      partitionSize: 4,
      faults: { polls: 3, post429: 1, partition500: 1 },
    });
    const run = await runNow(await snowflakeTask("select * from parted"));
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.files).toHaveLength(7);
    expect(run.rows).toEqual({ total: 25, processed: 25, errored: 0 });
    expect((await eventsOf(tag)).map((e) => e.attributes.n).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await stats("parted")).executions).toBe(1);
  });

  it("stages a result of more partitions than a fetch job takes over several jobs, running the statement once and keeping the largest watermark cell", async () => {
    const tag = crypto.randomUUID();
    // 12 partitions: more than one job's 10. The largest n is in partition 0, staged by the first job.
    await dataset("many", {
      rowType: [
        { name: "customer_id", type: "text" },
        { name: "n", type: "fixed" },
      ],
      rows: Array.from({ length: 23 }, (_, i) => [tag, String(i === 0 ? 100 : i)]),
      partitionSize: 2,
    });
    const taskId = await snowflakeTask("select * from many", { source: { incremental_column: "n" } });
    const run = await runNow(taskId);
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.files).toHaveLength(12);
    expect(run.rows).toEqual({ total: 23, processed: 23, errored: 0 });
    expect((await stats("many")).executions).toBe(1);
    const task = await env.DB.prepare("SELECT watermark FROM tasks WHERE id = ?").bind(taskId).first<{ watermark: string }>();
    expect(JSON.parse(task!.watermark).cell).toBe("100");
  });

  it("resubmits with the same requestId after a 500, so the statement runs once", async () => {
    const tag = crypto.randomUUID();
    await dataset("lost", { rowType: [{ name: "email", type: "text" }], rows: [[`${tag}@example.com`]], faults: { post500AfterExecute: 1 } });
    const run = await runNow(await snowflakeTask("select * from lost"));
    expect(run.rows.processed, JSON.stringify(run)).toBe(1);
    expect((await stats("lost")).executions).toBe(1);
  });

  it("imports only rows past the watermark, bound as a parameter, across three runs", async () => {
    const tag = crypto.randomUUID();
    const row = (i: number) => [tag, `${1_700_000_000 + i * 60}.000000000`, String(i)];
    const rowType = [
      { name: "customer_id", type: "text" },
      { name: "UPDATED_AT", type: "timestamp_ntz" },
      { name: "n", type: "fixed" },
    ];
    await dataset("orders", { rowType, rows: [0, 1, 2].map(row) });
    const taskId = await snowflakeTask("select * from orders", { source: { incremental_column: "updated_at" } });
    expect((await runNow(taskId)).rows.processed).toBe(3);

    await dataset("orders", { rowType, rows: [0, 1, 2, 3, 4].map(row) });
    const second = await runNow(taskId);
    expect(second.rows).toEqual({ total: 2, processed: 2, errored: 0 });

    const third = await runNow(taskId);
    expect(third.fetch.status).toBe("fetched");
    expect(third.processing.status).toBe("processed");
    expect(third.rows).toEqual({ total: 0, processed: 0, errored: 0 });

    expect((await eventsOf(tag)).length).toBe(5);
    const seen = (await stats("orders")).bindings;
    expect(seen[0]).toBeNull();
    expect(seen[1]).toEqual({ "1": { type: "TIMESTAMP_NTZ", value: "1700000120000000000" } });
    expect(seen[2]).toEqual({ "1": { type: "TIMESTAMP_NTZ", value: "1700000240000000000" } });
    const task = await env.DB.prepare("SELECT watermark FROM tasks WHERE id = ?").bind(taskId).first<{ watermark: string }>();
    expect(JSON.parse(task!.watermark).cell).toBe("1700000240.000000000");
  });

  it.each([
    ["a query Snowflake rejects (422)", "select * from nowhere", {}, /^002003: SQL compilation error/],
    ["a key Snowflake does not know (401)", "select * from typed", { source: { user: "someone_else" } }, /^390144: JWT token is invalid/],
  ])("ends the fetch failed with Snowflake's code for %s", async (_name, query, extra, error) => {
    const taskId = await snowflakeTask(query, extra);
    const run = await runNow(taskId);
    expect(run.fetch.status).toBe("failed");
    expect(run.fetch.error).toMatch(error);
    expect((await api(`/imports/${taskId}`)).json.status).toBe("launched");
  });

  it("never returns the private key", async () => {
    const taskId = await snowflakeTask("select * from typed");
    const read = await api(`/imports/${taskId}`);
    expect(read.json.source.private_key).toBe("********");
    expect(read.text).not.toContain("BEGIN PRIVATE KEY");
  });
});
