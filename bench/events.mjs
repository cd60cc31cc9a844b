// The event API's figures: single-event throughput against a trivial route on the same runtime,
// bulk acceptance against a route that only reads and parses the same bodies, storage throughput
// through to §3.4 reads against node:sqlite storing the same rows, and a filtered page read from 8
// shards against 1.
import autocannon from "autocannon";
import { basic, createAccount } from "../tools/service.mjs";
import { waitFor } from "../tools/wait.mjs";
import { eventRow, openShardFloor } from "./shard-floor.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: 50, pipelining: 1, duration: SECONDS, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Requests/s over several autocannon runs, and the worse of their p50/p99 latencies. */
function combine(runs) {
  const requests = runs.reduce((n, r) => n + r.requests.total, 0);
  const seconds = runs.reduce((n, r) => n + r.duration, 0);
  return { rps: requests / seconds, p50: Math.max(...runs.map((r) => r.latency.p50)), p99: Math.max(...runs.map((r) => r.latency.p99)) };
}

function bulkBody(n, customerId, offset = 0) {
  return JSON.stringify({
    events: Array.from({ length: n }, (_, i) => ({
      event: "bench_purchase",
      customer_id: customerId,
      email: "buyer@example.com",
      product_ids: ["sku-1", "sku-2"],
      timestamp: "2025-06-01T12:00:00Z",
      amount: 19.99,
      seq: offset + i,
    })),
  });
}

/** Sends `calls` bulk calls of 1,000 events, then waits until every event is readable via GET /api/v1/events. */
async function storedPhase(service, acct, calls) {
  const auth = { authorization: basic(acct.event_api_key), "content-type": "application/json" };
  const customers = Array.from({ length: calls }, (_, i) => `stored-${i}`);
  // The bodies are built before the clock starts: it times the service, not this client's JSON.stringify.
  const bodies = customers.map((c) => bulkBody(1000, c));
  const start = performance.now();
  let accepted = 0;
  const concurrency = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const res = await fetch(`${service.base}/api/v1/bulkevents`, { method: "POST", headers: auth, body: bodies[i] });
        if (res.status !== 200) throw new Error(`bulk failed: ${res.status} ${await res.text()}`);
        const { accepted: n } = await res.json();
        accepted += n;
      }
    }),
  );
  const acceptedAfter = (performance.now() - start) / 1000;
  // Wait for the last-sent customer first: the queue is FIFO, so once its 1,000 events are
  // readable the earlier customers' normally are too. Then read the others back, four at a time
  // (reading 100,000 events back is work of its own, and one reader at a time would mostly time
  // this client's JSON parsing).
  const deadline = Date.now() + 300_000;
  const readable = (c) => waitForEvents(service, acct, c, 1000, deadline, 50);
  const [last, ...others] = customers.toReversed();
  await readable(last);
  const lastReadableAfter = (performance.now() - start) / 1000;
  let nextOther = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (nextOther < others.length) await readable(others[nextOther++]);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { accepted, seconds, acceptedAfter, lastReadableAfter, perSecond: accepted / seconds };
}

/** Seconds until a marker event sent now is readable: the queue is FIFO, so the backlog before it is stored. */
async function drain(service, acct) {
  const start = performance.now();
  const customer = `drain-${crypto.randomUUID()}`;
  const sent = await fetch(`${service.base}/api/v1/event`, {
    method: "POST",
    headers: { authorization: basic(acct.event_api_key), "content-type": "application/json" },
    body: JSON.stringify({ event: "bench_drain", customer_id: customer }),
  });
  if (sent.status !== 200) throw new Error(`drain marker refused: ${sent.status}`);
  await waitForEvents(service, acct, customer, 1, Date.now() + 300_000, 250);
  return (performance.now() - start) / 1000;
}

/**
 * Polls §3.4 until `customer` has `count` events readable; fails past `deadline` (epoch ms).
 * Asks for the page uncompressed: over loopback gzip buys nothing, and workerd would compress each
 * ~300 KB page on the service's own thread (docs/performance.md); a deployed Worker's responses are
 * compressed for visitors by Cloudflare's network.
 */
