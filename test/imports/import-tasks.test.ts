import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { getTask, patchTask } from "../../src/imports/tasks/tasks";
import { type Account, call, createAccount } from "../support/client";
import { createUploadTask, launch, upload } from "../support/imports";

let acct: Account;
let other: Account;
beforeAll(async () => {
  acct = await createAccount("tasks");
  other = await createAccount("tasks-other");
});

const s3Source = {
  type: "s3",
  bucket: "events",
  region: "us-east-1",
  endpoint: "http://127.0.0.1:9",
  prefix: "daily/",
  pattern: "*.csv",
  access_key_id: "AKIDEXAMPLE",
  secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`/api/v1${path}`, { key: acct.user_api_key, ...init });

describe("creating and reading tasks", () => {
  it("creates a draft with defaults and reads it back in the contract's shape", async () => {
    const res = await api("/imports", { method: "POST", json: { name: "Nightly", source: { type: "upload" }, default_event: "purchase" } });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      name: "Nightly",
      status: "draft",
      source: { type: "upload" },
      schedule: { frequency: "once", start_at: null, end_at: null },
      format: { delimiter: ",", encoding: "utf-8", product_ids_delimiter: "|" },
      mapping: {},
      default_event: "purchase",
      next_run_at: null,
      last_fetch: null,
    });
    const read = await api(`/imports/${res.json.id}`);
    expect(read.json).toEqual(res.json);
  });

  it("never returns or stores a secret in the clear", async () => {
    const res = await api("/imports", { method: "POST", json: { name: "S3", source: s3Source, schedule: { frequency: "daily" } } });
    expect(res.status, res.text).toBe(201);
    expect(res.json.source.secret_access_key).toBe("********");
    expect(res.json.source.access_key_id).toBe("AKIDEXAMPLE");
    expect(res.text).not.toContain(s3Source.secret_access_key);
    const list = await api("/imports");
    expect(list.text).not.toContain(s3Source.secret_access_key);
    const row = await env.DB.prepare("SELECT * FROM tasks WHERE id = ?").bind(res.json.id).first();
    expect(JSON.stringify(row)).not.toContain(s3Source.secret_access_key);
  });

  it("lists newest first and filters by default_event", async () => {
    const a = await api("/imports", { method: "POST", json: { name: "A", source: { type: "upload" }, default_event: "alpha" } });
    const b = await api("/imports", { method: "POST", json: { name: "B", source: { type: "upload" }, default_event: "beta" } });
    const all = await api("/imports");
    const ids = all.json.imports.map((t: { id: string }) => t.id);
    expect(ids.indexOf(b.json.id)).toBeLessThan(ids.indexOf(a.json.id));
    const alpha = await api("/imports?event=alpha");
    expect(alpha.json.imports.map((t: { id: string }) => t.id)).toEqual([a.json.id]);
  });

  it.each([
    ["a missing name", { source: { type: "upload" } }, "name"],
    ["an unknown source type", { name: "x", source: { type: "ftp" } }, "source"],
    ["an S3 source without its secret", { name: "x", source: { ...s3Source, secret_access_key: undefined } }, "source.secret_access_key"],
    ["a recurring upload task", { name: "x", source: { type: "upload" }, schedule: { frequency: "daily" } }, "schedule.frequency"],
    [
      "end_at before start_at",
      { name: "x", source: s3Source, schedule: { frequency: "daily", start_at: "2026-02-01T00:00:00Z", end_at: "2026-01-01T00:00:00Z" } },
      "schedule.end_at",
    ],
    ["a two-character delimiter", { name: "x", source: { type: "upload" }, format: { delimiter: ";;" } }, "format.delimiter"],
    ["an unknown encoding", { name: "x", source: { type: "upload" }, format: { encoding: "ebcdic" } }, "format.encoding"],
    ["an unknown attribute type", { name: "x", source: { type: "upload" }, mapping: { Amount: { field: "amount", type: "money" } } }, "mapping.Amount"],
    ["a default_event with a dot", { name: "x", source: { type: "upload" }, default_event: "a.b" }, "default_event"],
  ])("answers 422 for %s", async (_name, body, field) => {
    const res = await api("/imports", { method: "POST", json: body });
    expect(res.status, res.text).toBe(422);
    expect(res.json.errors.map((e: { field: string }) => e.field).join(" "), res.text).toContain(field);
  });

  it("accepts named and single-character delimiters", async () => {
    for (const [given, stored] of [
      ["tab", "\t"],
      ["\t", "\t"],
      ["pipe", "|"],
      ["semicolon", ";"],
      ["^", "^"],
    ]) {
      const res = await api("/imports", { method: "POST", json: { name: "d", source: { type: "upload" }, format: { delimiter: given } } });
      expect(res.status, res.text).toBe(201);
      expect(res.json.format.delimiter).toBe(stored);
    }
  });
});

