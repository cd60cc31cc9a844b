// `npm start`: the whole service locally — D1 (migrations applied), R2, Queues — with no cloud account.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import "./ensure-dev-vars.mjs";

const port = process.env.PORT || "8787";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], { stdio: ["ignore", "inherit", "inherit"], env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "$ADMIN_TOKEN";
const dev = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--port", port, "--show-interactive-dev-session=false"], {
  stdio: ["ignore", "pipe", "inherit"],
  env,
});
let announced = false;
dev.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/.test(String(chunk))) {
    announced = true;
    console.log(`
Edge Event Imports is listening on http://127.0.0.1:${port}  (dashboard at /, API reference at /docs)
Create an account:
  curl -s -X POST http://127.0.0.1:${port}/admin/accounts -H 'Authorization: Bearer ${adminToken}' -H 'Content-Type: application/json' -d '{"name":"acme"}'
`);
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
