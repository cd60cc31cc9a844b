// `npm run bench`: every benchmark against the real local service, in one run, ending with one
// JSON line of figures. Ratios compare things measured in this same run (the machines are noisy).
// BENCH_ONLY=events|reads|csv|s3|snowflake|capacity runs one part; BENCH_SECONDS, BENCH_STORED_CALLS,
// BENCH_CSV_ROWS (and the others docs/performance.md lists) shrink them.
import "../scripts/ensure-dev-vars.mjs";
import { startService } from "../tools/service.mjs";
import { benchCapacity } from "./capacity.mjs";
import { benchCsv } from "./csv.mjs";
import { benchEventRoutes, benchEventStorage, benchShardReads } from "./events.mjs";
import { benchS3 } from "./s3.mjs";
import { benchSnowflake } from "./snowflake.mjs";

const part = (name) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === name;
const figures = {};

// The request-rate figures get a fresh service of their own: under wrangler dev every request
// leaves memory behind in its workerd processes, and after the storage phases' floods (and a
// database of a million events) the same routes serve fewer requests for good
// (docs/performance.md). Both routes of the ratio are measured alternately on the one service
// either way.
if (part("events")) {
  const routes = await startService();
  try {
    Object.assign(figures, await benchEventRoutes(routes));
  } finally {
    await routes.stop();
  }
}

// The storage service also serves POST /bench/parse, the floor of bulk_vs_noop_ratio.
if (["events", "reads", "csv", "s3", "snowflake"].some(part)) {
  const service = await startService({ args: ["--var", "BENCH_PARSE_ROUTE:true"] });
  try {
    if (part("events")) Object.assign(figures, await benchEventStorage(service));
    if (part("reads")) Object.assign(figures, await benchShardReads(service));
    if (part("csv")) Object.assign(figures, await benchCsv(service));
    if (part("s3")) Object.assign(figures, await benchS3(service));
    if (part("snowflake")) Object.assign(figures, await benchSnowflake(service));
  } finally {
    await service.stop();
  }
}
if (part("capacity")) Object.assign(figures, benchCapacity());
console.log(JSON.stringify(figures));
process.exit(0);
