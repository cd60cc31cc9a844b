// Part of `npm test`: what the vitest runner can't show. Single-event calls that arrive together
// share queue sends (src/events/ingest/single-sends.ts); that needs real concurrent requests each resuming
// in its own context, so it is tested here against the real local service (wrangler dev).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { basic, createAccount, startService } from "../../tools/service.mjs";
import { waitFor } from "../../tools/wait.mjs";

let service;
before(async () => {
  service = await startService({ stateDir: "test-results/.service-state" });
});
after(async () => {
  await service?.stop();
});

const send = (key, event) =>
  fetch(`${service.base}/api/v1/event`, {
    method: "POST",
    headers: { authorization: basic(key), "content-type": "application/json" },
    body: JSON.stringify(event),
  });

/** The customer's stored events, once there are at least `expected` of them. */
function storedEvents(acct, customerId, expected) {
  return waitFor(
    async () => {
      const res = await fetch(`${service.base}/api/v1/events?customer_id=${customerId}&limit=1000`, { headers: { authorization: basic(acct.user_api_key) } });
      const { events } = await res.json();
      return events.length >= expected ? events : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `${expected} events of ${customerId} to be stored` },
  );
}

test("concurrent single events from two accounts are each answered, stored once, in their own account", async () => {
  const [a, b] = [await createAccount(service, "one"), await createAccount(service, "two")];
  const calls = [];
  // 3 waves of 100 calls at once; the third re-sends the first wave's uuids.
  const uuids = Array.from({ length: 100 }, () => crypto.randomUUID());
  for (const wave of [0, 1, 2]) {
    const batch = uuids.map((uuid, i) => {
      const acct = i % 2 ? b : a;
      const event = { event: "wave", customer_id: `shared-${i % 2}`, seq: i, wave };
      if (wave !== 1) event.event_uuid = uuid;
      return send(acct.event_api_key, event).then(async (res) => ({ status: res.status, body: await res.json(), acct, event }));
    });
    calls.push(...(await Promise.all(batch)));
  }
  for (const c of calls) assert.equal(c.status, 200, JSON.stringify(c.body));
  for (const [acct, customer] of [
    [a, "shared-0"],
    [b, "shared-1"],
  ]) {
    const mine = calls.filter((c) => c.acct === acct);
    const expected = new Set(mine.map((c) => c.body.event_uuid));
    assert.equal(expected.size, 100, "50 uuids sent twice + 50 server-assigned");
    const events = await storedEvents(acct, customer, expected.size);
    assert.equal(events.length, expected.size);
    assert.deepEqual(new Set(events.map((e) => e.event_uuid)), expected);
  }
});
