// Part of `npm test`: while a cron tick moves a split's rows, the local service (wrangler dev, the
// shards in the same process) still answers other requests; it does not hold them until the tick ends.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { adminFetch, basic, createAccount, startService } from "../../tools/service.mjs";
import { waitFor } from "../../tools/wait.mjs";

let service;
before(async () => {
  // Small steps and a long tick: one tick moves the whole split in many steps.
  service = await startService({
    stateDir: "test-results/.split-tick-state",
    args: ["--var", "SHARD_SPLIT_STEP_ROWS:50", "--var", "SHARD_SPLIT_TICK_SECONDS:120"],
  });
});
after(async () => {
  await service?.stop();
});

const admin = (path, init) => adminFetch(service, path, init);

test("requests are answered while a tick moves a split's rows", async () => {
  const acct = await createAccount(service, "split-tick");
  const auth = { authorization: basic(acct.event_api_key), "content-type": "application/json" };
  for (let c = 0; c < 10; c++) {
    const events = Array.from({ length: 1000 }, (_, i) => ({ event: "tick_check", customer_id: `c${i % 7}`, n: c * 1000 + i }));
    const res = await fetch(`${service.base}/api/v1/bulkevents`, { method: "POST", headers: auth, body: JSON.stringify({ events }) });
    assert.equal(res.status, 200, await res.text());
  }
  // The queue is FIFO: once a marker sent last is readable, the bulk events before it are stored.
  const marker = await fetch(`${service.base}/api/v1/event`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ event: "tick_marker", customer_id: "m" }),
  });
  assert.equal(marker.status, 200);
  await waitFor(
    async () => {
      const res = await fetch(`${service.base}/api/v1/events?customer_id=m`, { headers: { authorization: basic(acct.user_api_key) } });
      return (await res.json()).events.length === 1;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: "the marker event stored" },
  );

  const patch = await admin(`/admin/accounts/${acct.account_id}`, { method: "PATCH", body: JSON.stringify({ event_shards: 4 }) });
  assert.equal(patch.status, 202, await patch.text());
  let tickEnded = false;
  const ticking = fetch(`${service.base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`)
    .then((r) => r.text())
    .then(() => {
      tickEnded = true;
    });
  // One request after another while the tick runs: each is sent only when the one before it has
  // been answered, so several answers before the tick ends means requests got in between its steps.
  let answeredDuringTick = 0;
  while (!tickEnded) {
    const res = await fetch(`${service.base}/livez`);
    await res.text();
    if (!tickEnded) answeredDuringTick++;
  }
  await ticking;
  const status = await (await admin(`/admin/accounts/${acct.account_id}`)).json();
  assert.equal(status.shards_status, "ready", "the tick moved the whole split");
  assert.ok(answeredDuringTick >= 5, `only ${answeredDuringTick} requests were answered while the tick ran`);
});
