// The soak's mixed traffic. Each generator runs until `ctx.stopping()` and records what it expects
// the service to end up with in `ctx.ledger`, so the checks can compare it with what was stored.
import { randomUUID } from "node:crypto";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Invalid events of several kinds (§3.1): each must be refused with a 4xx problem, never stored. */
const INVALID = [
  (n) => ({ customer_id: `soak-${n}` }), // no event name
  (n) => ({ event: "has space", customer_id: `soak-${n}` }),
  (n) => ({ event: "1.5", customer_id: `soak-${n}` }),
  (n) => ({ event: "soak_api", email: `not-an-email-${n}` }),
  (n) => ({ event: "soak_api", customer_id: `soak-${n}`, timestamp: "11/11/2011" }),
  (n) => ({ event: "soak_api", customer_id: `soak-${n}`, event_uuid: "not-a-uuid" }),
];
const invalidEvent = (n) => INVALID[n % INVALID.length](n);
const validEvent = (n) => ({ event: "soak_api", customer_id: `soak-${n % 97}`, event_uuid: randomUUID(), n, note: "é ✓ \u2028" });

/** Records an accepted event; the last 500 are the pool re-sends are drawn from. */
function accept(account, event) {
  account.accepted.set(event.event_uuid, event);
  account.recent.push(event);
  if (account.recent.length > 500) account.recent.splice(0, 100);
}

/** Honours a 429's Retry-After (seconds), so the soak also checks the limit's promise. */
async function backOff(res) {
  await sleep(Math.min(10, Number(res.headers.get("retry-after") ?? 1)) * 1000);
}

/** Single events: new ones, re-sends of accepted ones (same uuid) and invalid ones. */
export async function singles(ctx, account) {
  const { call, ledger } = ctx;
  let n = 0;
  while (!ctx.stopping()) {
    if (!ctx.takeRequest()) return;
    const roll = Math.random();
    n++;
    if (roll < 0.06) {
      const res = await call("single event", "POST", "/api/v1/event", { key: account.event_api_key, json: invalidEvent(n) });
      if (res.status === 429) await backOff(res);
      else if (res.status < 400 || res.status >= 500) ledger.wrong.push(`an invalid single event got ${res.status}`);
      else ledger.rejected++;
      continue;
    }
    const resend = roll < 0.16 && account.recent.length > 0;
    const event = resend ? ctx.pick(account) : validEvent(n);
    const res = await call("single event", "POST", "/api/v1/event", { key: account.event_api_key, json: event });
    if (res.status === 429) await backOff(res);
    else if (res.status !== 200) ledger.wrong.push(`a valid single event got ${res.status}: ${res.text.slice(0, 200)}`);
    else if (res.json?.event_uuid !== event.event_uuid) ledger.wrong.push(`event_uuid ${event.event_uuid} came back as ${res.json?.event_uuid}`);
    else {
      accept(account, event);
      if (resend) ledger.resent++;
    }
  }
}

/** Bulk calls of 100: mostly new events, some re-sends and some invalid items (partial acceptance). */
export async function bulks(ctx, account) {
  const { call, ledger } = ctx;
  let n = 1_000_000;
  while (!ctx.stopping()) {
    if (!ctx.takeRequest()) return;
    const items = [];
    for (let i = 0; i < 100; i++) {
      n++;
      const roll = Math.random();
      if (roll < 0.05) items.push({ invalid: true, event: invalidEvent(n) });
      else if (roll < 0.1 && account.recent.length > 0) items.push({ event: ctx.pick(account) });
      else items.push({ event: validEvent(n) });
    }
    const res = await call("bulk call", "POST", "/api/v1/bulkevents", { key: account.event_api_key, json: { events: items.map((i) => i.event) } });
    if (res.status === 429) {
      await backOff(res);
      continue;
    }
    if (res.status !== 200 && res.status !== 422) {
      ledger.wrong.push(`a bulk call got ${res.status}: ${res.text.slice(0, 200)}`);
      continue;
    }
    const rejected = new Set((res.json?.errors ?? []).map((e) => e.index));
    items.forEach((item, i) => {
      if (Boolean(item.invalid) !== rejected.has(i))
        ledger.wrong.push(`bulk item ${i} (${item.invalid ? "invalid" : "valid"}) was ${rejected.has(i) ? "rejected" : "accepted"}`);
      else if (!item.invalid) accept(account, item.event);
      else ledger.rejected++;
    });
    if (res.status === 422 && res.json?.accepted !== items.length - rejected.size)
      ledger.wrong.push(`a bulk 422 said accepted=${res.json?.accepted}, expected ${items.length - rejected.size}`);
    await sleep(100);
  }
}

