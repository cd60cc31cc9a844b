import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkJob } from "../../src/imports/jobs";
import worker from "../../src/index";
import { type Account, call, createAccount } from "../support/client";
import { createUploadTask, importFile, launch, runs, settledRun, tick, upload } from "../support/imports";
import { countStored } from "../support/shards";
import { waitFor } from "../support/wait";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("redelivery");
});

async function deliverChunk(job: ReturnType<typeof chunkJob>) {
  const batch = createMessageBatch("eei-chunks", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: job }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}
const count = (runId: string) => countStored(acct.account_id, "run_id = ?", runId);

const csv = (tag: string) => ["event,customer_id,n", ...Array.from({ length: 9 }, (_, i) => `view,${tag},${i}`), "bad.name,x,9"].join("\n");

describe("at-least-once chunk delivery", () => {
  it("changes nothing when a processed chunk is delivered again", async () => {
    const { taskId, run } = await importFile(acct, csv(crypto.randomUUID()));
    expect(run.rows).toEqual({ total: 10, processed: 9, errored: 1 });
    const result = await deliverChunk(chunkJob(run.id, 0, 0, 1, 0));
    expect(result.explicitAcks).toHaveLength(1);
    const [again] = await runs(acct, taskId);
    expect(again.rows).toEqual({ total: 10, processed: 9, errored: 1 });
    expect(await count(run.id)).toBe(9);
  });

  it("stores nothing twice when a whole file is processed again (a retried run)", async () => {
    const { taskId, run } = await importFile(acct, csv(crypto.randomUUID()));
    // Rewind the run as if its chunks had never been recorded, then replay the first chunk.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM run_chunks WHERE run_id = ?").bind(run.id),
      env.DB.prepare(
        "UPDATE run_files SET next_offset = 0, next_line = 1, next_row = 0, done = 0, header = NULL, gzip = NULL, encoding = NULL, newline = NULL WHERE run_id = ?",
      ).bind(run.id),
      env.DB.prepare("UPDATE runs SET processing_status = 'processing', rows_total = 0, rows_processed = 0, rows_errored = 0 WHERE id = ?").bind(run.id),
    ]);
    await deliverChunk(chunkJob(run.id, 0, 0, 1, 0));
    const [again] = await runs(acct, taskId).then(async (r) => (r[0].processing.status === "processed" ? r : [await settledRun(acct, taskId)]));
    expect(again.rows).toEqual({ total: 10, processed: 9, errored: 1 });
    expect(await count(run.id)).toBe(9);
    const errors = await env.DB.prepare("SELECT count(*) AS n FROM run_errors WHERE run_id = ?").bind(run.id).first<{ n: number }>();
    expect(errors?.n).toBe(1);
  });

  it("gives the same rows the same event_uuids in a second run of the same file", async () => {
    const t = await createUploadTask(acct);
    const tag = crypto.randomUUID();
    await upload(acct, t.id, csv(tag));
    await launch(acct, t.id);
    await tick();
    const first = await settledRun(acct, t.id);
    // Make the once task runnable by hand again, as a retry would.
    await env.DB.prepare("UPDATE tasks SET status = 'launched' WHERE id = ?").bind(t.id).run();
    const res = await call(`/api/v1/imports/${t.id}/run`, { method: "POST", key: acct.user_api_key });
    expect(res.status, res.text).toBe(202);
    const second = await settledRun(acct, t.id);
    expect(second.id).not.toBe(first.id);
    expect(second.rows).toEqual({ total: 10, processed: 9, errored: 1 });
    expect(await countStored(acct.account_id, "customer_id = ?", tag)).toBe(9);
  });

  it("counts exactly when a chunk's events reached the shards but its D1 batch failed", async () => {
    const t = await createUploadTask(acct);
    const tag = crypto.randomUUID();
    await upload(acct, t.id, csv(tag));
    // Every chunk of this task fails at its D1 batch (after its events are stored) until the trigger goes.
    const trigger = `fail_chunks_${t.id.replace(/-/g, "")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON run_chunks WHEN (SELECT task_id FROM runs WHERE id = NEW.run_id) = '${t.id}'
       BEGIN SELECT RAISE(ABORT, 'injected: the chunk batch fails'); END`,
    ).run();
    try {
      await launch(acct, t.id);
      await tick();
      await waitFor(async () => ((await countStored(acct.account_id, "customer_id = ?", tag)) > 0 ? true : undefined), "a failed chunk's events in the shards");
      const [stuck] = await runs(acct, t.id);
      expect(stuck.rows).toEqual({ total: 0, processed: 0, errored: 0 });
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    const run = await settledRun(acct, t.id);
    expect(run.rows).toEqual({ total: 10, processed: 9, errored: 1 });
    expect(await countStored(acct.account_id, "customer_id = ?", tag)).toBe(9);
  });
});
