// Every route with an id in its path, taken from the OpenAPI document (so a route added later is
// covered without editing this file), is tried by another account with the owner's real ids.
import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { createUploadTask, launch, settledRun, tick, upload } from "../support/imports";
import { fill, operations } from "../support/openapi";
import { waitFor } from "../support/wait";

let owner: Account;
let intruder: Account;
const ids = { id: "", run_id: "", upload_id: "", part_number: "1" };
const tag = crypto.randomUUID();

beforeAll(async () => {
  owner = await createAccount("owner");
  intruder = await createAccount("intruder");
  const task = await createUploadTask(owner, { name: `owner's task ${tag}` });
  await upload(owner, task.id, `event,customer_id\nbought,${tag}\nbad.name,${tag}\n`);
  // A multipart upload left open (only a draft or paused task's file can be replaced).
  const multipart = await call(`/api/v1/imports/${task.id}/file/multipart`, { method: "POST", key: owner.user_api_key });
  expect(multipart.status, multipart.text).toBe(200);
  await launch(owner, task.id);
  await tick();
  const run = await settledRun(owner, task.id);
  Object.assign(ids, { id: task.id, run_id: run.id, upload_id: multipart.json.upload_id });
});

/** Every (method, path template) of the account-scoped API (/api/…) whose path names an id. */
async function routesWithIds(): Promise<[string, string][]> {
  return operations((await call("/openapi.json")).json)
    .filter((op) => op.path.startsWith("/api/") && op.path.includes("{"))
    .map((op) => [op.method, op.path]);
}

/** A plausible body for the route, so a refusal cannot come from the body alone. */
function bodyFor(method: string, path: string): RequestInit & { json?: unknown } {
  if (method === "PUT") return { body: "event,customer_id\nstolen,x\n" };
  if (path.endsWith("/complete")) return { json: { parts: [{ part_number: 1, etag: "x" }] } };
  if (method === "PATCH") return { json: { name: "stolen" } };
  return method === "POST" ? { json: {} } : {};
}

describe("another account's ids", () => {
  it("answer 404 on every route that takes an id, and change nothing", async () => {
    const routes = await routesWithIds();
    expect(routes.length).toBeGreaterThanOrEqual(10); // the document lists them all; an empty list proves nothing
    for (const [method, template] of routes) {
      const path = fill(template, ids);
      const res = await call(path, { method, key: intruder.user_api_key, ...bodyFor(method, template) });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      expect(res.text).not.toContain(tag);
    }
    // The owner's task, run and file are as they were.
    const task = await call(`/api/v1/imports/${ids.id}`, { key: owner.user_api_key });
    expect(task.json).toMatchObject({ name: `owner's task ${tag}`, status: "completed" });
    const runs = await call(`/api/v1/imports/${ids.id}/runs`, { key: owner.user_api_key });
    expect(runs.json.runs.map((r: { id: string }) => r.id)).toEqual([ids.run_id]);
    const report = await call(`/api/v1/imports/${ids.id}/runs/${ids.run_id}/errors.csv`, { key: owner.user_api_key });
    expect(report.text).toContain("bad.name");
  });

  it("answer 404 when mixed with the intruder's own task id", async () => {
    const own = await createUploadTask(intruder);
    const routes = (await routesWithIds()).filter(([, t]) => /\{(run_id|upload_id)\}/.test(t));
    expect(routes.length).toBeGreaterThanOrEqual(3);
    for (const [method, template] of routes) {
      const path = fill(template, { ...ids, id: own.id });
      const res = await call(path, { method, key: intruder.user_api_key, ...bodyFor(method, template) });
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(404);
      expect(res.text).not.toContain(tag);
    }
  });

  it("never show up in the intruder's lists", async () => {
    const lists = ["/api/v1/imports", `/api/v1/events?customer_id=${tag}`, "/api/v1/events?limit=1000", "/api/v1/events/names"];
    for (const path of lists) {
      const res = await call(path, { key: intruder.user_api_key });
      expect(res.status, path).toBe(200);
      expect(res.text, path).not.toContain(tag);
      expect(res.text, path).not.toContain(ids.id);
    }
    const debug = await call("/api/v1/event/debug", { key: intruder.event_api_key });
    expect(debug.text).not.toContain(tag);
    // The owner does see them: the lists above were not empty for want of data.
    const mine = await call(`/api/v1/events?customer_id=${tag}`, { key: owner.user_api_key });
    expect(mine.json.events).toHaveLength(1);
  });
});

describe("event_uuid", () => {
  it("is per account: the same uuid from another account neither overwrites nor hides the owner's event", async () => {
    const uuid = crypto.randomUUID();
    const mineTag = crypto.randomUUID();
    const theirsTag = crypto.randomUUID();
    const a = await call("/api/v1/event", { method: "POST", key: owner.event_api_key, json: { event: "first", customer_id: mineTag, event_uuid: uuid } });
    expect(a.status, a.text).toBe(200);
    const b = await call("/api/v1/event", { method: "POST", key: intruder.event_api_key, json: { event: "second", customer_id: theirsTag, event_uuid: uuid } });
    expect(b.status, b.text).toBe(200);
    const read = (acct: Account, customer: string) =>
      waitFor(
        async () => {
          const res = await call(`/api/v1/events?customer_id=${customer}`, { key: acct.user_api_key });
          return res.json.events.length ? res.json.events : undefined;
        },
        { what: `${customer}'s event to be readable` },
      );
    expect((await read(owner, mineTag)).map((e: { event: string; event_uuid: string }) => [e.event, e.event_uuid])).toEqual([["first", uuid]]);
    expect((await read(intruder, theirsTag)).map((e: { event: string; event_uuid: string }) => [e.event, e.event_uuid])).toEqual([["second", uuid]]);
    expect((await call(`/api/v1/events?customer_id=${theirsTag}`, { key: owner.user_api_key })).json.events).toEqual([]);
  });
});
