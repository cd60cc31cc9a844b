// `npm run soak`: mixed traffic against the real local service for SOAK_MINUTES while faults are
// injected on purpose, then a drain and a count from outside of what was accepted vs stored, runs
// started vs ended, rows in files vs processed + errored. Loopback only; bounded in time
// (SOAK_MINUTES, default 3, at most 60) and in requests (SOAK_MAX_REQUESTS, default 100,000).
// Two accounts: one starts on one shard and is split online halfway through the traffic, the other
// has 8 shards. Ends with "N passed, N failed" and exits 1 if anything failed.
//
// Knobs: SOAK_FAULTS ("point=rate,…", the Worker's fault points) and SOAK_CHAOS
// ("error=0.1,stall=0.05,drop=0.05", the source fronts' rates per request).
//
// Faults: inside the Worker (armed only here, by a copy of wrangler.toml whose [alias] points
// eei-faults at src/ops/faults/armed.ts; every other build bundles the no-ops of src/ops/faults/off.ts)
// the events consumer dies after storing half a batch, chunk jobs die between their commit and
// queueing the next chunk, and scheduler ticks die right after creating a run. Outside, the S3 and
// Snowflake servers sit behind a front that answers errors, stalls past the Worker's source
// timeout and drops connections mid-body.
import "../scripts/ensure-dev-vars.mjs";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import { AwsClient } from "aws4fetch";
import { startSnowflakeServer } from "../test/support/snowflake-server.ts";
import { startService } from "../tools/service.mjs";
import { chaosProxy } from "./chaos-proxy.mjs";
import { allRuns, compareStored, countDistinct, ended, replayDeadLetters, storedEvents } from "./checks.mjs";
import { client, recorder } from "./client.mjs";
import { bulks, s3Drops, singles, snowflakeRuns, ticks, uploads } from "./traffic.mjs";

const MINUTES = Math.min(60, Math.max(0.25, Number(process.env.SOAK_MINUTES ?? 3)));
const MAX_REQUESTS = Number(process.env.SOAK_MAX_REQUESTS ?? 100_000);
const DRAIN_MINUTES = 5;
const STUCK_AFTER_SECONDS = 15;
const SOURCE_TIMEOUT_SECONDS = 2;
const FAULTS = process.env.SOAK_FAULTS ?? "events_batch=0.2,chunk_after_commit=0.15,tick_after_run_created=0.25";
const FAULT_POINTS = Object.entries(rates(FAULTS))
  .filter(([, r]) => r > 0)
  .map(([p]) => p);
const CHAOS = { error: 0.1, stall: 0.05, drop: 0.05, ...rates(process.env.SOAK_CHAOS) };
const SF_ROWS = 3_000;
const SPLIT_TO = 4;

