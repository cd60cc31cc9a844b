// Part of `npm test`: an online split against the real local service (wrangler dev), with bulk
// ingest, re-sends of old uuids and paged reads running concurrently with the cron's split steps.
// Counted from outside, through the API only.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { adminFetch, basic, createAccount, startService } from "../../tools/service.mjs";
import { waitFor } from "../../tools/wait.mjs";

let service;
before(async () => {
  // Small split steps, one a tick, so the split takes many cron ticks with traffic in between.
  service = await startService({
    stateDir: "test-results/.split-state",
    args: ["--var", "SHARD_SPLIT_STEP_ROWS:40", "--var", "SHARD_SPLIT_TICK_SECONDS:0.001"],
  });
});
after(async () => {
  await service?.stop();
});

const admin = (path, init) => adminFetch(service, path, init);

function fixtures(count, start) {
  return Array.from({ length: count }, (_, i) => ({
    event_uuid: crypto.randomUUID(),
    event: "split_check",
    customer_id: `c${(start + i) % 5}`,
    timestamp: new Date(Date.UTC(2025, 6, 1, 0, (start + i) % 30)).toISOString(),
    n: start + i,
  }));
}

/** Newest timestamp first, then event_uuid descending: computed here, independently of the service. */
const expectedOrder = (events) =>
  events
    .slice()
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || (a.event_uuid < b.event_uuid ? 1 : -1))
    .map((e) => e.event_uuid);

async function bulk(acct, events) {
  const res = await fetch(`${service.base}/api/v1/bulkevents`, {
    method: "POST",
    headers: { authorization: basic(acct.event_api_key), "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function readAll(acct, query, limit) {
  const seen = [];
  let cursor = null;
  do {
    const url = `${service.base}/api/v1/events?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await fetch(url, { headers: { authorization: basic(acct.user_api_key) } });
    assert.equal(res.status, 200);
    const page = await res.json();
    seen.push(...page.events.map((e) => e.event_uuid));
    cursor = page.next_cursor;
  } while (cursor);
  return seen;
}

const tick = () => fetch(`${service.base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`).then((r) => r.text());

test("a split from 1 to 8 shards under concurrent ingest, re-sends and reads stores every event once, in order", async () => {
  const acct = await createAccount(service, "splitting");
  const sent = fixtures(1500, 0);
  for (let i = 0; i < sent.length; i += 500) await bulk(acct, sent.slice(i, i + 500));
  await waitFor(async () => (await readAll(acct, "", 1000)).length === sent.length, { timeoutMs: 60_000, intervalMs: 250, what: "the first events stored" });

  const patch = await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", body: JSON.stringify({ event_shards: 8 }) });
  assert.equal(patch.status, 202, await patch.text());
  // Every event a read has returned must be in every later read: none may vanish mid-split.
  const confirmed = new Set(sent.map((e) => e.event_uuid));
  let rounds = 0;
  for (;;) {
    rounds++;
    const before = new Set(confirmed);
    const fresh = fixtures(50, sent.length);
    const resent = sent.slice((rounds * 40) % 1500, ((rounds * 40) % 1500) + 40).map((e) => ({ ...e, n: -1 }));
    sent.push(...fresh);
    const [, , during, filtered] = await Promise.all([tick(), bulk(acct, [...fresh, ...resent]), readAll(acct, "", 300), readAll(acct, "&customer_id=c3", 70)]);
    for (const read of [during, filtered]) assert.equal(new Set(read).size, read.length, "an event twice in one read");
    const missing = [...before].filter((u) => !during.includes(u));
    assert.deepEqual(missing, [], "events stored before the round missing from a read during it");
    for (const u of during) confirmed.add(u);
    const known = new Set(sent.map((e) => e.event_uuid));
    assert.deepEqual(
      during.filter((u) => !known.has(u)),
      [],
    );
    assert.deepEqual(
      during,
      expectedOrder(sent).filter((u) => during.includes(u)),
      "read order during the split",
    );
    const status = await (await admin(`/admin/accounts/${acct.account_id}`)).json();
    if (status.shards_status === "ready") break;
    assert.ok(rounds < 200, "the split did not end");
  }
  assert.ok(rounds > 1, "the split took more than one tick");
  const all = await waitFor(
    async () => {
      const read = await readAll(acct, "", 1000);
      return read.length === sent.length ? read : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "every event readable after the split" },
  );
  assert.deepEqual(all, expectedOrder(sent));
  const c3 = await readAll(acct, "&customer_id=c3", 33);
  assert.deepEqual(c3, expectedOrder(sent.filter((e) => e.customer_id === "c3")));
  const res = await fetch(`${service.base}/api/v1/events?limit=1000&customer_id=c1`, { headers: { authorization: basic(acct.user_api_key) } });
  const { events } = await res.json();
  assert.ok(
    events.every((e) => e.attributes.n >= 0),
    "a re-send replaced the first copy",
  );
});
