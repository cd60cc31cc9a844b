import { OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import { Problem } from "../../lib/problem";
import { type DeadLetter, decodeDeadLetterCursor, encodeDeadLetterCursor, listDeadLetters, replayDeadLetter, summarize } from "../../ops/dead-letters";
import { producerFor, QUEUES, type WorkQueue } from "../../queues";
import type { AppEnv } from "../app-env";
import { requireAdmin } from "../auth";
import { problemResponse, route } from "../openapi";
import { queryParams } from "../validate";

/** Dead-letter routes; each takes the admin token. */
export const deadLetterRoutes = new OpenAPIHono<AppEnv>();

const DeadLetterOut = z
  .object({
    id: z.string(),
    queue: z.enum([QUEUES.events, QUEUES.chunks]),
    parked_at: z.string(),
    replayed_at: z.string().nullable(),
    replays: z.number().int(),
    about: z.record(z.string(), z.string()).describe("account_id / run_id … read from the message, when it has them"),
    content_type: z.enum(["text", "json"]),
    body: z.string().describe("the message exactly as it was sent"),
  })
  .openapi("DeadLetter");
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1, "must be 1–100").max(100, "must be 1–100").optional(),
  before: z
    .string()
    .refine((v) => decodeDeadLetterCursor(v) !== null, "is not a cursor this list returned")
    .optional()
    .describe("next_before of the previous page (an opaque cursor)"),
});

const toApi = (d: DeadLetter): z.infer<typeof DeadLetterOut> => ({
  id: d.id,
  queue: d.queue as WorkQueue,
  parked_at: d.parkedAt,
  replayed_at: d.replayedAt,
  replays: d.replays,
  about: summarize(d.body),
  content_type: d.contentType,
  body: d.body,
});

route(
  deadLetterRoutes,
  {
    method: "get",
    path: "/dead-letters",
    summary: "Messages the queues gave up on, newest first (admin token)",
    tags: ["Operations"],
    security: [{ adminToken: [] }],
    request: { query: ListQuery },
    responses: {
      200: {
        description: "Parked messages",
        content: {
          "application/json": {
            schema: z.object({
              dead_letters: z.array(DeadLetterOut),
              next_before: z.string().nullable().describe("pass as ?before= for the next page; null on the last page"),
            }),
          },
        },
      },
      401: problemResponse("Missing or wrong admin token"),
      422: problemResponse("Invalid limit or cursor"),
    },
  },
  requireAdmin,
  async (c) => {
    const q = queryParams(c.req.url, ListQuery);
    const limit = q.limit ?? 50;
    const rows = await listDeadLetters(database(c.env.DB), limit, q.before ? decodeDeadLetterCursor(q.before)! : undefined);
    const last = rows.length === limit ? rows.at(-1) : undefined;
    return c.json({ dead_letters: rows.map(toApi), next_before: last ? encodeDeadLetterCursor(last) : null });
  },
);

route(
  deadLetterRoutes,
  {
    method: "post",
    path: "/dead-letters/{id}/replay",
    summary: "Send a parked message back to its queue, unchanged (safe to repeat: storage is idempotent)",
    tags: ["Operations"],
    security: [{ adminToken: [] }],
    request: { params: z.object({ id: z.string() }) },
    responses: {
      202: { description: "Re-sent", content: { "application/json": { schema: DeadLetterOut } } },
      401: problemResponse("Missing or wrong admin token"),
      404: problemResponse("No such parked message"),
    },
  },
  requireAdmin,
  async (c) => {
    const id = c.req.param("id")!;
    const replayed = await replayDeadLetter(database(c.env.DB), (queue) => producerFor(c.env, queue), id, new Date());
    if (!replayed) throw new Problem(404, `No dead letter ${id}`);
    return c.json(toApi(replayed), 202);
  },
);
