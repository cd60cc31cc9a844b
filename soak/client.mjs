// The soak runner's HTTP client: loopback only, every call timed, 5xx answers counted.

/** Refuses any target that is not this machine: the soak suite never sends traffic elsewhere. */
export function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") throw new Error(`soak traffic is loopback only, not ${host}`);
}

export const basic = (key) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

/** Latencies (ms) by label, and counters of what came back. */
export function recorder() {
  const latencies = new Map();
  const counts = { requests: 0, server_errors: 0, rate_limited: 0, network_errors: 0 };
  const serverErrors = [];
  return {
    latencies,
    counts,
    serverErrors,
    add(label, ms) {
      if (!latencies.has(label)) latencies.set(label, []);
      latencies.get(label).push(ms);
    },
    summary(label) {
      const all = [...(latencies.get(label) ?? [])].sort((a, b) => a - b);
      const at = (q) => (all.length ? Math.round(all[Math.min(all.length - 1, Math.floor(q * all.length))]) : 0);
      return { calls: all.length, p50_ms: at(0.5), p99_ms: at(0.99), peak_ms: all.length ? Math.round(all[all.length - 1]) : 0 };
    },
  };
}

/**
 * `call(label, method, path, {key, admin, json, body, headers})` → {status, headers, json, text}.
 * Network failures are retried a few times (the service may be busy), and counted.
 */
export function client(base, rec) {
  assertLoopback(base);
  return async function call(label, method, path, { key, admin, json, body, headers = {} } = {}) {
    const h = { ...headers };
    if (key) h.authorization = basic(key);
    if (admin) h.authorization = `Bearer ${admin}`;
    if (json !== undefined) h["content-type"] = "application/json";
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let res;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: h,
          body: json !== undefined ? JSON.stringify(json) : body,
          signal: AbortSignal.timeout(120_000),
        });
      } catch (err) {
        rec.counts.network_errors++;
        if (attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const text = await res.text();
      rec.add(label, performance.now() - started);
      rec.counts.requests++;
      if (res.status >= 500) {
        rec.counts.server_errors++;
        if (rec.serverErrors.length < 10) rec.serverErrors.push(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
      }
      if (res.status === 429) rec.counts.rate_limited++;
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (a CSV, say)
      }
      return { status: res.status, headers: res.headers, json: parsed, text };
    }
  };
}
