// The harness bench/, soak/ and the service and e2e tests share: starts the real local service
// (wrangler dev: workerd, local D1, R2 and Queues) on a free port, with a fresh state folder of its
// own, so no result depends on what an earlier or a concurrent run left behind.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { waitFor } from "./wait.mjs";

const ROOT = resolve(import.meta.dirname, "..");

export async function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `stateDir` is the folder the service's D1, R2 and queues persist to, emptied first; without it the
 * service gets a temporary folder of its own, removed by `stop()`. Give each caller its own folder
 * when its state is worth reading afterwards (the soak's). `config` is the wrangler config to run
 * (the soak suite's armed copy); `args` are extra `wrangler dev` arguments (the soak suite's --var
 * settings); `onOutput` receives every line workerd prints (the soak suite counts the faults it
 * injected). Relative paths are read from the repository's root, where wrangler runs.
 */
export async function startService({ stateDir, config = "wrangler.toml", args = [], onOutput } = {}) {
  const temporary = stateDir === undefined;
  const state = temporary ? mkdtempSync(join(tmpdir(), "eei-service-")) : resolve(ROOT, stateDir);
  rmSync(state, { recursive: true, force: true });
  mkdirSync(state, { recursive: true });
  // wrangler dev's local trace collector is off unless the caller's environment turns it on: it is a
  // tail worker in the same workerd thread that writes every span (each D1, queue and rate-limiter
  // call) to SQLite, work with no counterpart in a deployed Worker (docs/performance.md).
  // The project's own wrangler comes first on PATH, so a global one of another version is never run.
  const env = {
    X_LOCAL_OBSERVABILITY: "false",
    ...process.env,
    PATH: [join(ROOT, "node_modules", ".bin"), process.env.PATH].filter(Boolean).join(delimiter),
    WRANGLER_SEND_METRICS: "false",
  };
  const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", state], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const port = await freePort();
  const child = spawn(
    "wrangler",
    [
      "dev",
      "--config",
      config,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      ...(process.env.BENCH_CHUNK_ROWS ? ["--var", `IMPORT_CHUNK_ROWS:${process.env.BENCH_CHUNK_ROWS}`] : []),
      ...args,
      "--show-interactive-dev-session=false",
      "--log-level",
      process.env.BENCH_VERBOSE || onOutput ? "info" : "warn",
    ],
    { cwd: ROOT, env, stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : onOutput ? "pipe" : "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  if (onOutput) {
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream.on("data", (d) => {
        const lines = (partial + d).split("\n");
        partial = lines.pop();
        for (const line of lines) onOutput(line);
      });
    }
  }
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
      // A workerd that ignores SIGTERM is not waited on for ever.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    } catch {
      // already gone
    }
    if (temporary) rmSync(state, { recursive: true, force: true });
  };
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  try {
    // A fetch that throws (nothing listens yet) is tried again; an exited wrangler ends the wait.
    await waitFor(async () => gone() || (await fetch(`${base}/healthz`)).ok, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `wrangler dev to answer ${base}/healthz`,
    });
    if (gone()) throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode})`);
  } catch (err) {
    await stop();
    throw new Error(`wrangler dev did not start: ${err.message}\n${stderr}`);
  }
  const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(join(ROOT, ".dev.vars"), "utf8"))?.[1]?.trim();
  return { base, pid: child.pid, adminToken, stateDir: state, stop };
}

/** A request to one of the service's /admin routes, with its admin token and a JSON body. */
export function adminFetch(service, path, init = {}) {
  return fetch(`${service.base}${path}`, { ...init, headers: { authorization: `Bearer ${service.adminToken}`, "content-type": "application/json" } });
}

/** Creates an account (of `eventShards` shards, default 1) and returns its id and keys. */
export async function createAccount(service, name, { eventShards = 1 } = {}) {
  const res = await adminFetch(service, "/admin/accounts", { method: "POST", body: JSON.stringify({ name, event_shards: eventShards }) });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export const basic = (key) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

/** Peak resident memory (MB) of the workerd processes under the service, read from /proc. */
export function workerdRssMb(rootPid) {
  const out = spawnSync("ps", ["-eo", "pid,ppid,rss,comm"], { encoding: "utf8" }).stdout.trim().split("\n").slice(1);
  const rows = out.map((l) => l.trim().split(/\s+/)).map(([pid, ppid, rss, comm]) => ({ pid: +pid, ppid: +ppid, rss: +rss, comm }));
  const descendants = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows)
      if (descendants.has(r.ppid) && !descendants.has(r.pid)) {
        descendants.add(r.pid);
        grew = true;
      }
  }
  return rows.filter((r) => descendants.has(r.pid) && r.comm.includes("workerd")).reduce((s, r) => s + r.rss, 0) / 1024;
}
