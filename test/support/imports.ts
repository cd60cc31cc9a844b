import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index";
import { type Account, call } from "./client";
import { waitFor } from "./wait";

/** The stored events of a customer, as §3.4 returns them. */
export async function eventsOf(acct: Account, customerId: string) {
  const res = await call(`/api/v1/events?customer_id=${encodeURIComponent(customerId)}&limit=1000`, { key: acct.user_api_key });
  return res.json.events as any[];
}

/** Runs one scheduler tick, as the cron trigger would, at `when` (the tick's scheduled time). */
export async function tick(when: Date = new Date()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: when.getTime(), cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export async function createUploadTask(acct: Account, extra: Record<string, unknown> = {}) {
  const res = await call("/api/v1/imports", {
    method: "POST",
    key: acct.user_api_key,
    json: { name: "test import", source: { type: "upload" }, default_event: "imported", ...extra },
  });
  if (res.status !== 201) throw new Error(`task creation failed: ${res.status} ${res.text}`);
  return res.json as { id: string; status: string };
}

export async function upload(acct: Account, taskId: string, body: BodyInit, name = "data.csv") {
  const res = await call(`/api/v1/imports/${taskId}/file?name=${encodeURIComponent(name)}`, { method: "PUT", key: acct.user_api_key, body });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${res.text}`);
  return res.json;
}

export async function launch(acct: Account, taskId: string) {
  const res = await call(`/api/v1/imports/${taskId}/launch`, { method: "POST", key: acct.user_api_key });
  if (res.status !== 200) throw new Error(`launch failed: ${res.status} ${res.text}`);
  return res.json;
}

export async function runs(acct: Account, taskId: string) {
  const res = await call(`/api/v1/imports/${taskId}/runs`, { key: acct.user_api_key });
  if (res.status !== 200) throw new Error(`runs failed: ${res.status} ${res.text}`);
  return res.json.runs as any[];
}

/** Waits until the newest run has ended (processed or failed), and returns it. */
export async function settledRun(acct: Account, taskId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const [run] = await runs(acct, taskId);
      if (!run) return undefined;
      if (run.fetch.status === "failed") return run;
      return run.processing.status !== null && run.processing.status !== "processing" ? run : undefined;
    },
    { what: `task ${taskId}'s run to finish`, timeoutMs },
  );
}

/** Upload → launch → tick → the run's end, as a user would drive it. */
export async function importFile(acct: Account, body: BodyInit, task: Record<string, unknown> = {}) {
  const t = await createUploadTask(acct, task);
  await upload(acct, t.id, body);
  await launch(acct, t.id);
  await tick();
  return { taskId: t.id, run: await settledRun(acct, t.id) };
}
