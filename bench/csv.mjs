// File imports (issue: file imports): a generated 1,000,000-row CSV uploaded (multipart), launched
// and processed end to end on the local service, next to this machine's raw floor in the same run:
// papaparse parsing the same file plus node:sqlite storing its rows in the shard schema, in one Node process.
import { createReadStream, createWriteStream, mkdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import Papa from "papaparse";
import { ended, waitForRun } from "../tools/imports.mjs";
import { basic, createAccount, workerdRssMb } from "../tools/service.mjs";
import { eventRow, openShardFloor } from "./shard-floor.mjs";

const ROWS = Number(process.env.BENCH_CSV_ROWS ?? 1_000_000);
const FILE = "bench/.out/events.csv";

async function generate() {
  mkdirSync(dirname(FILE), { recursive: true });
  const out = createWriteStream(FILE);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once("drain", r)));
  await write("event,customer_id,email,timestamp,product_ids,amount\n");
  let buf = "";
  for (let i = 0; i < ROWS; i++) {
    buf += `purchase,cust-${i % 50_000},u${i % 50_000}@example.com,2025-06-01T12:${String(i % 60).padStart(2, "0")}:00Z,sku-${i % 97}|sku-${i % 13},${(i % 1000) / 10}\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = "";
    }
  }
  await write(buf);
  await new Promise((r) => out.end(r));
  return statSync(FILE).size;
}

/**
 * papaparse + node:sqlite with the shard schema in one process: what this machine can do with no
 * runtime, queue or network. Rows are stored 10,000 to a transaction, as the import's chunks are.
 */
async function floor() {
  const shard = openShardFloor();
  const receivedAt = new Date().toISOString();
  const start = performance.now();
  let n = 0;
  let rows = [];
  await new Promise((resolve, reject) => {
    Papa.parse(createReadStream(FILE, "utf8"), {
      header: false,
      step: ({ data }) => {
        if (n++ === 0 || data.length < 6) return;
        rows.push(
          eventRow({
            event: data[0],
            customerId: data[1],
            email: data[2],
            productIds: data[4].split("|"),
            tsMs: Date.parse(data[3]),
            attributes: { amount: Number(data[5]) },
            receivedAt,
          }),
        );
        if (rows.length === 10_000) {
          shard.store(rows, "import", "task", "run");
          rows = [];
        }
      },
      complete: resolve,
      error: reject,
    });
  });
  if (rows.length > 0) shard.store(rows, "import", "task", "run");
  const seconds = (performance.now() - start) / 1000;
  shard.close();
  return { rows: n - 1, seconds, perSecond: (n - 1) / seconds };
}

async function uploadMultipart(service, key, taskId) {
  const auth = { authorization: basic(key) };
  const start = await fetch(`${service.base}/api/v1/imports/${taskId}/file/multipart`, { method: "POST", headers: auth });
  const { upload_id, part_size } = await start.json();
  const fh = await open(FILE);
  const size = (await fh.stat()).size;
  const parts = [];
  for (let n = 1, at = 0; at < size; n++, at += part_size) {
    const buf = Buffer.alloc(Math.min(part_size, size - at));
    await fh.read(buf, 0, buf.length, at);
    const res = await fetch(`${service.base}/api/v1/imports/${taskId}/file/multipart/${upload_id}/${n}`, { method: "PUT", headers: auth, body: buf });
    if (!res.ok) throw new Error(`part ${n}: ${res.status} ${await res.text()}`);
    parts.push(await res.json());
  }
  await fh.close();
  const done = await fetch(`${service.base}/api/v1/imports/${taskId}/file/multipart/${upload_id}/complete`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ parts, name: "events.csv" }),
  });
  if (!done.ok) throw new Error(`complete: ${done.status} ${await done.text()}`);
}

export async function benchCsv(service) {
  const bytes = await generate();
  console.log(`csv: generated ${ROWS.toLocaleString("en-US")} rows, ${(bytes / 1e6).toFixed(1)} MB`);
  const acct = await createAccount(service, "bench-csv");
  const auth = { authorization: basic(acct.user_api_key), "content-type": "application/json" };
  const created = await fetch(`${service.base}/api/v1/imports`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ name: "bench", source: { type: "upload" }, mapping: { amount: { field: "amount", type: "decimal" } } }),
  }).then((r) => r.json());
  let sampler;
  try {
    await uploadMultipart(service, acct.user_api_key, created.id);
    // Memory is watched during the import itself, from launch to processed (the upload is not part of it).
    const baseline = workerdRssMb(service.pid);
    let peak = baseline;
    sampler = setInterval(() => {
      peak = Math.max(peak, workerdRssMb(service.pid));
    }, 200);
    await fetch(`${service.base}/api/v1/imports/${created.id}/launch`, { method: "POST", headers: auth });
    const start = performance.now();
    const tick = await fetch(`${service.base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);
    if (!tick.ok) throw new Error(`tick failed: ${tick.status}`);
    const run = await waitForRun(service, acct.user_api_key, created.id, ended, 15);
    const seconds = (performance.now() - start) / 1000;
    if (run.processing?.status !== "processed" || run.rows.processed !== ROWS) throw new Error(`import did not finish cleanly: ${JSON.stringify(run)}`);
    clearInterval(sampler);
    const rowsPerS = ROWS / seconds;
    console.log(
      `csv import: ${ROWS.toLocaleString("en-US")} rows from launch to processed in ${seconds.toFixed(1)} s = ${Math.round(rowsPerS)} rows/s; workerd RSS ${baseline.toFixed(0)} → peak ${peak.toFixed(0)} MB`,
    );
    const f = await floor();
    console.log(`csv floor (papaparse + node:sqlite with the shard schema, one Node process): ${Math.round(f.perSecond)} rows/s (${f.seconds.toFixed(1)} s)`);
    return {
      csv_rows_per_s: Math.round(rowsPerS),
      csv_floor_rows_per_s: Math.round(f.perSecond),
      csv_vs_floor_ratio: Number((rowsPerS / f.perSecond).toFixed(3)),
      csv_peak_mem_growth_mb: Math.round(peak - baseline),
    };
  } finally {
    clearInterval(sampler);
  }
}
