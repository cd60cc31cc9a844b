import { env } from "cloudflare:test";
import { AwsClient } from "aws4fetch";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { runs, settledRun } from "../support/imports";
import { countStored } from "../support/shards";
import { waitFor } from "../support/wait";

// s3rver's built-in credentials; it verifies every signature made with them.
const CREDS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const s3 = new AwsClient({ ...CREDS, service: "s3", region: "us-east-1", retries: 0 });
const direct = () => `http://127.0.0.1:${inject("s3Port")}`;
const faulty = () => `http://127.0.0.1:${inject("s3FaultPort")}`;

let acct: Account;
let other: Account;
beforeAll(async () => {
  acct = await createAccount("s3");
  other = await createAccount("s3-other");
});

async function put(key: string, body: BodyInit, bucket = "events") {
  const url = `${direct()}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  const res = await s3.fetch(url, { method: "PUT", body });
  if (!res.ok) throw new Error(`put ${key}: ${res.status} ${await res.text()}`);
}

const api = (path: string, init: Parameters<typeof call>[1] = {}, who = acct) => call(`/api/v1${path}`, { key: who.user_api_key, ...init });

async function s3Task(source: Record<string, unknown>, who = acct) {
  const res = await api(
    "/imports",
    {
      method: "POST",
      json: {
        name: "s3 import",
        source: {
          type: "s3",
          bucket: "events",
          region: "us-east-1",
          endpoint: direct(),
          access_key_id: CREDS.accessKeyId,
          secret_access_key: CREDS.secretAccessKey,
          ...source,
        },
        schedule: { frequency: "daily" },
        default_event: "s3_event",
      },
    },
    who,
  );
  expect(res.status, res.text).toBe(201);
  const launched = await api(`/imports/${res.json.id}/launch`, { method: "POST" }, who);
  expect(launched.status, launched.text).toBe(200);
  return res.json.id as string;
}

async function runNow(taskId: string, who = acct) {
  const res = await api(`/imports/${taskId}/run`, { method: "POST" }, who);
  expect(res.status, res.text).toBe(202);
  return settledRun(who, taskId, 30_000);
}

const csv = (tag: string, n: number, start = 0) => `customer_id,n\n${Array.from({ length: n }, (_, i) => `${tag},${start + i}`).join("\n")}\n`;
const countFor = (tag: string, who = acct) => countStored(who.account_id, "customer_id = ?", tag);

describe("S3 imports against a signature-checking S3 server", () => {
  it("imports every object over several listing pages and fetch jobs, keeping only keys that match the pattern", async () => {
    const tag = crypto.randomUUID();
    const prefix = `pages-${tag}/`;
    const days = Array.from({ length: 12 }, (_, i) => i); // more than one fetch job's 10 objects
    for (const i of days) await put(`${prefix}day-${i}.csv`, csv(tag, 3, i * 3));
    await put(`${prefix}nested/deep.csv`, csv(tag, 2, 100));
    await put(`${prefix}notes.txt`, "not csv");
    const taskId = await s3Task({ prefix, pattern: "*.csv" });
    const run = await runNow(taskId);
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.processing.status).toBe("processed");
    expect(run.files.map((f: { name: string }) => f.name).sort()).toEqual(days.map((i) => `${prefix}day-${i}.csv`).sort());
    expect(run.rows).toEqual({ total: 36, processed: 36, errored: 0 });
    expect(await countFor(tag)).toBe(36);

    const deep = await s3Task({ prefix, pattern: "**/*.csv" });
    const all = await runNow(deep);
    expect(all.files).toHaveLength(13);
  });

  it("imports an object once per ETag: nothing new is a processed run with 0 rows; a changed object is imported again", async () => {
    const tag = crypto.randomUUID();
    const prefix = `etag-${tag}/`;
    await put(`${prefix}a.csv`, csv(tag, 2));
    await put(`${prefix}b.csv`, csv(tag, 2, 2));
    const taskId = await s3Task({ prefix });
    expect((await runNow(taskId)).rows).toEqual({ total: 4, processed: 4, errored: 0 });

    const nothing = await runNow(taskId);
    expect(nothing.fetch.status).toBe("fetched");
    expect(nothing.processing.status).toBe("processed");
    expect(nothing.rows).toEqual({ total: 0, processed: 0, errored: 0 });
    expect(nothing.files).toEqual([]);

    await put(`${prefix}b.csv`, csv(tag, 3, 10)); // new content, new ETag
    const changed = await runNow(taskId);
    expect(changed.files.map((f: { name: string }) => f.name)).toEqual([`${prefix}b.csv`]);
    expect(changed.rows.total).toBe(3);
    expect(await countFor(tag)).toBe(7);
    expect(await runs(acct, taskId)).toHaveLength(3);
  });

  it("imports a gzip object", async () => {
    const tag = crypto.randomUUID();
    const gz = new Uint8Array(await new Response(new Blob([csv(tag, 4)]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    await put(`gz-${tag}/data.csv.gz`, gz);
    const run = await runNow(await s3Task({ prefix: `gz-${tag}/` }));
    expect(run.rows, JSON.stringify(run)).toEqual({ total: 4, processed: 4, errored: 0 });
  });

  it("retries an object that fails once with 500, and resumes one whose download breaks off", async () => {
    const tag = crypto.randomUUID();
    await put(`faults-${tag}/fail-once-500.csv`, csv(tag, 3));
    await put(`faults-${tag}/break-once.csv`, csv(tag, 400, 3));
    const run = await runNow(await s3Task({ prefix: `faults-${tag}/`, endpoint: faulty() }));
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.rows).toEqual({ total: 403, processed: 403, errored: 0 });
    expect(await countFor(tag)).toBe(403);
  });

  it("gives up on a download that goes silent mid-body and resumes it from the byte it reached", async () => {
    const tag = crypto.randomUUID();
    await put(`stall-${tag}/stall-once.csv`, csv(tag, 400));
    const run = await runNow(await s3Task({ prefix: `stall-${tag}/`, endpoint: faulty() }));
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.rows).toEqual({ total: 400, processed: 400, errored: 0 });
    expect(await countFor(tag)).toBe(400);
  });

  it.each([
    ["breaks off", "break-once"],
    ["goes silent", "stall-once"],
  ])("retries a listing whose answer %s half-way", async (_name, fault) => {
    const tag = crypto.randomUUID();
    await put(`list-${fault}-${tag}/a.csv`, csv(tag, 3));
    const run = await runNow(await s3Task({ prefix: `list-${fault}-${tag}/`, endpoint: faulty() }));
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.rows).toEqual({ total: 3, processed: 3, errored: 0 });
  });

  it.each([
    ["a wrong secret", { secret_access_key: "not-the-secret" }, /^SignatureDoesNotMatch: /],
    ["an unknown access key", { access_key_id: "NOBODY" }, /^InvalidAccessKeyId: /],
    ["a missing bucket", { bucket: "no-such-bucket" }, /^NoSuchBucket: The specified bucket does not exist/],
  ])("ends the fetch failed with S3's code for %s, and keeps the task launched", async (_name, source, error) => {
    const taskId = await s3Task({ prefix: "whatever/", ...source });
    const run = await runNow(taskId);
    expect(run.fetch.status).toBe("failed");
    expect(run.fetch.error).toMatch(error);
    expect(run.fetch.error).not.toMatch(/<Error>|<Code>/);
    expect(run.processing).toEqual({ status: null, started_at: null, ended_at: null, error: null });
    const task = (await api(`/imports/${taskId}`)).json;
    expect(task.status).toBe("launched");
    expect(task.last_fetch.status).toBe("failed");
  });

  it("keeps S3 credentials to their account and never returns the secret", async () => {
    const taskId = await s3Task({ prefix: "nothing/" });
    const read = await api(`/imports/${taskId}`);
    expect(read.json.source.secret_access_key).toBe("********");
    const row = await env.DB.prepare("SELECT source, secrets FROM tasks WHERE id = ?").bind(taskId).first<{ source: string; secrets: string }>();
    expect(JSON.parse(row!.source)).not.toHaveProperty("secret_access_key");
    expect(row!.secrets).not.toContain(CREDS.secretAccessKey);
    expect((await api(`/imports/${taskId}`, {}, other)).status).toBe(404);
    expect((await api(`/imports/${taskId}/run`, { method: "POST" }, other)).status).toBe(404);
    const listed = await api("/imports", {}, other);
    expect(listed.text).not.toContain(taskId);
  });
});

describe("S3 fetch jobs", () => {
  it("does nothing when a fetch job for a finished run is delivered again", async () => {
    const tag = crypto.randomUUID();
    await put(`again-${tag}/a.csv`, csv(tag, 2));
    const taskId = await s3Task({ prefix: `again-${tag}/` });
    const run = await runNow(taskId);
    const { createMessageBatch, createExecutionContext, getQueueResult } = await import("cloudflare:test");
    const worker = (await import("../../src/index")).default;
    const batch = createMessageBatch("eei-chunks", [{ id: "f1", timestamp: new Date(), attempts: 1, body: { kind: "fetch", run_id: run.id } }]);
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual(["f1"]);
    await waitFor(async () => ((await countFor(tag)) === 2 ? true : undefined), "rows to stay at 2");
    expect(await runs(acct, taskId)).toHaveLength(1);
  });
});