async function waitForEvents(service, acct, customer, count, deadline, pollMs) {
  await waitFor(
    async () => {
      const res = await fetch(`${service.base}/api/v1/events?customer_id=${customer}&limit=1000`, {
        headers: { authorization: basic(acct.user_api_key), "accept-encoding": "identity" },
      });
      const { events } = await res.json();
      return events.length === count;
    },
    { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: pollMs, what: `${count} events of customer ${customer} to be readable` },
  );
}

/** Storage figures: stored events/s, then bulk acceptance (whose backlog is stored before returning). */
export async function benchEventStorage(service) {
  const acct = await createAccount(service, "bench-events");
  const eventAuth = basic(acct.event_api_key);

  const stored = await storedPhase(service, acct, Number(process.env.BENCH_STORED_CALLS ?? 100));
  console.log(
    `stored: ${stored.accepted} events accepted and readable in ${stored.seconds.toFixed(2)} s (all accepted after ${stored.acceptedAfter.toFixed(2)} s, the last-sent customer readable after ${stored.lastReadableAfter.toFixed(2)} s) = ${Math.round(stored.perSecond)} events/s`,
  );

  const floor = storedFloor(stored.accepted / 1000);
  console.log(
    `stored floor (node:sqlite, the shard schema, the same ${stored.accepted} rows in transactions of 1,000): ${floor.seconds.toFixed(2)} s = ${Math.round(floor.perSecond)} events/s`,
  );

  // Bulk acceptance never follows a request flood (run.mjs runs those on another service): under
  // wrangler dev every request leaves memory behind in its workerd processes (a one-line Worker
  // does too), and after a flood the same bulk load is served slower for good (docs/performance.md).
  // Its backlog is stored before the next part (the CSV import), so the consumer doesn't compete with it.
  // The parse route (POST /bench/parse: read and JSON.parse the body, nothing else) takes the same
  // bodies in half-length rounds before and after, so a drift of the service lands on both alike.
  const body = bulkBody(1000, "bulk-bench");
  const half = Math.max(1, Math.round(SECONDS / 2));
  const parseRound = async (duration) => {
    const r = await cannon({
      url: `${service.base}/bench/parse`,
      method: "POST",
      connections: 4,
      duration,
      headers: { "content-type": "application/json" },
      body,
    });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} parse calls failed, ${r.errors} errors (is BENCH_PARSE_ROUTE on?)`);
    return r;
  };
  await parseRound(1);
  const parseRuns = [await parseRound(half)];
  const bulk = await cannon({
    url: `${service.base}/api/v1/bulkevents`,
    method: "POST",
    connections: 4,
    headers: { authorization: eventAuth, "content-type": "application/json" },
    body,
  });
  if (bulk.non2xx > 0) throw new Error(`${bulk.non2xx} bulk calls failed`);
  const bulkEventsPerS = bulk.requests.average * 1000;
  console.log(
    `POST /api/v1/bulkevents (1,000 events a call): ${bulk.requests.average.toFixed(1)} calls/s = ${Math.round(bulkEventsPerS)} events/s accepted, p99 ${bulk.latency.p99} ms`,
  );

  const drained = await drain(service, acct);
  console.log(`bulk backlog stored ${drained.toFixed(1)} s after the bulk phase`);
  parseRuns.push(await parseRound(half));
  const parse = combine(parseRuns);
  console.log(`POST /bench/parse (the same bodies, read and parsed only): ${parse.rps.toFixed(1)} calls/s, p99 ${parse.p99} ms`);
  return {
    bulk_events_per_s: Math.round(bulkEventsPerS),
    bulk_noop_events_per_s: Math.round(parse.rps * 1000),
    bulk_vs_noop_ratio: Number((bulkEventsPerS / (parse.rps * 1000)).toFixed(3)),
    stored_events_per_s: Math.round(stored.perSecond),
    stored_floor_events_per_s: Math.round(floor.perSecond),
    stored_vs_floor_ratio: Number((stored.perSecond / floor.perSecond).toFixed(3)),
  };
}

/**
 * The stored phase's floor: node:sqlite storing `calls` × 1,000 rows of the stored phase's events
 * (same fields, fresh uuids) into the shard schema, one transaction per 1,000. The rows are built
 * before the clock starts, as the stored phase's bodies are.
 */
function storedFloor(calls) {
  const receivedAt = new Date().toISOString();
  const tsMs = Date.parse("2025-06-01T12:00:00Z");
  const batches = Array.from({ length: calls }, (_, c) =>
    Array.from({ length: 1000 }, (_, i) =>
      eventRow({
        event: "bench_purchase",
        customerId: `stored-${c}`,
        email: "buyer@example.com",
        productIds: ["sku-1", "sku-2"],
        tsMs,
        attributes: { amount: 19.99, seq: i },
        receivedAt,
      }),
    ),
  );
  const shard = openShardFloor();
  try {
    const start = performance.now();
    for (const rows of batches) shard.store(rows);
    const seconds = (performance.now() - start) / 1000;
    return { seconds, perSecond: (calls * 1000) / seconds };
  } finally {
    shard.close();
  }
}

/** 1,000 events of one of `customers` customers, a second apart, so pages cross the shards' time ranges. */
function readBody(call, customers) {
  const base = Date.parse("2025-06-01T00:00:00Z");
  return JSON.stringify({
    events: Array.from({ length: 1000 }, (_, i) => ({
      event: i % 3 === 0 ? "bench_view" : "bench_purchase",
      customer_id: `reader-${(call * 1000 + i) % customers}`,
      timestamp: new Date(base + (call * 1000 + i) * 1000).toISOString(),
      seq: call * 1000 + i,
    })),
  });
}

/**
 * read_8_vs_1_shard_ratio: the same 40,000 events stored in a 1-shard and an 8-shard account, then
 * 1,000-event pages filtered by customer id (each customer has 4,000 events, so a page and the
 * next after its cursor) read from each account in turns, the same pages from both.
 */
export async function benchShardReads(service) {
  const customers = 10;
  const calls = 40;
  const one = await createAccount(service, "bench-read-1", { eventShards: 1 });
  const eight = await createAccount(service, "bench-read-8", { eventShards: 8 });
  for (const acct of [one, eight]) {
    for (let call = 0; call < calls; call++) {
      const res = await fetch(`${service.base}/api/v1/bulkevents`, {
        method: "POST",
        headers: { authorization: basic(acct.event_api_key), "content-type": "application/json" },
        body: readBody(call, customers),
      });
      if (res.status !== 200) throw new Error(`bulk failed: ${res.status} ${await res.text()}`);
    }
  }
  // The queue is FIFO: once a marker sent after the bodies is readable, they are stored.
  await drain(service, one);
  await drain(service, eight);

  const readPages = async (acct, customer) => {
    let cursor = null;
    const start = performance.now();
    for (let page = 0; page < 2; page++) {
      const q = `customer_id=reader-${customer}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await fetch(`${service.base}/api/v1/events?${q}`, { headers: { authorization: basic(acct.user_api_key), "accept-encoding": "identity" } });
      const { events, next_cursor } = await res.json();
      if (events.length !== 1000) throw new Error(`a page of ${events.length} events`);
      cursor = next_cursor;
    }
    return performance.now() - start;
  };
  // Warm-up, unmeasured: each account's shards answer once.
  await readPages(one, 0);
  await readPages(eight, 0);
  let t1 = 0;
  let t8 = 0;
  for (let round = 0; round < 3; round++) {
    for (let c = 0; c < customers; c++) {
      // Alternate which account goes first, so neither always reads the warmer process.
      if ((round + c) % 2 === 0) {
        t1 += await readPages(one, c);
        t8 += await readPages(eight, c);
      } else {
        t8 += await readPages(eight, c);
        t1 += await readPages(one, c);
      }
    }
  }
  const pages = 3 * customers * 2;
  console.log(
    `1,000-event pages by customer id: 1 shard ${(t1 / pages).toFixed(1)} ms a page, 8 shards ${(t8 / pages).toFixed(1)} ms a page (${pages} pages each)`,
  );
  return {
    read_1_shard_page_ms: Number((t1 / pages).toFixed(1)),
    read_8_shard_page_ms: Number((t8 / pages).toFixed(1)),
    read_8_vs_1_shard_ratio: Number((t8 / t1).toFixed(3)),
  };
}

