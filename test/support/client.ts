import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import worker from "../../src/index";

export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const BASE = "http://events.test";

export interface Account {
  account_id: string;
  name: string;
  event_api_key: string;
  user_api_key: string;
}

/** A request to the Worker from the outside, through its real fetch handler. */
export async function call(path: string, init: RequestInit & { key?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Basic ${btoa(`${init.key}:`)}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers, body }));
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Creates an account with `eventShards` shards: by default the count this run of the suite uses. */
export async function createAccount(name = "acme", eventShards = Number(env.TEST_EVENT_SHARDS)): Promise<Account> {
  const res = await call("/admin/accounts", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, json: { name, event_shards: eventShards } });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${res.text}`);
  return res.json as Account;
}

/**
 * Delivers everything the ingest endpoints queued to the consumer, as the queue would: the test
 * captures sends by wrapping the binding, then hands the bodies to the Worker's queue handler.
 */
export async function deliver(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    "eei-events",
    bodies.map((body, i) => ({ id: `m${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}
