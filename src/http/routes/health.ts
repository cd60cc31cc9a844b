import { OpenAPIHono, z } from "@hono/zod-openapi";
import { log } from "../../lib/log";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../../lib/problem";
import { within } from "../../lib/timeout";
import type { AppEnv } from "../app-env";
import { route } from "../openapi";

export const healthRoutes = new OpenAPIHono<AppEnv>();

/** A dependency that does not answer within this long counts as down. */
const CHECK_TIMEOUT_MS = 3_000;

const Check = z.object({ status: z.enum(["ok", "down"]), ms: z.number().int(), error: z.string().optional() });
const Checks = z.object({ d1: Check, r2: Check });

async function probe(run: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  try {
    await within(CHECK_TIMEOUT_MS, run());
    return { status: "ok", ms: Date.now() - started };
  } catch (err) {
    // The message names the failure (a timeout, "D1_ERROR: …"); never a stack.
    return { status: "down", ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  }
}

route(
  healthRoutes,
  {
    method: "get",
    path: "/livez",
    summary: "Liveness: the Worker answers (no I/O; for load balancers and the benchmark's trivial route)",
    tags: ["Operations"],
    responses: { 200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
  },
  (c) => c.json({ status: "ok" as const }),
);

route(
  healthRoutes,
  {
    method: "get",
    path: "/healthz",
    summary: "Health: D1 answers a query and R2 answers a HEAD",
    tags: ["Operations"],
    responses: {
      200: { description: "Every dependency answered", content: { "application/json": { schema: z.object({ status: z.literal("ok"), checks: Checks }) } } },
      503: {
        description: "A dependency is down: problem+json with `checks`",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: z.object({ checks: Checks }).passthrough() } },
      },
    },
  },
  async (c) => {
    const [d1, r2] = await Promise.all([probe(() => c.env.DB.prepare("SELECT 1").first()), probe(() => c.env.FILES.head("healthz/probe"))]);
    const checks = { d1, r2 };
    if (d1.status === "ok" && r2.status === "ok") return c.json({ status: "ok" as const, checks }, 200);
    const down = Object.entries(checks)
      .filter(([, v]) => v.status === "down")
      .map(([k]) => k);
    log("warn", "health check failed", { checks });
    const body = problemBody(503, `Not healthy: ${down.join(" and ")} did not answer`, c.var.requestId, [], { checks });
    return c.body(JSON.stringify(body), 503, { "content-type": PROBLEM_CONTENT_TYPE });
  },
);
