import { OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { database } from "../../db/client";
import { tasks } from "../../db/schema";
import { errorReport } from "../../imports/runs/error-report";
import { filesOf, getRun, hasActiveRun, listRuns, startRun, toApiRun } from "../../imports/runs/runs";
import { taskSchedule } from "../../imports/tasks/columns";
import { getTask } from "../../imports/tasks/tasks";
import { Problem } from "../../lib/problem";
import type { AppEnv } from "../app-env";
import { requireKey } from "../auth";
import { problemResponse, route } from "../openapi";

/** A task's run routes; each takes a user key. */
export const runRoutes = new OpenAPIHono<AppEnv>();
const security: Record<string, string[]>[] = [{ basicKey: [] }, { bearerKey: [] }];

const RunOut = z
  .object({
    id: z.string(),
    fetch: z.object({ status: z.string(), started_at: z.string(), ended_at: z.string().nullable(), error: z.string().nullable() }),
    processing: z.object({
      status: z.enum(["processing", "processed", "failed"]).nullable().openapi({ description: "null until processing starts (or when the fetch failed)" }),
      started_at: z.string().nullable(),
      ended_at: z.string().nullable(),
      error: z.string().nullable(),
    }),
    rows: z.object({ total: z.number(), processed: z.number(), errored: z.number() }),
    files: z.array(z.object({ name: z.string(), bytes: z.number(), rows: z.number() })),
    created_at: z.string(),
  })
  .openapi("Run");

route(
  runRoutes,
  {
    method: "post",
    path: "/imports/{id}/run",
    summary: "Start a run now, outside the schedule (launched tasks; not while a run is active)",
    tags: ["Runs"],
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: {
      202: { description: "Started", content: { "application/json": { schema: z.object({ run_id: z.string() }) } } },
      409: problemResponse("Not launched, or a run is active"),
    },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const task = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    if (task.status !== "launched") throw new Problem(409, `A ${task.status} task cannot run; launch it first`);
    if (await hasActiveRun(db, task.id)) throw new Problem(409, "A run of this task is still fetching or processing");
    if (taskSchedule(task).frequency === "once") {
      // A one-time task run by hand is not run again by the scheduler.
      await db.update(tasks).set({ onceDone: true, nextRunAt: null }).where(eq(tasks.id, task.id));
    }
    const run = await startRun(db, c.env, task, new Date());
    return c.json({ run_id: run.id }, 202);
  },
);

route(
  runRoutes,
  {
    method: "get",
    path: "/imports/{id}/runs",
    summary: "The task's runs, newest first",
    tags: ["Runs"],
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: "Runs", content: { "application/json": { schema: z.object({ runs: z.array(RunOut) }) } } } },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const task = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    const list = await listRuns(db, task.id);
    const files = await filesOf(
      db,
      list.map((r) => r.id),
    );
    return c.json({ runs: list.map((r) => toApiRun(r, files.get(r.id) ?? [])) });
  },
);

route(
  runRoutes,
  {
    method: "get",
    path: "/imports/{id}/runs/{run_id}/errors.csv",
    summary: "The run's rejected rows: original columns, then line and error",
    tags: ["Runs"],
    security,
    request: { params: z.object({ id: z.string(), run_id: z.string() }) },
    responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, 404: problemResponse("No such run in this account") },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const task = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    const run = await getRun(db, task.id, c.req.param("run_id")!);
    if (!run) throw new Problem(404, `No run ${c.req.param("run_id")} for this task`);
    return c.body(await errorReport(db, run.id), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="errors-${run.id}.csv"`,
    });
  },
);
