// `npm run bench`: every benchmark against the real local service, in one run, ending with one
// JSON line of figures. Ratios compare things measured in this same run (the machines are noisy).
import "../scripts/ensure-dev-vars.mjs";
import { benchEvents } from "./events.mjs";
import { startService } from "./lib/service.mjs";

const service = await startService();
const figures = {};
try {
  Object.assign(figures, await benchEvents(service));
} finally {
  await service.stop();
}
console.log(JSON.stringify(figures));
process.exit(0);