function rates(spec = "") {
  return Object.fromEntries(
    spec
      .split(",")
      .filter(Boolean)
      .map((p) => [p.split("=")[0].trim(), Number(p.split("=")[1])]),
  );
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (line) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

// ---- the parts: S3 and Snowflake servers behind chaos fronts, and the service in fault mode ----
const s3Dir = mkdtempSync(join(tmpdir(), "eei-soak-s3-"));
const s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3Dir, configureBuckets: [{ name: "soak" }] });
const { port: s3Port } = await s3rver.run();
const s3Chaos = await chaosProxy({ kind: "s3", targetPort: s3Port, rates: CHAOS, stallMs: (SOURCE_TIMEOUT_SECONDS + 2) * 1000 });
const aws = new AwsClient({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER", service: "s3", region: "us-east-1", retries: 0 });
const s3 = {
  async put(key, body) {
    const res = await aws.fetch(`http://127.0.0.1:${s3Port}/soak/${key}`, { method: "PUT", body });
    if (!res.ok) throw new Error(`S3 put ${key}: ${res.status}`);
  },
};
const snowflake = await startSnowflakeServer();
const sfChaos = await chaosProxy({ kind: "snowflake", targetPort: snowflake.port, rates: CHAOS, stallMs: (SOURCE_TIMEOUT_SECONDS + 2) * 1000 });

// The armed config: wrangler.toml with `eei-faults` pointing at the real fault points. (`wrangler
// dev --alias` is ignored by wrangler's dev build, so the alias is swapped in a copy of the config,
// next to it so its relative paths still hold; it is removed when the soak ends.)
const ARMED_CONFIG = ".soak.wrangler.toml";
const config = readFileSync("wrangler.toml", "utf8");
const armedConfig = config.replace('"eei-faults" = "./src/ops/faults/off.ts"', '"eei-faults" = "./src/ops/faults/armed.ts"');
if (armedConfig === config) throw new Error('wrangler.toml no longer has [alias] "eei-faults" = "./src/ops/faults/off.ts"; the soak cannot arm its faults');
writeFileSync(ARMED_CONFIG, armedConfig);

const injected = new Map(FAULT_POINTS.map((p) => [p, 0]));
// Everything the service printed, for reading after a failed soak.
mkdirSync("soak/.out", { recursive: true });
const serviceLog = createWriteStream("soak/.out/service.log");
const service = await startService({
  stateDir: "soak/.out/state",
  config: ARMED_CONFIG,
  args: [
    "--var",
    `EEI_FAULTS:${FAULTS}`,
    "--var",
    `STUCK_AFTER_SECONDS:${STUCK_AFTER_SECONDS}`,
    "--var",
    `SOURCE_TIMEOUT_SECONDS:${SOURCE_TIMEOUT_SECONDS}`,
    "--var",
    "IMPORT_CHUNK_ROWS:200",
  ],
  onOutput(line) {
    serviceLog.write(`${line}\n`);
    const point = line.includes('"injected fault"') ? /"point":"(\w+)"/.exec(line)?.[1] : undefined;
    if (point) injected.set(point, (injected.get(point) ?? 0) + 1);
  },
});
say(`service on ${service.base} with faults ${FAULTS}; S3 front :${s3Chaos.port}, Snowflake front :${sfChaos.port}; ${MINUTES} min of traffic`);

const rec = recorder();
const call = client(service.base, rec);
let requests = 0;
let stopping = false;
let ticksStopped = false;
const ledger = { wrong: [], rejected: 0, resent: 0, uploads: [], s3: { rows: 0, invalid: 0 } };
const ctx = {
  call,
  ledger,
  stopping: () => stopping,
  ticksStopped: () => ticksStopped,
  takeRequest: () => ++requests <= MAX_REQUESTS,
  /** A random recently accepted event of the account, to re-send exactly as it was first sent. */
  pick(account) {
    return account.recent[Math.floor(Math.random() * account.recent.length)];
  },
};

/** The account as GET /admin/accounts/{id} reads it (its shards and whether a split runs). */
const accountRead = async (account) => (await call("manage", "GET", `/admin/accounts/${account.account_id}`, { admin: service.adminToken })).json;

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? ` — ${detail}` : ""}`);
}

try {
  // ---- two accounts, each with an S3 task and a Snowflake task ----
  const dataset = {
    rowType: [
      { name: "CUSTOMER_ID", type: "text" },
      { name: "EMAIL", type: "text" },
      { name: "N", type: "fixed" },
    ],
    rows: Array.from({ length: SF_ROWS }, (_, i) => [`sf-${i}`, i % 50 === 3 ? "broken-address" : `sf${i}@example.com`, String(i)]),
    partitionSize: 1_000,
  };
  const sfInvalid = dataset.rows.filter((r) => r[1] === "broken-address").length;
  await fetch(`http://127.0.0.1:${snowflake.port}/_test/dataset`, { method: "POST", body: JSON.stringify({ name: "soak", ...dataset }) });
  const accounts = [];
  // soak-a starts on one shard and is split to SPLIT_TO halfway through the traffic; soak-b has
  // 8 shards throughout. Both are counted from outside alike.
  for (const [name, eventShards] of [
    ["soak-a", 1],
    ["soak-b", 8],
  ]) {
    const res = await call("manage", "POST", "/admin/accounts", { admin: service.adminToken, json: { name, event_shards: eventShards } });
    if (res.status !== 201) throw new Error(`account: ${res.status} ${res.text}`);
    const account = { ...res.json, accepted: new Map(), recent: [] };
    const s3Task = await call("manage", "POST", "/api/v1/imports", {
      key: account.user_api_key,
      json: {
        name: "soak s3",
        source: {
          type: "s3",
          bucket: "soak",
          region: "us-east-1",
          endpoint: `http://127.0.0.1:${s3Chaos.port}`,
          prefix: `soak/`,
          access_key_id: "S3RVER",
          secret_access_key: "S3RVER",
        },
        schedule: { frequency: "hourly" },
        default_event: "soak_s3",
      },
    });
    const sfTask = await call("manage", "POST", "/api/v1/imports", {
      key: account.user_api_key,
      json: {
        name: "soak snowflake",
        source: {
          type: "snowflake",
          account: "testacct",
          user: "loader",
          private_key: snowflake.pem,
          warehouse: "WH",
          database: "DB",
          schema: "PUBLIC",
          query: "select * from soak",
          endpoint: `http://127.0.0.1:${sfChaos.port}`,
        },
        schedule: { frequency: "hourly" },
        default_event: "soak_sf",
      },
    });
    if (s3Task.status !== 201 || sfTask.status !== 201) throw new Error(`tasks: ${s3Task.text} ${sfTask.text}`);
    account.s3TaskId = s3Task.json.id;
    account.sfTaskId = sfTask.json.id;
    for (const id of [account.s3TaskId, account.sfTaskId]) await call("manage", "POST", `/api/v1/imports/${id}/launch`, { key: account.user_api_key });
    accounts.push(account);
  }
  // Both accounts' S3 tasks read the same prefix: each must import every object once, for itself
  // (new objects are dropped and runs asked for by account a; account b's runs come from the tick).

  // ---- traffic, for MINUTES ----
  const tickLoop = ticks(ctx, service.base);
  const started = Date.now();
  const progress = setInterval(
    () =>
      say(
        `${rec.counts.requests} requests, ${accounts.reduce((s, a) => s + a.accepted.size, 0)} events accepted, faults ${JSON.stringify(Object.fromEntries(injected))}`,
      ),
    30_000,
  );
  const generators = accounts.flatMap((a, i) => [
    singles(ctx, a),
    singles(ctx, a),
    bulks(ctx, a),
    uploads(ctx, a),
    snowflakeRuns(ctx, a),
    ...(i === 0 ? [s3Drops(ctx, a, s3)] : []),
  ]);
  await sleep((MINUTES * 60_000) / 2);
  const split = await call("manage", "PATCH", `/admin/accounts/${accounts[0].account_id}`, { admin: service.adminToken, json: { event_shards: SPLIT_TO } });
  say(`soak-a: split 1 → ${SPLIT_TO} asked for (${split.status}), traffic going on`);
  await sleep((MINUTES * 60_000) / 2);
  stopping = true;
  await Promise.all(generators);
  const trafficSeconds = (Date.now() - started) / 1000;
  say(`traffic stopped after ${trafficSeconds.toFixed(0)} s; draining with the source faults off`);

  // ---- drain: sources behave again; one more S3 and Snowflake run each; wait for every run ----
  s3Chaos.enabled = false;
  sfChaos.enabled = false;
  const drainDeadline = Date.now() + DRAIN_MINUTES * 60_000;
  const pending = new Set(
    accounts.flatMap((a) => [
      [a, a.s3TaskId],
      [a, a.sfTaskId],
    ]),
  );
  let runs = [];
  let replayed = 0;
  for (;;) {
    for (const entry of [...pending]) {
      const [a, taskId] = entry;
      const res = await call("manage", "POST", `/api/v1/imports/${taskId}/run`, { key: a.user_api_key });
      if (res.status === 202) pending.delete(entry);
    }
    // What the queues gave up on under the faults is replayed, as an operator would.
    replayed += await replayDeadLetters(call, service.adminToken);
    runs = (await Promise.all(accounts.map((a) => allRuns(call, a)))).flat();
    const open = runs.filter((r) => !ended(r)).length;
    const queued = await Promise.all(accounts.map(async (a) => (await storedEvents(call, a, "soak_api")).length));
    const expected = accounts.reduce((s, a) => s + a.accepted.size, 0);
    // An upload launched just before the traffic stopped gets its run at the next tick.
    const unstarted = ledger.uploads.filter((u) => !runs.some((r) => r.task_id === u.taskId)).length;
    const splitting = (await accountRead(accounts[0])).shards_status !== "ready";
    if (pending.size === 0 && open === 0 && unstarted === 0 && !splitting && queued.reduce((s, n) => s + n, 0) >= expected) break;
    if (Date.now() > drainDeadline) {
      say(`drain deadline: ${open} runs still open, ${unstarted} uploads without a run, ${pending.size} final runs not started`);
      break;
    }
    await sleep(3_000);
  }
  // A last look after a quiet spell: a late or doubled event is an absence check, which no
  // condition can be polled for, so the counts are read again after a fixed time.
  await sleep(3_000);
  ticksStopped = true;
  await tickLoop;
  clearInterval(progress);
  runs = (await Promise.all(accounts.map((a) => allRuns(call, a)))).flat();

  // ---- checks ----
  console.log("");
  const layout = await accountRead(accounts[0]);
  check(
    `soak-a: the split 1 → ${SPLIT_TO} asked for mid-traffic was accepted and has ended`,
    split.status === 202 && layout.event_shards === SPLIT_TO && layout.shards_status === "ready",
    `PATCH ${split.status}; now ${layout.event_shards} shards, ${layout.shards_status}`,
  );
  for (const a of accounts) {
    const c = compareStored(a.accepted, await storedEvents(call, a, "soak_api"));
    check(
      `${a.name}: API events accepted = stored, none doubled or altered`,
      c.missing === 0 && c.extra === 0 && c.duplicates === 0 && c.altered === 0 && c.stored === c.accepted,
      JSON.stringify(c),
    );
  }
  check(
    "invalid events and items were all refused with a 4xx, valid ones all accepted",
    ledger.wrong.length === 0,
    ledger.wrong.length ? ledger.wrong.slice(0, 5).join("; ") : `${ledger.rejected} refused, ${ledger.resent} re-sends`,
  );
  check(
    "the API never answered 5xx",
    rec.counts.server_errors === 0,
    rec.counts.server_errors ? rec.serverErrors.join(" | ") : `${rec.counts.requests} requests`,
  );

  const open = runs.filter((r) => !ended(r));
  check(
    "every run started ended in a terminal status",
    open.length === 0,
    `${runs.length} started, ${runs.length - open.length} ended${open.length ? `; open: ${open.map((r) => `${r.id} fetch=${r.fetch.status} processing=${r.processing.status}`).join(", ")}` : ""}`,
  );
  const unbalanced = runs.filter((r) => r.processing.status === "processed" && r.rows.total !== r.rows.processed + r.rows.errored);
  check(
    "every processed run: rows total = processed + errored",
    unbalanced.length === 0,
    `${runs.filter((r) => r.processing.status === "processed").length} processed runs`,
  );
  const failedRuns = runs.filter((r) => r.fetch.status === "failed" || r.processing.status === "failed");
  const unexplained = failedRuns.filter((r) => !(r.fetch.error || r.processing.error));
  check(
    "every failed run says why",
    unexplained.length === 0,
    failedRuns.length
      ? `${failedRuns.length} failed: ${[...new Set(failedRuns.map((r) => r.fetch.error ?? r.processing.error))].slice(0, 4).join(" | ")}`
      : "no run failed",
  );

  const wrongCounts = [];
  for (const u of ledger.uploads) {
    const taskRuns = runs.filter((r) => r.task_id === u.taskId);
    const ok =
      taskRuns.length === 1 && taskRuns[0].processing.status === "processed" && taskRuns[0].rows.total === u.rows && taskRuns[0].rows.errored === u.invalid;
    if (!ok)
      wrongCounts.push({ task: u.taskId, expected: u, runs: taskRuns.map((r) => ({ fetch: r.fetch.status, processing: r.processing.status, rows: r.rows })) });
  }
  check(
    "every uploaded file: one run, processed, rows in file = total, invalid rows = errored",
    wrongCounts.length === 0,
    wrongCounts.length ? JSON.stringify(wrongCounts.slice(0, 3)) : `${ledger.uploads.length} files, ${ledger.uploads.reduce((s, u) => s + u.rows, 0)} rows`,
  );
  const uploadEvents = (await Promise.all(accounts.map((a) => storedEvents(call, a, "soak_upload")))).flat();
  const expectedUpload = ledger.uploads.reduce((s, u) => s + u.rows - u.invalid, 0);
  const up = countDistinct(uploadEvents);
  check(
    "uploaded rows stored once each",
    up.stored === expectedUpload && up.distinct === up.stored,
    `${up.stored} stored (${up.distinct} distinct) of ${expectedUpload} valid rows`,
  );

  const s3Expected = ledger.s3.rows - ledger.s3.invalid;
  for (const a of accounts) {
    // Account b's task is only run by its schedule and the drain, so it picks up many objects at once.
    const s3Events = countDistinct(await storedEvents(call, a, "soak_s3"));
    const s3RowsRead = runs.filter((r) => r.task_id === a.s3TaskId && r.processing.status === "processed").reduce((s, r) => s + r.rows.total, 0);
    check(
      `${a.name}: S3 objects read once each over all runs, every valid row stored once`,
      s3RowsRead === ledger.s3.rows && s3Events.stored === s3Expected && s3Events.distinct === s3Events.stored,
      `${s3RowsRead} rows read of ${ledger.s3.rows} written; ${s3Events.stored} stored (${s3Events.distinct} distinct) of ${s3Expected} valid`,
    );
  }

  for (const a of accounts) {
    const sfRuns = runs.filter((r) => r.task_id === a.sfTaskId && r.processing.status === "processed");
    const sfEvents = countDistinct(await storedEvents(call, a, "soak_sf"));
    const badRuns = sfRuns.filter((r) => r.rows.total !== SF_ROWS || r.rows.errored !== sfInvalid);
    check(
      `${a.name}: Snowflake runs read all ${SF_ROWS} rows, and each valid row is stored once`,
      sfRuns.length > 0 && badRuns.length === 0 && sfEvents.stored === SF_ROWS - sfInvalid && sfEvents.distinct === sfEvents.stored,
      `${sfRuns.length} processed runs, ${sfEvents.stored} stored (${sfEvents.distinct} distinct) of ${SF_ROWS - sfInvalid}`,
    );
  }

  const dead = (await call("read back", "GET", "/admin/dead-letters?limit=100", { admin: service.adminToken })).json?.dead_letters ?? [];
  const unreplayed = dead.filter((d) => d.replays === 0).length;
  check(
    "every dead-lettered message was replayed (and stored above)",
    unreplayed === 0,
    `${dead.filter((d) => d.queue === "eei-events").length} events messages and ${dead.filter((d) => d.queue !== "eei-events").length} import jobs parked; ${replayed} replayed`,
  );

  const faults = Object.fromEntries(injected);
  check(
    "every fault point fired",
    FAULT_POINTS.every((p) => (injected.get(p) ?? 0) > 0),
    JSON.stringify(faults),
  );
  check(
    "the S3 and Snowflake fronts misbehaved",
    s3Chaos.stats.errors + s3Chaos.stats.stalls + s3Chaos.stats.drops > 0 && sfChaos.stats.errors + sfChaos.stats.stalls + sfChaos.stats.drops > 0,
    `S3 ${JSON.stringify(s3Chaos.stats)}, Snowflake ${JSON.stringify(sfChaos.stats)}`,
  );

  console.log("");
  for (const label of ["single event", "bulk call", "upload", "manage"]) {
    const s = rec.summary(label);
    if (s.calls) console.log(`latency ${label.padEnd(13)} ${String(s.calls).padStart(6)} calls  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms  peak ${s.peak_ms} ms`);
  }
  console.log(
    `traffic ${trafficSeconds.toFixed(0)} s, ${rec.counts.requests} requests, ${rec.counts.rate_limited} rate-limited, ${rec.counts.network_errors} network retries`,
  );
} catch (err) {
  check("the soak ran to the end", false, String(err?.stack ?? err));
} finally {
  stopping = true;
  ticksStopped = true;
  await service.stop();
  rmSync(ARMED_CONFIG, { force: true });
  s3Chaos.close();
  sfChaos.close();
  snowflake.close();
  await s3rver.close();
  rmSync(s3Dir, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok).length;
if (failed) console.log("\nThe service's output is in soak/.out/service.log.");
console.log(`\n${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