/**
 * Request-rate figures: single events against the trivial route, with a no-op POST for context. run.mjs gives
 * them a service of their own (see there).
 */
export async function benchEventRoutes(service) {
  const acct = await createAccount(service, "bench-event-routes");
  const eventAuth = basic(acct.event_api_key);

  // The trivial route: /livez answers without I/O. (/healthz queries D1 and R2; comparing with it
  // would flatter the event route.) For context, the same body
  // POSTed to an unknown path (a 404 that reads nothing) shows what wrangler dev's proxy charges
  // for a POST with a body before any of our code runs. All three are warmed up (unmeasured:
  // compiling our code, the first D1 and queue calls), then measured in two rounds each of half
  // the time, in the mirrored order trivial, event, no-op, no-op, event, trivial, so that a drift
  // lands on all alike: every request through wrangler dev leaves memory behind, and later rounds
  // are slower. (An unmirrored order would give the route measured first the freshest process each
  // round, and the ratio would lean its way.)
  const eventBody = JSON.stringify({ event: "bench_view", customer_id: "c-1", product_ids: ["sku-1"], page: "/home" });
  const half = Math.max(1, Math.round(SECONDS / 2));
  const trivialRound = (duration) => cannon({ url: `${service.base}/livez`, duration });
  const eventRound = async (duration) => {
    const r = await cannon({
      url: `${service.base}/api/v1/event`,
      method: "POST",
      duration,
      headers: { authorization: eventAuth, "content-type": "application/json" },
      body: eventBody,
    });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} single-event calls failed, ${r.errors} errors`);
    return r;
  };
  const noopRound = (duration) =>
    cannon({ url: `${service.base}/api/v1/bench-no-such-route`, method: "POST", duration, headers: { "content-type": "application/json" }, body: eventBody });
  for (const warmUp of [trivialRound, eventRound, noopRound]) await warmUp(1);
  const rounds = { trivial: [], single: [], noop: [] };
  rounds.trivial.push(await trivialRound(half));
  rounds.single.push(await eventRound(half));
  rounds.noop.push(await noopRound(half));
  rounds.noop.push(await noopRound(half));
  rounds.single.push(await eventRound(half));
  rounds.trivial.push(await trivialRound(half));
  const perRound = (runs) => runs.map((r) => Math.round(r.requests.average)).join(", ");
  console.log(`rounds (req/s): /livez ${perRound(rounds.trivial)}; /api/v1/event ${perRound(rounds.single)}; no-op POST ${perRound(rounds.noop)}`);
  const trivial = combine(rounds.trivial);
  const single = combine(rounds.single);
  const postNoop = combine(rounds.noop);
  console.log(`GET /livez: ${Math.round(trivial.rps)} req/s, p50 ${trivial.p50} ms, p99 ${trivial.p99} ms`);
  console.log(`POST /api/v1/event: ${Math.round(single.rps)} req/s, p50 ${single.p50} ms, p99 ${single.p99} ms`);
  console.log(`POST (unknown path, 404): ${Math.round(postNoop.rps)} req/s, p50 ${postNoop.p50} ms, p99 ${postNoop.p99} ms`);

  return {
    event_rps: Math.round(single.rps),
    trivial_rps: Math.round(trivial.rps),
    event_vs_trivial_ratio: Number((single.rps / trivial.rps).toFixed(3)),
    event_p50_ms: single.p50,
    post_noop_rps: Math.round(postNoop.rps),
    event_vs_post_noop_ratio: Number((single.rps / postNoop.rps).toFixed(3)),
    event_p99_ms: single.p99,
  };
}
