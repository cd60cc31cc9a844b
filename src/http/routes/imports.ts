import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../../db/client";
import { database } from "../../db/client";
import { NewTask, TaskOut, TaskPatch } from "../../imports/tasks/task-schema";
import { createTask, deleteTask, getTask, lastRuns, launchTask, listTasks, patchTask, pauseTask, type TaskRow, toApiTask } from "../../imports/tasks/tasks";
import { SAMPLE_CSV } from "../../imports/tasks/uploads";
import type { AppEnv } from "../app-env";
import { requireKey } from "../auth";
import { problemResponse, route } from "../openapi";
import { jsonBody, queryParams } from "../validate";

/** Task routes; each takes a user key, except the sample file. */
export const importRoutes = new OpenAPIHono<AppEnv>();

const security: Record<string, string[]>[] = [{ basicKey: [] }, { bearerKey: [] }];
const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });
const json = (schema: z.ZodType) => ({ "application/json": { schema } });

async function present(db: Database, row: TaskRow) {
  const last = await lastRuns(db, [row.id]);
  return toApiTask(row, last.get(row.id) ?? null);
}

// No key: the dashboard links to it directly. Added first: routes run in the order they are added,
// and /imports/{id} would take sample.csv for an id.
route(
  importRoutes,
  {
    method: "get",
    path: "/imports/sample.csv",
    summary: "A sample file: header and example rows",
    tags: ["Files"],
    responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } } },
  },
  (c) => c.body(SAMPLE_CSV, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="sample.csv"' }),
);

route(
  importRoutes,
  {
    method: "post",
    path: "/imports",
    summary: "Create an import task (status draft)",
    tags: ["Imports"],
    security,
    request: { body: { required: true, content: json(NewTask) } },
    responses: { 201: { description: "Created", content: json(TaskOut) }, 422: problemResponse("Invalid task") },
  },
  requireKey("user"),
  async (c) => {
    const input = await jsonBody(c.req.raw, NewTask);
    const db = database(c.env.DB);
    const row = await createTask(db, c.env, c.var.owner.accountId, input, new Date());
    return c.json(await present(db, row), 201);
  },
);

route(
  importRoutes,
  {
    method: "get",
    path: "/imports",
    summary: "List import tasks, newest first; ?event=NAME keeps the tasks whose default_event is NAME",
    tags: ["Imports"],
    security,
    request: { query: z.object({ event: z.string().optional() }) },
    responses: { 200: { description: "Tasks", content: json(z.object({ imports: z.array(TaskOut) })) } },
  },
  requireKey("user"),
  async (c) => {
    const q = queryParams(c.req.url, z.object({ event: z.string().optional() }));
    const db = database(c.env.DB);
    const rows = await listTasks(db, c.var.owner.accountId, q.event);
    const last = await lastRuns(
      db,
      rows.map((r) => r.id),
    );
    return c.json({ imports: rows.map((r) => toApiTask(r, last.get(r.id) ?? null)) });
  },
);

route(
  importRoutes,
  {
    method: "get",
    path: "/imports/{id}",
    summary: "Read one import task",
    tags: ["Imports"],
    security,
    request: { params: IdParam },
    responses: { 200: { description: "The task", content: json(TaskOut) }, 404: problemResponse("No such task in this account") },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    return c.json(await present(db, await getTask(db, c.var.owner.accountId, c.req.param("id")!)));
  },
);

route(
  importRoutes,
  {
    method: "patch",
    path: "/imports/{id}",
    summary: "Edit a draft or paused task; omit a secret (or send ********) to keep it",
    tags: ["Imports"],
    security,
    request: { params: IdParam, body: { required: true, content: json(TaskPatch) } },
    responses: { 200: { description: "The task", content: json(TaskOut) }, 409: problemResponse("Not draft or paused") },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const row = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    const patch = await jsonBody(c.req.raw, TaskPatch);
    return c.json(await present(db, await patchTask(db, c.env, row, patch, new Date())));
  },
);

route(
  importRoutes,
  {
    method: "delete",
    path: "/imports/{id}",
    summary: "Delete a task with its runs and error reports",
    tags: ["Imports"],
    security,
    request: { params: IdParam },
    responses: { 204: { description: "Deleted" }, 404: problemResponse("No such task in this account") },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const row = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    await deleteTask(db, row);
    if (row.fileKey) await c.env.FILES.delete(row.fileKey).catch(() => undefined);
    return c.body(null, 204);
  },
);

for (const [action, summary, apply] of [
  ["launch", "draft or paused → launched (upload tasks need their file)", launchTask],
  ["pause", "launched → paused", pauseTask],
] as const) {
  route(
    importRoutes,
    {
      method: "post",
      path: `/imports/{id}/${action}`,
      summary,
      tags: ["Imports"],
      security,
      request: { params: IdParam },
      responses: { 200: { description: "The task", content: json(TaskOut) }, 409: problemResponse("Illegal transition") },
    },
    requireKey("user"),
    async (c) => {
      const db = database(c.env.DB);
      const row = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
      return c.json(await present(db, await apply(db, row, new Date())));
    },
  );
}
