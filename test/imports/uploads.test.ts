import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { createUploadTask, launch, settledRun, tick } from "../support/imports";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("uploads");
});
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`/api/v1${path}`, { key: acct.user_api_key, ...init });

describe("multipart upload", () => {
  it("assembles several parts into the task's file, byte for byte, and imports it", async () => {
    const t = await createUploadTask(acct);
    const start = await api(`/imports/${t.id}/file/multipart`, { method: "POST" });
    expect(start.status, start.text).toBe(200);
    const { upload_id, part_size } = start.json;
    expect(part_size).toBeGreaterThanOrEqual(5 * 1024 * 1024);

    const tag = crypto.randomUUID();
    const pad = "p".repeat(30_000);
    const lines = ["event,customer_id,n,pad"];
    let size = lines[0]!.length + 1;
    for (let i = 0; size < part_size * 2 + 1000; i++) {
      const line = `view,${tag},${i},${pad}`;
      lines.push(line);
      size += line.length + 1;
    }
    const file = new TextEncoder().encode(`${lines.join("\n")}\n`);
    const parts: { part_number: number; etag: string }[] = [];
    for (let n = 1, at = 0; at < file.length; n++, at += part_size) {
      const res = await api(`/imports/${t.id}/file/multipart/${upload_id}/${n}`, { method: "PUT", body: file.slice(at, at + part_size) });
      expect(res.status, res.text).toBe(200);
      parts.push({ part_number: res.json.part_number, etag: res.json.etag });
    }
    expect(parts).toHaveLength(3);
    const done = await api(`/imports/${t.id}/file/multipart/${upload_id}/complete`, { method: "POST", json: { parts: parts.toReversed(), name: "big.csv" } });
    expect(done.status, done.text).toBe(200);
    expect(done.json).toEqual({ name: "big.csv", bytes: file.length });

    const task = (await api(`/imports/${t.id}`)).json;
    expect(task.file).toEqual({ name: "big.csv", bytes: file.length });
    const row = await env.DB.prepare("SELECT file_key FROM tasks WHERE id = ?").bind(t.id).first<{ file_key: string }>();
    const stored = new Uint8Array(await (await env.FILES.get(row!.file_key))!.arrayBuffer());
    expect(stored.length).toBe(file.length);
    expect(stored.every((b, i) => b === file[i])).toBe(true);

    await launch(acct, t.id);
    await tick();
    const run = await settledRun(acct, t.id, 60_000);
    expect(run.rows, JSON.stringify(run)).toEqual({ total: lines.length - 1, processed: lines.length - 1, errored: 0 });
  }, 90_000);

  it("rejects another task's upload id and a bad part number", async () => {
    const a = await createUploadTask(acct);
    const b = await createUploadTask(acct);
    const { upload_id } = (await api(`/imports/${a.id}/file/multipart`, { method: "POST" })).json;
    expect((await api(`/imports/${b.id}/file/multipart/${upload_id}/1`, { method: "PUT", body: "x" })).status).toBe(404);
    expect((await api(`/imports/${a.id}/file/multipart/${upload_id}/0`, { method: "PUT", body: "x" })).status).toBe(422);
    expect((await api(`/imports/${a.id}/file/multipart/garbage/1`, { method: "PUT", body: "x" })).status).toBe(404);
  });
});

