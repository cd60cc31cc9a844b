// No route's protection may depend on the order the app mounts its routers in: each router guards
// its own routes. Apps are built with the routers in other orders, and every operation the OpenAPI
// document lists (so a route added later is covered without editing this file) is called with no
// key: those that declare `security` must refuse, those that don't must stay open.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp, type Mount, ROUTERS } from "../../src/http/app";
import { BASE } from "../support/client";
import { fill, operations } from "../support/openapi";

/** A Fisher–Yates shuffle driven by a small seeded generator, so a failing order can be replayed. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ORDERS: [string, readonly Mount[]][] = [
  ["the default order", ROUTERS],
  ["reverse order", [...ROUTERS].reverse()],
  ...[1, 2, 3, 4].map((seed): [string, readonly Mount[]] => [`shuffled order ${seed}`, shuffled(ROUTERS, seed)]),
];

const PARAMS = { id: "some-task", run_id: "some-run", upload_id: "some-upload", part_number: "1" };

async function send(app: ReturnType<typeof createApp>, method: string, path: string, bindings: Env = env) {
  const res = await app.fetch(new Request(`${BASE}${path}`, { method }), bindings, createExecutionContext());
  return { status: res.status, text: await res.text() };
}

async function documentOf(app: ReturnType<typeof createApp>) {
  const res = await send(app, "GET", "/openapi.json");
  expect(res.status, res.text).toBe(200);
  return operations(JSON.parse(res.text));
}

const isAdmin = (security: Record<string, string[]>[]) => security.some((s) => "adminToken" in s);

describe.each(ORDERS)("with the routers mounted in %s", (_name, routers) => {
  const app = createApp(routers);

  it("answers 401 on every operation that declares security, when no key or token is sent", async () => {
    const secured = (await documentOf(app)).filter((op) => op.security?.length);
    expect(secured.length).toBeGreaterThanOrEqual(20); // the document lists them all; an empty list proves nothing
    for (const op of secured) {
      const res = await send(app, op.method, fill(op.path, PARAMS));
      expect(res.status, `${op.method} ${op.path}: ${res.text}`).toBe(401);
    }
  });

  it("answers 503 naming ADMIN_TOKEN on the admin operations when ADMIN_TOKEN is not configured", async () => {
    const admin = (await documentOf(app)).filter((op) => op.security && isAdmin(op.security));
    expect(admin.length).toBeGreaterThanOrEqual(3);
    const noToken = { ...env, ADMIN_TOKEN: undefined } as unknown as Env;
    for (const op of admin) {
      const res = await send(app, op.method, fill(op.path, PARAMS), noToken);
      expect(res.status, `${op.method} ${op.path}: ${res.text}`).toBe(503);
      expect(JSON.parse(res.text).detail).toContain("ADMIN_TOKEN");
    }
  });

  it("keeps every operation that declares no security open, with the document, its page and the dashboard", async () => {
    const open = (await documentOf(app)).filter((op) => !op.security?.length);
    expect(open.map((op) => op.path)).toEqual(expect.arrayContaining(["/livez", "/healthz", "/api/v1/imports/sample.csv"]));
    for (const op of [...open, ...["/openapi.json", "/docs", "/"].map((path) => ({ method: "GET", path }))]) {
      const res = await send(app, op.method, op.path);
      expect(res.status, `${op.method} ${op.path}: ${res.text.slice(0, 300)}`).toBe(200);
    }
  });
});
