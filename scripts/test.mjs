// `npm test`: every check, as named steps run in order; the first that fails stops the run.
// `npm test -- NAME…` runs only the steps whose names contain one of the words (e.g. `npm test -- vitest`).
// A word with a slash is a test file: `npm test -- vitest test/events/bulk-events.test.ts` runs
// vitest on that file alone; files alone (no NAME) run the steps those files belong to.
import { spawnSync } from "node:child_process";

// [name, command, and for a step that runs test files: which files are its, and its default set]
const steps = [
  ["local secrets file", "node scripts/ensure-dev-vars.mjs"],
  ["format and lint (biome)", "biome check ."],
  ["dashboard bundle matches public/", "node scripts/build-dashboard.mjs --check"],
  ["env types match wrangler.toml", "wrangler types --check"],
  ["typescript", "tsc --noEmit"],
  ["deploy build", "wrangler deploy --dry-run --outdir dist > /dev/null"],
  ["deploy build has no fault points", "node scripts/check-bundle.mjs"],
  ["no SQL built from strings", "node scripts/check-sql.mjs"],
  // s3rver, the local S3 server the import tests talk to, signs with an MD4-era OpenSSL call.
  ["vitest in workerd, accounts of 1 shard", "EEI_TEST_SHARDS=1 NODE_OPTIONS=--openssl-legacy-provider vitest run", { files: /\.test\.ts$/ }],
  ["vitest in workerd, accounts of 8 shards", "EEI_TEST_SHARDS=8 NODE_OPTIONS=--openssl-legacy-provider vitest run", { files: /\.test\.ts$/ }],
  ["service tests against wrangler dev", "node --test --test-concurrency=1", { files: /\.service\.mjs$/, all: "test/service/*.service.mjs" }],
];

const words = process.argv.slice(2);
const files = words.filter((w) => w.includes("/"));
const names = words.filter((w) => !w.includes("/"));
const filesOf = (step) => files.filter((f) => step[2]?.files.test(f));
const chosen = steps.filter((step) => (names.length ? names.some((w) => step[0].includes(w)) : !files.length || filesOf(step).length));
const done = [];
for (const step of chosen) {
  const [name] = step;
  const given = filesOf(step);
  const command = [step[1], ...(given.length ? given : [step[2]?.all ?? ""])].join(" ").trim();
  console.log(`\n▶ ${name}: ${command}`);
  const started = performance.now();
  const { status } = spawnSync(command, { shell: true, stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  done.push(`${status === 0 ? "✓" : "✗"} ${name} (${seconds} s)`);
  if (status !== 0) {
    console.error(`\n${done.join("\n")}\n\nnpm test stopped: "${name}" failed.`);
    process.exit(status ?? 1);
  }
}
console.log(`\n${done.join("\n")}`);