/** A CSV of `rows` rows, every 33rd with an invalid email; returns the text and the invalid count. */
export function csvFile(prefix, rows) {
  let text = "customer_id,email,n\n";
  let invalid = 0;
  for (let i = 0; i < rows; i++) {
    const bad = i % 33 === 7;
    if (bad) invalid++;
    text += `${prefix}-${i},${bad ? "broken-address" : `u${i}@example.com`},${i}\n`;
  }
  return { text, invalid };
}

/** Upload tasks, each a once-run of a fresh CSV: create, upload, launch (the scheduler starts it). */
export async function uploads(ctx, account) {
  const { call, ledger } = ctx;
  for (let k = 0; !ctx.stopping(); k++) {
    if (!ctx.takeRequest()) return;
    const rows = 300 + Math.floor(Math.random() * 1200);
    const prefix = `up${k}-${randomUUID().slice(0, 8)}`;
    const { text, invalid } = csvFile(prefix, rows);
    const task = await call("manage", "POST", "/api/v1/imports", {
      key: account.user_api_key,
      json: { name: `soak upload ${k}`, source: { type: "upload" }, default_event: "soak_upload" },
    });
    if (task.status !== 201) {
      ledger.wrong.push(`creating an upload task got ${task.status}`);
      continue;
    }
    const put = await call("upload", "PUT", `/api/v1/imports/${task.json.id}/file?name=soak-${k}.csv`, {
      key: account.user_api_key,
      body: text,
      headers: { "content-type": "text/csv" },
    });
    const launch = await call("manage", "POST", `/api/v1/imports/${task.json.id}/launch`, { key: account.user_api_key });
    if (put.status !== 200 || launch.status !== 200) {
      ledger.wrong.push(`upload ${put.status}, launch ${launch.status}`);
      continue;
    }
    ledger.uploads.push({ taskId: task.json.id, rows, invalid });
    await sleep(6_000);
  }
}

/** New objects in the S3 bucket every few seconds, and a run asked for after each drop. */
export async function s3Drops(ctx, account, s3) {
  const { call, ledger } = ctx;
  for (let k = 0; !ctx.stopping(); k++) {
    if (!ctx.takeRequest()) return;
    for (let j = 0; j < 2; j++) {
      const rows = 200 + Math.floor(Math.random() * 400);
      const { text, invalid } = csvFile(`s3-${k}-${j}`, rows);
      await s3.put(`soak/drop-${String(k).padStart(4, "0")}-${j}.csv`, text);
      ledger.s3.rows += rows;
      ledger.s3.invalid += invalid;
    }
    const run = await call("manage", "POST", `/api/v1/imports/${account.s3TaskId}/run`, { key: account.user_api_key });
    if (run.status !== 202 && run.status !== 409) ledger.wrong.push(`asking for an S3 run got ${run.status}`);
    await sleep(12_000);
  }
}

/** A Snowflake run asked for every so often; the dataset is the same each time (content uuids). */
export async function snowflakeRuns(ctx, account) {
  const { call, ledger } = ctx;
  while (!ctx.stopping()) {
    if (!ctx.takeRequest()) return;
    const run = await call("manage", "POST", `/api/v1/imports/${account.sfTaskId}/run`, { key: account.user_api_key });
    if (run.status !== 202 && run.status !== 409) ledger.wrong.push(`asking for a Snowflake run got ${run.status}`);
    await sleep(15_000);
  }
}

/** The cron, as wrangler dev does not fire it on its own: one scheduler tick every few seconds. */
export async function ticks(ctx, base) {
  while (!ctx.ticksStopped()) {
    const res = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`).catch(() => null);
    if (res) await res.text();
    await sleep(3_000);
  }
}
