// Snowflake imports: a 200,000-row result in 10 partitions from the local SQL API v2 test server
// to `processed`, next to the floor in the same run: Node fetching and decoding the same
// partitions and storing each as event rows in node:sqlite with the shard schema, as the run
// stores them in a shard.
import { build } from "esbuild";
import { startSnowflakeServer } from "../test/support/snowflake-server.ts";
import { ended, launchedTask, runNow, waitForRun } from "../tools/imports.mjs";
import { createAccount } from "../tools/service.mjs";
import { eventRow, openShardFloor } from "./shard-floor.mjs";

/** The Worker's own client, decoder and uuid layout, bundled for Node, so the floor decodes and orders its rows as the import does. */
async function workerCode() {
  await build({
    stdin: {
      contents:
        'export { snowflakeClient } from "./src/imports/sources/snowflake/client"; export { decoderFor } from "./src/imports/sources/snowflake/decode"; export { timeOrdered } from "./src/imports/chunk/row-uuid";',
      resolveDir: ".",
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: "bench/.out/snowflake-lib.mjs",
    logLevel: "error",
  });
  return import(`./.out/snowflake-lib.mjs?${Date.now()}`);
}

const ROWS = Number(process.env.BENCH_SF_ROWS ?? 200_000);
const PARTITIONS = 10;

export async function benchSnowflake(service) {
  const { snowflakeClient, decoderFor, timeOrdered } = await workerCode();
  const server = await startSnowflakeServer();
  const endpoint = `http://127.0.0.1:${server.port}`;
  try {
    const rowType = [
      { name: "CUSTOMER_ID", type: "text" },
      { name: "EVENT", type: "text" },
      { name: "AMOUNT", type: "fixed", scale: 2 },
      { name: "TIMESTAMP", type: "timestamp_ntz" },
      { name: "PROPS", type: "variant" },
    ];
    const rows = Array.from({ length: ROWS }, (_, i) => [
      `sf-${i % 10_000}`,
      "purchase",
      `${(i % 10_000) / 100}`,
      `${1_700_000_000 + i}.000000000`,
      `{"n": ${i}}`,
    ]);
    const reg = await fetch(`${endpoint}/_test/dataset`, {
      method: "POST",
      body: JSON.stringify({ name: "bench", rowType, rows, partitionSize: Math.ceil(ROWS / PARTITIONS) }),
    });
    if (!reg.ok) throw new Error("dataset registration failed");
    const cfg = { account: "testacct", user: "loader", private_key: server.pem, warehouse: "WH", database: "DB", schema: "PUBLIC", endpoint };

    // Floor: the same statement and partitions fetched and decoded by Node, each partition's rows
    // stored as events (CUSTOMER_ID, EVENT and TIMESTAMP as fields, the rest as attributes) in one
    // transaction, their uuids led by their time as the import's are.
    const shard = openShardFloor();
    const floorStart = performance.now();
    const client = await snowflakeClient(cfg);
    const result = await client.execute("select * from bench");
    const decoders = result.rowType.map(decoderFor);
    const receivedAt = new Date().toISOString();
    let decoded = 0;
    for (let n = 0; n < result.partitions; n++) {
      const data = n === 0 ? result.first : await client.partition(result.handle, n);
      const rows = [];
      for (const row of data) {
        const obj = {};
        for (let i = 0; i < row.length; i++) obj[result.rowType[i].name] = decoders[i](row[i]);
        const { CUSTOMER_ID, EVENT, TIMESTAMP, ...attributes } = obj;
        const tsMs = Date.parse(TIMESTAMP);
        rows.push(eventRow({ uuid: timeOrdered(crypto.randomUUID(), tsMs), event: EVENT, customerId: CUSTOMER_ID, tsMs, attributes, receivedAt }));
        decoded++;
      }
      shard.store(rows, "import", "task", "run");
    }
    const floorSeconds = (performance.now() - floorStart) / 1000;
    shard.close();
    if (decoded !== ROWS) throw new Error(`floor decoded ${decoded} rows`);

    const acct = await createAccount(service, "bench-snowflake");
    const taskId = await launchedTask(service, acct.user_api_key, {
      name: "sf bench",
      source: { type: "snowflake", ...cfg, query: "select * from bench" },
      schedule: { frequency: "daily" },
      default_event: "purchase",
    });
    const start = performance.now();
    await runNow(service, acct.user_api_key, taskId);
    const run = await waitForRun(service, acct.user_api_key, taskId, ended);
    const seconds = (performance.now() - start) / 1000;
    if (run.processing?.status !== "processed" || run.rows.processed !== ROWS)
      throw new Error(`snowflake import did not finish cleanly: ${JSON.stringify(run)}`);
    const rowsPerS = ROWS / seconds;
    const floorRowsPerS = ROWS / floorSeconds;
    console.log(
      `snowflake: ${ROWS.toLocaleString("en-US")} rows in ${result.partitions} partitions to processed in ${seconds.toFixed(1)} s = ${Math.round(rowsPerS)} rows/s; ` +
        `Node fetch + decode + node:sqlite ${floorSeconds.toFixed(2)} s = ${Math.round(floorRowsPerS)} rows/s`,
    );
    return {
      snowflake_rows_per_s: Math.round(rowsPerS),
      snowflake_floor_rows_per_s: Math.round(floorRowsPerS),
      snowflake_vs_floor_ratio: Number((rowsPerS / floorRowsPerS).toFixed(3)),
    };
  } finally {
    server.close();
  }
}
