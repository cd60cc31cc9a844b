import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkJob } from "../../src/imports/jobs";
import worker from "../../src/index";
import { type Account, call, createAccount } from "../support/client";
import { eventsOf, importFile, settledRun } from "../support/imports";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("json-lines");
});

async function deliverChunk(job: ReturnType<typeof chunkJob>) {
  const batch = createMessageBatch("eei-chunks", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: job }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

/**
 * Turns a finished upload run into one that processes `text` as a staged JSON-lines file, the way
 * a Snowflake fetch stages its partitions, and delivers the file's first chunk.
 */
async function processJsonLines(text: string) {
  const { taskId, run } = await importFile(acct, `event,customer_id\nview,${crypto.randomUUID()}\n`);
  return stageAgain(taskId, run, text);
}

/** Stages `text` as the run's file again, from its start, and processes it: a retried run of the same task. */
async function stageAgain(taskId: string, run: { id: string }, text: string) {
  const key = `runs/${acct.account_id}/${run.id}/p0.ndjson`;
  const bytes = new TextEncoder().encode(text);
  await env.FILES.put(key, bytes);
  await env.DB.batch([
    env.DB.prepare("DELETE FROM run_chunks WHERE run_id = ?").bind(run.id),
    env.DB.prepare(
      `UPDATE run_files SET kind = 'ndjson', r2_key = ?2, bytes = ?3, identity = ?4, header = '["row"]', gzip = 0, encoding = 'utf-8',
        newline = '\n', next_offset = 0, next_line = 1, next_row = 0, done = 0 WHERE run_id = ?1`,
    ).bind(run.id, key, bytes.byteLength, `sf:${taskId}`),
    env.DB.prepare("UPDATE runs SET processing_status = 'processing', rows_total = 0, rows_processed = 0, rows_errored = 0 WHERE id = ?").bind(run.id),
  ]);
  const result = await deliverChunk(chunkJob(run.id, 0, 0, 1, 0));
  expect(result.explicitAcks).toHaveLength(1);
  return { taskId, run: await settledRun(acct, taskId) };
}

describe("staged JSON-lines files", () => {
  it("stores each object line, and makes a line that is not a JSON object that line's error instead of failing the chunk", async () => {
    const tag = crypto.randomUUID();
    const row = (n: number) => JSON.stringify({ customer_id: tag, n, tags: ["x"] });
    // Six lines over two chunks of four rows (vitest.config.mts), the last without a line break.
    const { taskId, run } = await processJsonLines([row(1), "not json", row(2), "[1,2]", "", row(3)].join("\n"));
    expect(run.processing.status, JSON.stringify(run)).toBe("processed");
    expect(run.rows).toEqual({ total: 5, processed: 3, errored: 2 });
    const events = await eventsOf(acct, tag);
    expect(events.map((e) => e.attributes.n).sort()).toEqual([1, 2, 3]);
    expect(events[0].attributes.tags).toEqual(["x"]);
    const report = await call(`/api/v1/imports/${taskId}/runs/${run.id}/errors.csv`, { key: acct.user_api_key });
    expect(report.text).toBe('row,line,error\r\nnot json,2,the line is not valid JSON\r\n"[1,2]",4,the line is JSON but not an object\r\n');
  });

  it("names a row with a timestamp by its time and content: the uuid starts with the time, and the same rows staged again in another order store nothing twice", async () => {
    const tag = crypto.randomUUID();
    const times = ["2025-03-01T10:00:00.000Z", "2025-03-01T10:00:00.000Z", "2025-03-02T08:30:00.250Z", "2024-12-31T23:59:59.999Z"];
    const lines = times.map((timestamp, n) => JSON.stringify({ customer_id: tag, timestamp, n }));
    const first = await processJsonLines(lines.join("\n"));
    expect(first.run.rows).toEqual({ total: 4, processed: 4, errored: 0 });
    const events = await eventsOf(acct, tag);
    expect(events).toHaveLength(4);
    for (const e of events) {
      const prefix = Date.parse(e.timestamp).toString(16).padStart(12, "0");
      expect(e.event_uuid.replace(/-/g, "").slice(0, 12)).toBe(prefix);
      expect(e.event_uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    // Two rows of the same millisecond still get uuids of their own.
    expect(new Set(events.map((e) => e.event_uuid)).size).toBe(4);

    const again = await stageAgain(first.taskId, first.run, lines.toReversed().join("\n"));
    expect(again.run.rows).toEqual({ total: 4, processed: 4, errored: 0 });
    const after = await eventsOf(acct, tag);
    expect(after.map((e) => e.event_uuid).sort()).toEqual(events.map((e) => e.event_uuid).sort());
  });

  it("keeps the plain content uuid for a row without a timestamp, so a re-run names it the same", async () => {
    const tag = crypto.randomUUID();
    const line = JSON.stringify({ customer_id: tag, n: 1 });
    const first = await processJsonLines(line);
    const [event] = await eventsOf(acct, tag);
    expect(event.event_uuid.replace(/-/g, "").slice(0, 12)).not.toBe(Date.parse(event.timestamp).toString(16).padStart(12, "0"));
    await stageAgain(first.taskId, first.run, line);
    expect((await eventsOf(acct, tag)).map((e) => e.event_uuid)).toEqual([event.event_uuid]);
  });

  it("reads CRLF lines and a blank last line", async () => {
    const tag = crypto.randomUUID();
    const row = (n: number) => JSON.stringify({ customer_id: tag, n });
    const { run } = await processJsonLines(`${[1, 2, 3, 4, 5].map(row).join("\r\n")}\r\n\r\n`);
    expect(run.processing.status, JSON.stringify(run)).toBe("processed");
    expect(run.rows).toEqual({ total: 5, processed: 5, errored: 0 });
    expect((await eventsOf(acct, tag)).map((e) => e.attributes.n).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
