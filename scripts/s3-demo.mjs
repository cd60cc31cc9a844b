// `npm run demo:s3` (with `npm start` running): drops a CSV into the local R2 bucket through its
// S3 API, then imports it with an S3 task — the whole S3 path, with no cloud account.
import { readFileSync } from "node:fs";
import { AwsClient } from "aws4fetch";
import { waitFor } from "../tools/wait.mjs";

const base = `http://127.0.0.1:${process.env.PORT || 8787}`;
const bucket = "edge-event-imports-files";
const endpoint = `${base}/cdn-cgi/local/r2/s3`;
const creds = { accessKeyId: "local-demo-key", secretAccessKey: "local-demo-secret" }; // wrangler.toml local_dev
const admin = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();

const s3 = new AwsClient({ ...creds, service: "s3", region: "auto", retries: 0 });
const key = `demo/${new Date().toISOString().slice(0, 10)}/purchases.csv`;
const csv = "event,customer_id,email,amount\npurchase,demo-1,ann@example.com,19.90\npurchase,demo-2,bob@example.com,5\nbad.name,demo-3,,\n";
const put = await s3.fetch(`${endpoint}/${bucket}/${key}`, { method: "PUT", body: csv });
if (!put.ok) throw new Error(`S3 PUT failed: ${put.status} ${await put.text()}`);
console.log(`put s3://${bucket}/${key} through ${endpoint}`);

const json = async (res) => {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
};
const acct = await json(
  await fetch(`${base}/admin/accounts`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "s3-demo" }),
  }),
);
const auth = { authorization: `Bearer ${acct.user_api_key}`, "content-type": "application/json" };
const task = await json(
  await fetch(`${base}/api/v1/imports`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      name: "S3 demo",
      source: {
        type: "s3",
        bucket,
        region: "auto",
        endpoint,
        prefix: "demo/",
        pattern: "**/*.csv",
        access_key_id: creds.accessKeyId,
        secret_access_key: creds.secretAccessKey,
      },
      schedule: { frequency: "daily" },
      mapping: { amount: { field: "amount", type: "decimal" } },
    }),
  }),
);
await json(await fetch(`${base}/api/v1/imports/${task.id}/launch`, { method: "POST", headers: auth }));
await fetch(`${base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`); // one scheduler tick
const run = await waitFor(
  async () => {
    const [newest] = (await json(await fetch(`${base}/api/v1/imports/${task.id}/runs`, { headers: auth }))).runs;
    return newest && (newest.fetch.status === "failed" || (newest.processing.status !== null && newest.processing.status !== "processing"))
      ? newest
      : undefined;
  },
  { timeoutMs: 20_000, intervalMs: 200, what: "the demo run to end" },
);
console.log(JSON.stringify(run, null, 2));
console.log(`user key for this account: ${acct.user_api_key}  (task ${task.id})`);