describe("the status machine", () => {
  it("walks draft → launched ⇄ paused and answers 409 to every illegal transition", async () => {
    const t = await createUploadTask(acct);
    expect((await api(`/imports/${t.id}/pause`, { method: "POST" })).status).toBe(409); // draft → paused
    expect((await api(`/imports/${t.id}/launch`, { method: "POST" })).status).toBe(409); // no file yet
    await upload(acct, t.id, "event,customer_id\nx,1\n");
    const launched = await launch(acct, t.id);
    expect(launched.status).toBe("launched");
    expect(launched.next_run_at).not.toBeNull();
    expect((await api(`/imports/${t.id}/launch`, { method: "POST" })).status).toBe(409); // launched → launched
    expect((await api(`/imports/${t.id}`, { method: "PATCH", json: { name: "renamed" } })).status).toBe(409);
    expect((await api(`/imports/${t.id}/file`, { method: "PUT", body: "a,b\n" })).status).toBe(409);
    const paused = await api(`/imports/${t.id}/pause`, { method: "POST" });
    expect(paused.json.status).toBe("paused");
    expect(paused.json.next_run_at).toBeNull();
    expect((await api(`/imports/${t.id}/pause`, { method: "POST" })).status).toBe(409); // paused → paused
    const renamed = await api(`/imports/${t.id}`, { method: "PATCH", json: { name: "renamed" } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json.name).toBe("renamed");
    expect((await api(`/imports/${t.id}/launch`, { method: "POST" })).json.status).toBe("launched");
  });

  it("does not run, launch, pause or edit a completed task", async () => {
    const t = await createUploadTask(acct);
    await env.DB.prepare("UPDATE tasks SET status = 'completed' WHERE id = ?").bind(t.id).run();
    for (const action of ["launch", "pause", "run"]) expect((await api(`/imports/${t.id}/${action}`, { method: "POST" })).status).toBe(409);
    expect((await api(`/imports/${t.id}`, { method: "PATCH", json: { name: "n" } })).status).toBe(409);
  });

  it("edits a draft, keeping a secret that is left out or masked", async () => {
    const res = await api("/imports", { method: "POST", json: { name: "S3", source: s3Source, schedule: { frequency: "daily" } } });
    const patched = await api(`/imports/${res.json.id}`, { method: "PATCH", json: { source: { ...s3Source, secret_access_key: "********", prefix: "new/" } } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.source.prefix).toBe("new/");
    expect(patched.json.source.secret_access_key).toBe("********");
    const bad = await api(`/imports/${res.json.id}`, { method: "PATCH", json: { source: { type: "s3" } } });
    expect(bad.status).toBe(422);
  });

  it("answers 422 to an edit that would make an upload task recurring, by schedule or by source", async () => {
    const upload = await createUploadTask(acct);
    const recurring = await api(`/imports/${upload.id}`, { method: "PATCH", json: { schedule: { frequency: "daily" } } });
    expect(recurring.status, recurring.text).toBe(422);
    expect(recurring.json.errors).toEqual([{ field: "schedule.frequency", message: "upload tasks are always once" }]);
    const s3 = await api("/imports", { method: "POST", json: { name: "S3", source: s3Source, schedule: { frequency: "daily" } } });
    const toUpload = await api(`/imports/${s3.json.id}`, { method: "PATCH", json: { source: { type: "upload" } } });
    expect(toUpload.status, toUpload.text).toBe(422);
    expect(toUpload.json.errors.map((e: { field: string }) => e.field)).toEqual(["schedule.frequency"]);
    expect((await api(`/imports/${s3.json.id}`)).json.source.type).toBe("s3");
  });

  it("deletes a task", async () => {
    const t = await createUploadTask(acct);
    expect((await api(`/imports/${t.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/imports/${t.id}`)).status).toBe(404);
  });
});

describe("an edit racing another change to the task", () => {
  // patchTask is given the row the route read; these changes land between that read and its write.
  const changes: [string, (id: string) => Promise<unknown>][] = [
    ["a launch", (id) => launch(acct, id)],
    ["a launch and a pause", async (id) => api(`/imports/${(await launch(acct, id)).id}/pause`, { method: "POST" })],
    ["a new file", (id) => upload(acct, id, "event,customer_id\ny,2\n", "newer.csv")],
    ["another edit", (id) => api(`/imports/${id}`, { method: "PATCH", json: { default_event: "other" } })],
    ["a delete", (id) => api(`/imports/${id}`, { method: "DELETE" })],
  ];

  it.each(changes)("answers 409 and writes nothing when %s lands between its read and its write", async (_name, change) => {
    const t = await createUploadTask(acct);
    await upload(acct, t.id, "event,customer_id\nx,1\n");
    // An old timestamp, so every later write to the task is told apart from it.
    await env.DB.prepare("UPDATE tasks SET updated_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(t.id).run();
    const db = database(env.DB);
    const read = await getTask(db, acct.account_id, t.id);
    await change(t.id);
    const before = await env.DB.prepare("SELECT * FROM tasks WHERE id = ?").bind(t.id).first();

    await expect(patchTask(db, env, read, { name: "stale edit" }, new Date())).rejects.toMatchObject({ status: 409 });
    const after = await env.DB.prepare("SELECT * FROM tasks WHERE id = ?").bind(t.id).first();
    expect(after).toEqual(before);
  });
});

describe("tenant isolation of tasks", () => {
  it("answers 404 on every task route for another account's task", async () => {
    const t = await createUploadTask(acct);
    await upload(acct, t.id, "event,customer_id\nx,1\n");
    const key = other.user_api_key;
    const attempts: [string, string, unknown?][] = [
      ["GET", `/imports/${t.id}`],
      ["PATCH", `/imports/${t.id}`, { name: "stolen" }],
      ["DELETE", `/imports/${t.id}`],
      ["POST", `/imports/${t.id}/launch`],
      ["POST", `/imports/${t.id}/pause`],
      ["POST", `/imports/${t.id}/run`],
      ["GET", `/imports/${t.id}/runs`],
      ["GET", `/imports/${t.id}/runs/whatever/errors.csv`],
      ["PUT", `/imports/${t.id}/file`, "x"],
      ["POST", `/imports/${t.id}/file/multipart`],
    ];
    for (const [method, path, body] of attempts) {
      const init = typeof body === "string" ? { method, key, body } : { method, key, json: body };
      const res = await call(`/api/v1${path}`, init);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
    }
    const list = await call("/api/v1/imports", { key });
    expect(list.json.imports.map((x: { id: string }) => x.id)).not.toContain(t.id);
    expect((await api(`/imports/${t.id}`)).json.name).toBe("test import");
  });

  it("answers 403 to an event key on task routes", async () => {
    expect((await call("/api/v1/imports", { key: acct.event_api_key })).status).toBe(403);
  });
});

describe("tenant isolation of runs and error reports", () => {
  it("answers 404 for another account's run id, even through one's own task", async () => {
    const t = await createUploadTask(acct);
    await upload(acct, t.id, "event,customer_id\nbad.name,1\n");
    await launch(acct, t.id);
    const { tick, settledRun } = await import("../support/imports");
    await tick();
    const run = await settledRun(acct, t.id);
    const own = await api(`/imports/${t.id}/runs/${run.id}/errors.csv`);
    expect(own.status).toBe(200);
    expect(own.text).toContain("bad.name");
    const mine = await call("/api/v1/imports", { method: "POST", key: other.user_api_key, json: { name: "mine", source: { type: "upload" } } });
    const res = await call(`/api/v1/imports/${mine.json.id}/runs/${run.id}/errors.csv`, { key: other.user_api_key });
    expect(res.status, res.text).toBe(404);
    expect(res.text).not.toContain("bad.name");
    const runsOfMine = await call(`/api/v1/imports/${mine.json.id}/runs`, { key: other.user_api_key });
    expect(runsOfMine.json.runs).toEqual([]);
  });
});