describe("multipart upload ids and parts R2 does not know", () => {
  const start = async (taskId: string) => (await api(`/imports/${taskId}/file/multipart`, { method: "POST" })).json.upload_id as string;
  const putPart = (taskId: string, uploadId: string, n: number, body: string) =>
    api(`/imports/${taskId}/file/multipart/${uploadId}/${n}`, { method: "PUT", body });
  const complete = (taskId: string, uploadId: string, parts: unknown) =>
    api(`/imports/${taskId}/file/multipart/${uploadId}/complete`, { method: "POST", json: { parts } });
  // Words of R2's own errors, which name its methods and carry its error codes.
  const r2Words = /uploadPart|completeMultipartUpload|\(\d{5,6}\)/;

  it("answers 404 to a part PUT whose upload_id has any one character changed", async () => {
    const t = await createUploadTask(acct);
    const uploadId = await start(t.id);
    const statuses = new Map<number, number[]>();
    for (let i = 0; i < uploadId.length; i++) {
      const tampered = uploadId.slice(0, i) + (uploadId[i] === "A" ? "B" : "A") + uploadId.slice(i + 1);
      const res = await putPart(t.id, tampered, 1, "event,customer_id\n");
      statuses.set(res.status, [...(statuses.get(res.status) ?? []), i]);
      expect(res.text).not.toMatch(r2Words);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 404: [...uploadId].map((_, i) => i) });
    expect((await putPart(t.id, uploadId, 1, "event,customer_id\n")).status).toBe(200);
  });

  it("answers 404 to a part PUT and to a second complete once the upload is complete", async () => {
    const t = await createUploadTask(acct);
    const uploadId = await start(t.id);
    const part = (await putPart(t.id, uploadId, 1, "event,customer_id\nx,1\n")).json;
    expect((await complete(t.id, uploadId, [part])).status).toBe(200);

    const late = await putPart(t.id, uploadId, 2, "y,2\n");
    expect(late.status, late.text).toBe(404);
    expect(late.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(late.text).not.toMatch(r2Words);
    const again = await complete(t.id, uploadId, [part]);
    expect(again.status, again.text).toBe(404);
    expect(again.text).not.toMatch(r2Words);
  });

  it.each([
    ["a wrong etag", (etag: string) => [{ part_number: 1, etag: `${etag}0` }]],
    ["a part number never uploaded", (etag: string) => [{ part_number: 2, etag }]],
    [
      "the same part twice",
      (etag: string) => [
        { part_number: 1, etag },
        { part_number: 1, etag },
      ],
    ],
  ])("answers 422 in its own words to a complete listing %s, and the upload can still be completed", async (_name, parts) => {
    const t = await createUploadTask(acct);
    const uploadId = await start(t.id);
    const part = (await putPart(t.id, uploadId, 1, "event,customer_id\nx,1\n")).json;

    const res = await complete(t.id, uploadId, parts(part.etag));
    expect(res.status, res.text).toBe(422);
    expect(res.text).not.toMatch(r2Words);
    expect(res.json.errors.map((e: { field: string }) => e.field)).toEqual(["parts"]);
    expect((await api(`/imports/${t.id}`)).json.file).toBeNull();
    expect((await complete(t.id, uploadId, [part])).status).toBe(200);
  });

  it("answers 422 in its own words to a complete whose parts before the last are too small", async () => {
    const t = await createUploadTask(acct);
    const uploadId = await start(t.id);
    const one = (await putPart(t.id, uploadId, 1, "event,customer_id\n")).json;
    const two = (await putPart(t.id, uploadId, 2, "x,1\n")).json;
    const res = await complete(t.id, uploadId, [one, two]);
    expect(res.status, res.text).toBe(422);
    expect(res.text).not.toMatch(r2Words);
    expect(res.json.errors).toEqual([{ field: "parts", message: expect.stringContaining("part_size") }]);
  });
});

describe("single-request upload", () => {
  it("answers 409 for a task that is not an upload task", async () => {
    const res = await api("/imports", {
      method: "POST",
      json: { name: "s3", source: { type: "s3", bucket: "b", region: "r", access_key_id: "k", secret_access_key: "s" }, schedule: { frequency: "daily" } },
    });
    expect((await api(`/imports/${res.json.id}/file`, { method: "PUT", body: "a,b\n" })).status).toBe(409);
  });

  it("replaces the file of a draft task", async () => {
    const t = await createUploadTask(acct);
    await api(`/imports/${t.id}/file?name=one.csv`, { method: "PUT", body: "event,customer_id\n" });
    const second = await api(`/imports/${t.id}/file?name=two.csv`, { method: "PUT", body: "event,customer_id\nx,1\n" });
    expect(second.json).toEqual({ name: "two.csv", bytes: 22 });
    expect((await api(`/imports/${t.id}`)).json.file).toEqual({ name: "two.csv", bytes: 22 });
  });
});

describe("GET /api/v1/imports/sample.csv", () => {
  it("serves a sample that imports cleanly", async () => {
    const sample = await call("/api/v1/imports/sample.csv");
    expect(sample.status).toBe(200);
    expect(sample.headers.get("content-type")).toMatch(/text\/csv/);
    const t = await createUploadTask(acct);
    await api(`/imports/${t.id}/file`, { method: "PUT", body: sample.text });
    await launch(acct, t.id);
    await tick();
    const run = await settledRun(acct, t.id);
    expect(run.rows.errored, JSON.stringify(run)).toBe(0);
    expect(run.rows.processed).toBe(sample.text.trim().split("\n").length - 1);
  });
});
