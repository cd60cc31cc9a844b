import { OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import { getTask } from "../../imports/tasks/tasks";
import { completeMultipart, putFile, putPart, startMultipart } from "../../imports/tasks/uploads";
import { Problem } from "../../lib/problem";
import type { AppEnv } from "../app-env";
import { requireKey } from "../auth";
import { problemResponse, route } from "../openapi";
import { jsonBody } from "../validate";

/** The task's file routes; each takes a user key. */
export const importFileRoutes = new OpenAPIHono<AppEnv>();

const security: Record<string, string[]>[] = [{ basicKey: [] }, { bearerKey: [] }];
const FileOut = z.object({ name: z.string(), bytes: z.number() }).openapi("UploadedFile");
const json = (schema: z.ZodType) => ({ "application/json": { schema } });

/** The file's display name: ?name=…, else the filename of a Content-Disposition header, else upload.csv. */
function fileName(req: Request): string {
  const q = new URL(req.url).searchParams.get("name");
  const disposition = /filename="?([^";]+)"?/i.exec(req.headers.get("content-disposition") ?? "")?.[1];
  return (q ?? disposition ?? "upload.csv").slice(0, 255);
}

route(
  importFileRoutes,
  {
    method: "put",
    path: "/imports/{id}/file",
    summary: "Upload the task's file: the raw bytes as the body, streamed to storage (Content-Length required)",
    tags: ["Files"],
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: {
      200: { description: "Stored", content: json(FileOut) },
      409: problemResponse("Not an upload task, or not draft/paused"),
      411: problemResponse("No Content-Length"),
    },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const task = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    return c.json(await putFile(db, c.env.FILES, task, c.req.raw, fileName(c.req.raw), new Date()));
  },
);

route(
  importFileRoutes,
  {
    method: "post",
    path: "/imports/{id}/file/multipart",
    summary: "Start a multipart upload (files up to 3 GB); every part but the last must be part_size bytes",
    tags: ["Files"],
    security,
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: { description: "Started", content: json(z.object({ upload_id: z.string(), part_size: z.number() })) } },
  },
  requireKey("user"),
  async (c) => {
    const task = await getTask(database(c.env.DB), c.var.owner.accountId, c.req.param("id")!);
    return c.json(await startMultipart(c.env, c.env.FILES, task));
  },
);

route(
  importFileRoutes,
  {
    method: "put",
    path: "/imports/{id}/file/multipart/{upload_id}/{part_number}",
    summary: "Upload one part (1–10000)",
    tags: ["Files"],
    security,
    request: { params: z.object({ id: z.string(), upload_id: z.string(), part_number: z.string() }) },
    responses: {
      200: { description: "Stored", content: json(z.object({ part_number: z.number(), etag: z.string() })) },
      404: problemResponse("No such upload for this task: not issued for it, changed, or already completed or aborted"),
      413: problemResponse("The part is larger than part_size"),
      422: problemResponse("Bad part number"),
    },
  },
  requireKey("user"),
  async (c) => {
    const part = Number(c.req.param("part_number"));
    if (!Number.isInteger(part) || part < 1 || part > 10_000) {
      throw new Problem(422, "Bad part number", [{ field: "part_number", message: "must be a whole number from 1 to 10000" }]);
    }
    const task = await getTask(database(c.env.DB), c.var.owner.accountId, c.req.param("id")!);
    return c.json(await putPart(c.env, c.env.FILES, task, c.req.param("upload_id")!, part, c.req.raw));
  },
);

const CompleteInput = z
  .object({
    parts: z.array(z.object({ part_number: z.number().int().min(1).max(10_000), etag: z.string().min(1) })).min(1),
    name: z.string().min(1).max(255).optional(),
  })
  .openapi("CompleteMultipart");

route(
  importFileRoutes,
  {
    method: "post",
    path: "/imports/{id}/file/multipart/{upload_id}/complete",
    summary: "Finish a multipart upload; the parts become the task's file",
    tags: ["Files"],
    security,
    request: { params: z.object({ id: z.string(), upload_id: z.string() }), body: { required: true, content: json(CompleteInput) } },
    responses: {
      200: { description: "Stored", content: json(FileOut) },
      404: problemResponse("No such upload for this task: not issued for it, changed, or already completed or aborted"),
      422: problemResponse("The parts cannot be joined: listed twice, not uploaded, a wrong etag, or a part before the last not part_size bytes"),
    },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const task = await getTask(db, c.var.owner.accountId, c.req.param("id")!);
    const input = await jsonBody(c.req.raw, CompleteInput);
    return c.json(await completeMultipart(c.env, db, c.env.FILES, task, c.req.param("upload_id")!, input.parts, input.name ?? "upload.csv", new Date()));
  },
);
