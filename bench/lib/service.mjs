// Starts the real local service (wrangler dev: workerd, local D1, R2 and Queues) on a free port,
// with its own fresh state folder so figures never depend on what an earlier run left behind.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";

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
 * `config` is the wrangler config to run (the soak suite's armed copy); `args` are extra
 * `wrangler dev` arguments (the soak suite's --var settings); `onOutput`
 * receives every line workerd prints (the soak suite counts the faults it injected).
 */
export async function startService({ stateDir = "bench/.out/state", config = "wrangler.toml", args = [], onOutput } = {}) {
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  // wrangler dev's local trace collector is off unless the caller's environment turns it on: it is a
  // tail worker in the same workerd thread that writes every span (each D1, queue and rate-limiter
  // call) to SQLite, work with no counterpart in a deployed Worker. Measured with `npm run bench`:
  // event/trivial 0.634 with it, 0.745 without; bulk 74,200 vs 83,400 events/s.
  const env = { X_LOCAL_OBSERVABILITY: "false", ...process.env, WRANGLER_SEND_METRICS: "false" };
  const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--config", config, "--persist-to", stateDir], {
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
      stateDir,
      ...(process.env.BENCH_CHUNK_ROWS ? ["--var", `IMPORT_CHUNK_ROWS:${process.env.BENCH_CHUNK_ROWS}`] : []),
      ...args,
      "--show-interactive-dev-session=false",
      "--log-level",
      process.env.BENCH_VERBOSE || onOutput ? "info" : "warn",
    ],
    { env, stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : onOutput ? "pipe" : "ignore", "pipe"], detached: true },
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
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`wrangler dev did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
  return {
    base,
    pid: child.pid,
    adminToken,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return; // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

export async function createAccount(service, name) {
  const res = await fetch(`${service.base}/admin/accounts`, {
    method: "POST",
    headers: { authorization: `Bearer ${service.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
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
