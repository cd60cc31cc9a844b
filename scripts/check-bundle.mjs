// Part of `npm test`, after `wrangler deploy --dry-run --outdir dist`: the bundle a deploy would
// upload must not contain the soak suite's fault points (src/ops/faults/armed.ts), only the no-ops.
import { readFileSync } from "node:fs";

const bundle = readFileSync("dist/index.js", "utf8");
const leaks = ["injected fault", "EEI_FAULTS"].filter((marker) => bundle.includes(marker));
if (leaks.length > 0) {
  console.error(`dist/index.js contains fault-injection code (${leaks.join(", ")}): the eei-faults alias must point at src/ops/faults/off.ts`);
  process.exit(1);
}
