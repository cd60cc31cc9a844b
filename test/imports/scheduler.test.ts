import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { createUploadTask, runs, settledRun, tick as tickOnce, upload } from "../support/imports";
import { waitFor } from "../support/wait";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("scheduler");
});

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`/api/v1${path}`, { key: acct.user_api_key, ...init });
const HOUR = 3_600_000;

/** A tick, then the wait until every run it started has ended (fetch jobs run on the queue). */
async function tick(when: Date) {
  await tickOnce(when);
  await waitFor(
    async () => {
      const active = await env.DB.prepare(
        "SELECT count(*) AS n FROM runs WHERE account_id = ? AND (fetch_status = 'fetching' OR processing_status = 'processing')",
      )
        .bind(acct.account_id)
        .first<{ n: number }>();
      return active?.n === 0 ? true : undefined;
    },
    { what: "the tick's runs to end" },
  );
}
// Recurring tasks need a source that fetches. This Snowflake key is not a key, so each run's fetch
// ends failed at once: all the scheduler needs, since each run is recorded with its start time.
const source = {
  type: "snowflake",
  account: "xy12345",
  user: "loader",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
  warehouse: "WH",
  database: "DB",
  schema: "PUBLIC",
  query: "select 1",
};

async function recurringTask(schedule: Record<string, unknown>) {
  const res = await api("/imports", { method: "POST", json: { name: "recurring", source, schedule } });
  expect(res.status, res.text).toBe(201);
  const launched = await api(`/imports/${res.json.id}/launch`, { method: "POST" });
  expect(launched.status, launched.text).toBe(200);
  return launched.json;
}

describe("the scheduler tick", () => {
  it("runs missed periods once, then keeps start_at's hourly rhythm", async () => {
    const start = Date.UTC(2026, 0, 1, 0, 0);
    const t = await recurringTask({ frequency: "hourly", start_at: new Date(start).toISOString() });
    expect(t.next_run_at).toBe(new Date(start).toISOString());

    await tick(new Date(start + 3.5 * HOUR)); // 00:00, 01:00, 02:00 and 03:00 were due: one run
    expect(await runs(acct, t.id)).toHaveLength(1);
    let task = (await api(`/imports/${t.id}`)).json;
    expect(task.next_run_at).toBe(new Date(start + 4 * HOUR).toISOString());

    await tick(new Date(start + 3.9 * HOUR)); // nothing due
    expect(await runs(acct, t.id)).toHaveLength(1);

    await tick(new Date(start + 4 * HOUR)); // exactly due
    expect(await runs(acct, t.id)).toHaveLength(2);
    task = (await api(`/imports/${t.id}`)).json;
    expect(task.next_run_at).toBe(new Date(start + 5 * HOUR).toISOString());
    expect(task.last_fetch.status).toBe("failed");
  });

  it("runs nothing while paused and keeps the rhythm on relaunch, running the missed period", async () => {
    const start = Date.UTC(2026, 0, 2, 0, 0);
    const t = await recurringTask({ frequency: "daily", start_at: new Date(start).toISOString() });
    await tick(new Date(start + 1000));
    await api(`/imports/${t.id}/pause`, { method: "POST" });
    await tick(new Date(start + 26 * HOUR));
    expect(await runs(acct, t.id)).toHaveLength(1);
    const relaunched = (await api(`/imports/${t.id}/launch`, { method: "POST" })).json;
    expect(relaunched.next_run_at).toBe(new Date(start + 24 * HOUR).toISOString());
    await tick(new Date(start + 26 * HOUR));
    expect(await runs(acct, t.id)).toHaveLength(2);
    expect((await api(`/imports/${t.id}`)).json.next_run_at).toBe(new Date(start + 48 * HOUR).toISOString());
  });

  it("completes a recurring task once end_at has passed", async () => {
    const start = Date.UTC(2026, 0, 3, 0, 0);
    const t = await recurringTask({
      frequency: "hourly",
      start_at: new Date(start).toISOString(),
      end_at: new Date(start + 2 * HOUR).toISOString(),
    });
    await tick(new Date(start));
    await tick(new Date(start + HOUR));
    let task = (await api(`/imports/${t.id}`)).json;
    expect(task.status).toBe("launched");
    expect(task.next_run_at).toBeNull(); // the 02:00 slot is end_at itself: not run
    await tick(new Date(start + 2 * HOUR));
    task = (await api(`/imports/${t.id}`)).json;
    expect(task.status).toBe("completed");
    expect(await runs(acct, t.id)).toHaveLength(2);
  });

  it("does not run a task whose start_at is still ahead", async () => {
    const start = Date.UTC(2030, 0, 1);
    const t = await recurringTask({ frequency: "weekly", start_at: new Date(start).toISOString() });
    await tick(new Date(start - 60_000));
    expect(await runs(acct, t.id)).toHaveLength(0);
  });

  it("runs a launched task now on POST /run without moving next_run_at", async () => {
    const start = Date.UTC(2030, 0, 1);
    const t = await recurringTask({ frequency: "weekly", start_at: new Date(start).toISOString() });
    const res = await api(`/imports/${t.id}/run`, { method: "POST" });
    expect(res.status, res.text).toBe(202);
    const list = await runs(acct, t.id);
    expect(list.map((r) => r.id)).toEqual([res.json.run_id]);
    expect((await api(`/imports/${t.id}`)).json.next_run_at).toBe(new Date(start).toISOString());
  });
});

