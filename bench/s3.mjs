// S3 imports: 100 objects of 1 MB fetched from a local S3 server (@20minutes/s3rver, SigV4
// checked) into R2 by a run, next to the floor in the same run: a plain GET loop from Node against
// the same server, writing each object to a local file as the run writes it to R2.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";
import { AwsClient } from "aws4fetch";
import { launchedTask, runNow, waitForRun } from "../tools/imports.mjs";
import { createAccount } from "../tools/service.mjs";

const OBJECTS = Number(process.env.BENCH_S3_OBJECTS ?? 100);
const SIZE = 1_000_000;
const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** ~1 MB of CSV in 50 rows, so processing after the fetch stays small. */
function object(i) {
  const head = "customer_id,n,pad\n";
  const row = (n) => `s3-bench-${i},${n},`;
  let out = head;
  for (let n = 0; out.length < SIZE - 100; n++) out += `${row(n)}${"x".repeat(Math.min(19_000, SIZE - out.length - 60))}\n`;
  return out;
}

export async function benchS3(service) {
  const dir = mkdtempSync(join(tmpdir(), "eei-bench-s3-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir, configureBuckets: [{ name: "bench" }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new AwsClient({ ...creds, service: "s3", region: "us-east-1", retries: 0 });
  try {
    let bytes = 0;
    for (let i = 0; i < OBJECTS; i++) {
      const body = object(i);
      bytes += body.length;
      const res = await s3.fetch(`${endpoint}/bench/objects/${String(i).padStart(3, "0")}.csv`, { method: "PUT", body });
      if (!res.ok) throw new Error(`put: ${res.status}`);
    }
    // Floor: the same objects GET one after another from Node, each written to a file.
    const copies = mkdtempSync(join(tmpdir(), "eei-bench-s3-copies-"));
    const floorStart = performance.now();
    for (let i = 0; i < OBJECTS; i++) {
      const res = await s3.fetch(`${endpoint}/bench/objects/${String(i).padStart(3, "0")}.csv`);
      writeFileSync(join(copies, `${i}.csv`), Buffer.from(await res.arrayBuffer()));
    }
    const floorSeconds = (performance.now() - floorStart) / 1000;
    rmSync(copies, { recursive: true, force: true });

    const acct = await createAccount(service, "bench-s3");
    const taskId = await launchedTask(service, acct.user_api_key, {
      name: "s3 bench",
      source: {
        type: "s3",
        bucket: "bench",
        region: "us-east-1",
        endpoint,
        prefix: "objects/",
        access_key_id: creds.accessKeyId,
        secret_access_key: creds.secretAccessKey,
      },
      schedule: { frequency: "daily" },
    });
    await runNow(service, acct.user_api_key, taskId);
    const run = await waitForRun(service, acct.user_api_key, taskId, (r) => r.fetch.status !== "fetching");
    if (run.fetch.status !== "fetched" || run.files.length !== OBJECTS) throw new Error(`fetch failed: ${JSON.stringify(run.fetch)}`);
    // The run's own fetch timestamps: from its start to every object staged in R2.
    const seconds = (Date.parse(run.fetch.ended_at) - Date.parse(run.fetch.started_at)) / 1000;
    const mbPerS = bytes / 1e6 / seconds;
    const floorMbPerS = bytes / 1e6 / floorSeconds;
    console.log(
      `s3 fetch: ${OBJECTS} objects, ${(bytes / 1e6).toFixed(0)} MB into R2 in ${seconds.toFixed(2)} s = ${(OBJECTS / seconds).toFixed(1)} objects/s, ${mbPerS.toFixed(1)} MB/s; ` +
        `Node GET loop writing files ${floorSeconds.toFixed(2)} s = ${floorMbPerS.toFixed(1)} MB/s`,
    );
    return {
      s3_objects_per_s: Number((OBJECTS / seconds).toFixed(1)),
      s3_mb_per_s: Number(mbPerS.toFixed(1)),
      s3_floor_mb_per_s: Number(floorMbPerS.toFixed(1)),
      s3_vs_floor_ratio: Number((mbPerS / floorMbPerS).toFixed(3)),
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
