import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { call, createAccount, deliver } from "../support/client";
import { launch, settledRun } from "../support/imports";

afterEach(() => vi.restoreAllMocks());

/** What the Worker wrote to the console as JSON lines, while `fn` ran. */
async function logLines(fn: () => Promise<unknown>) {
  const lines: Record<string, unknown>[] = [];
  for (const level of ["log", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)));
    });
  }
  await fn();
  vi.restoreAllMocks();
  return lines;
}

/** The Worker's fetch with bindings replaced: a dependency that fails, as an outage would. */
async function fetchWith(bindings: Partial<Env>, path: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://events.test${path}`), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const brokenD1 = { prepare: () => ({ first: () => Promise.reject(new Error("D1_ERROR: the database is unavailable")) }) } as unknown as D1Database;

describe("GET /healthz", () => {
  it("answers 200 when D1 and R2 both answer, with each check's time", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ok", checks: { d1: { status: "ok" }, r2: { status: "ok" } } });
    expect(typeof res.json.checks.d1.ms).toBe("number");
  });

  it("answers 503 problem+json naming the dependency that is down", async () => {
    const res = await fetchWith({ DB: brokenD1 }, "/healthz");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as Record<string, any>;
    expect(body.detail).toBe("Not healthy: d1 did not answer");
    expect(body.checks.d1).toMatchObject({ status: "down", error: "D1_ERROR: the database is unavailable" });
    expect(body.checks.r2.status).toBe("ok");
  });

  it("leaves /livez free of I/O: it answers even with D1 down", async () => {
    const res = await fetchWith({ DB: brokenD1 }, "/livez");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("structured logs", () => {
  it("carry the request id of the HTTP request on every line, the one in x-request-id and the problem body", async () => {
    let res: Response | undefined;
    const lines = await logLines(async () => {
      res = await fetchWith({ DB: brokenD1 }, "/healthz");
    });
    const requestId = res!.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res!.json()) as { request_id: string }).request_id).toBe(requestId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ request_id: requestId });
    expect(lines.map((l) => l.msg)).toContain("health check failed");
  });

  it("carry one request id per queue invocation", async () => {
    const first = await logLines(() => deliver([{ not: "an events message" }, "also wrong"]));
    const second = await logLines(() => deliver([{ not: "an events message" }]));
    const ids = (lines: Record<string, unknown>[]) => new Set(lines.map((l) => l.request_id));
    expect(first).toHaveLength(2);
    expect(ids(first).size).toBe(1);
    expect([...ids(first)][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids(second).size).toBe(1);
    expect([...ids(second)][0]).not.toBe([...ids(first)][0]);
  });
});

describe("connector secrets", () => {
  it("appear in no response, log line or run error, even when the connector fails with them", async () => {
    const acct = await createAccount("secrets");
    const secret = "MIIBsecretKeyMaterialThatMustNeverLeak0123456789";
    const privateKey = `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`;
    const bodies: string[] = [];
    const lines = await logLines(async () => {
      const created = await call("/api/v1/imports", {
        method: "POST",
        key: acct.user_api_key,
        json: {
          name: "leaky?",
          source: {
            type: "snowflake",
            account: "xy12345",
            user: "loader",
            private_key: privateKey,
            warehouse: "WH",
            database: "DB",
            schema: "PUBLIC",
            query: "select 1",
          },
          schedule: { frequency: "daily" },
        },
      });
      bodies.push(created.text);
      await launch(acct, created.json.id);
      bodies.push((await call(`/api/v1/imports/${created.json.id}/run`, { method: "POST", key: acct.user_api_key })).text);
      const run = await settledRun(acct, created.json.id);
      expect(run.fetch.status).toBe("failed");
      bodies.push(JSON.stringify(run), (await call(`/api/v1/imports/${created.json.id}`, { key: acct.user_api_key })).text);
      bodies.push((await call("/api/v1/imports", { key: acct.user_api_key })).text);
    });
    expect(lines.map((l) => l.msg)).toContain("snowflake fetch failed"); // the failure was logged
    for (const text of [...bodies, ...lines.map((l) => JSON.stringify(l))]) expect(text).not.toContain(secret);
  });
});
