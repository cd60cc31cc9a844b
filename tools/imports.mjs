// Import-task steps the benchmarks share: create, launch and start a task; wait for its run.
import { basic } from "./service.mjs";
import { waitFor } from "./wait.mjs";

async function call(service, key, path, init = {}) {
  const res = await fetch(`${service.base}/api/v1${path}`, {
    ...init,
    headers: { authorization: basic(key), "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** Creates a task from `body` and launches it; returns its id. */
export async function launchedTask(service, key, body) {
  const task = await call(service, key, "/imports", { method: "POST", body: JSON.stringify(body) });
  await call(service, key, `/imports/${task.id}/launch`, { method: "POST" });
  return task.id;
}

/** Starts a run now (POST /run). */
export const runNow = (service, key, taskId) => call(service, key, `/imports/${taskId}/run`, { method: "POST" });

/** Polls the task's newest run until `done(run)`, for at most `minutes`; returns that run. */
export async function waitForRun(service, key, taskId, done, minutes = 10) {
  return waitFor(
    async () => {
      const [run] = (await call(service, key, `/imports/${taskId}/runs`)).runs;
      return run && done(run) ? run : undefined;
    },
    { timeoutMs: minutes * 60_000, intervalMs: 150, what: `task ${taskId}'s run to finish` },
  );
}

export const ended = (run) => run.fetch.status === "failed" || (run.processing.status !== null && run.processing.status !== "processing");