describe("stuck work", () => {
  const old = "2026-01-01T00:00:00.000Z";
  async function stuckRun(fileDone: boolean) {
    const res = await api("/imports", { method: "POST", json: { name: "stuck", source: { type: "upload" } } });
    const runId = crypto.randomUUID();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO runs (id, account_id, task_id, created_at, fetch_status, fetch_started_at, processing_status, processing_started_at, progress_at) VALUES (?, ?, ?, ?, 'fetched', ?, 'processing', ?, ?)",
      ).bind(runId, acct.account_id, res.json.id, old, old, old, old),
      env.DB.prepare("INSERT INTO run_files (run_id, file_index, name, r2_key, bytes, identity, done) VALUES (?, 0, 'gone.csv', 'nowhere', 10, 'x', ?)").bind(
        runId,
        fileDone ? 1 : 0,
      ),
    ]);
    return { taskId: res.json.id as string, runId };
  }
  const status = (runId: string) =>
    env.DB.prepare("SELECT resumes, processing_status, processing_error FROM runs WHERE id = ?")
      .bind(runId)
      .first<{ resumes: number; processing_status: string; processing_error: string | null }>();

  it("re-queues a stuck run's unfinished file from its checkpoint", async () => {
    const { runId } = await stuckRun(false);
    await tickOnce(new Date(Date.parse(old) + 11 * 60_000));
    expect((await status(runId))?.resumes).toBe(1);
    // The re-queued chunk runs and finds the staged file gone: a reason a person understands.
    const ended = await waitFor(
      async () => {
        const r = await status(runId);
        return r?.processing_status === "failed" ? r : undefined;
      },
      { what: "the resumed chunk to end the run" },
    );
    expect(ended.processing_error).toMatch(/missing from storage/);
  });

  it("resumes a run whose start died before the pipeline got it, and imports its file", async () => {
    const task = await createUploadTask(acct);
    await upload(acct, task.id, "customer_id,event\nc-1,signup\nc-2,signup\n");
    const runId = crypto.randomUUID();
    // What a tick leaves behind when its invocation dies right after creating the run.
    await env.DB.prepare(
      "INSERT INTO runs (id, account_id, task_id, created_at, fetch_status, fetch_started_at, progress_at) VALUES (?, ?, ?, ?, 'fetching', ?, ?)",
    )
      .bind(runId, acct.account_id, task.id, old, old, old)
      .run();
    await tickOnce(new Date(Date.parse(old) + 11 * 60_000));
    const run = await settledRun(acct, task.id);
    expect(run.id).toBe(runId);
    expect(run.fetch.status).toBe("fetched");
    expect(run.processing.status).toBe("processed");
    expect(run.rows).toEqual({ total: 2, processed: 2, errored: 0 });
  });

  it("fails a fetch that is still stuck after three resumes, saying so", async () => {
    const res = await api("/imports", { method: "POST", json: { name: "stuck fetch", source: { type: "upload" } } });
    const runId = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO runs (id, account_id, task_id, created_at, fetch_status, fetch_started_at, progress_at, resumes) VALUES (?, ?, ?, ?, 'fetching', ?, ?, 3)",
    )
      .bind(runId, acct.account_id, res.json.id, old, old, old)
      .run();
    await tickOnce(new Date(Date.parse(old) + 11 * 60_000));
    const [run] = await runs(acct, res.json.id);
    expect(run.fetch.status).toBe("failed");
    expect(run.fetch.error).toMatch(/^The fetch made no progress for 10 minutes, even after 3 resumes$/);
  });

  it("fails a run that makes no progress after three resumes", async () => {
    const { taskId, runId } = await stuckRun(true);
    let when = Date.parse(old);
    for (let i = 1; i <= 3; i++) {
      when += 11 * 60_000;
      await tickOnce(new Date(when));
      expect((await status(runId))?.resumes).toBe(i);
      await env.DB.prepare("UPDATE runs SET progress_at = ? WHERE id = ?").bind(old, runId).run();
    }
    await tickOnce(new Date(when + 11 * 60_000));
    const [run] = await runs(acct, taskId);
    expect(run.processing.status).toBe("failed");
    expect(run.processing.error).toMatch(/no progress for 10 minutes, even after 3 resumes/);
  });
});
