// `npm run bench`: every benchmark against the real local service, in one run, ending with one
// JSON line of figures. Ratios compare things measured in this same run (the machines are noisy).
// BENCH_ONLY=events|csv|s3|snowflake runs one part; BENCH_SECONDS, BENCH_STORED_CALLS, BENCH_CSV_ROWS shrink them.
import "../scripts/ensure-dev-vars.mjs";
import { benchCsv } from "./csv.mjs";
import { benchEvents } from "./events.mjs";
import { benchS3 } from "./s3.mjs";
import { benchSnowflake } from "./snowflake.mjs";
import { startService } from "./lib/service.mjs";

const service = await startService();
const figures = {};
try {
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "events") Object.assign(figures, await benchEvents(service));
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "csv") Object.assign(figures, await benchCsv(service));
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "s3") Object.assign(figures, await benchS3(service));
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "snowflake") Object.assign(figures, await benchSnowflake(service));
} finally {
  await service.stop();
}
console.log(JSON.stringify(figures));
process.exit(0);
