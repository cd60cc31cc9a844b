import { OpenAPIHono, z } from "@hono/zod-openapi";
import { database } from "../../db/client";
import { parseInstant } from "../../events/contract/rules";
import { decodeCursor, encodeCursor } from "../../events/store/cursor";
import { readEventNames, readEventsPage, readLatestPerName } from "../../events/store/read";
import { listTasks } from "../../imports/tasks/tasks";
import type { AppEnv } from "../app-env";
import { requireKey } from "../auth";
import { problemResponse, route } from "../openapi";
import { queryParams } from "../validate";

export const eventReadRoutes = new OpenAPIHono<AppEnv>();

const instant = z
  .string()
  .refine((v) => parseInstant(v) !== null, "must be an ISO 8601 date-time with a UTC offset (or a date, meaning 00:00 UTC)")
  .optional();

const EventsQuery = z
  .object({
    customer_id: z.string().optional(),
    email: z.string().optional(),
    event: z.string().optional(),
    since: instant.openapi({ description: "Inclusive lower bound on the event's timestamp" }),
    until: instant.openapi({ description: "Inclusive upper bound on the event's timestamp" }),
    limit: z
      .string()
      .regex(/^\d+$/, "must be a whole number from 1 to 1000")
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1000, "must be a whole number from 1 to 1000")
      .optional()
      .openapi({ type: "integer", description: "1–1000, default 100" }),
    cursor: z
      .string()
      .refine((v) => decodeCursor(v) !== null, "is not a cursor this API returned")
      .optional()
      .openapi({ description: "next_cursor of the previous page" }),
  })
  .openapi("EventsQuery");

const StoredEvent = z
  .object({
    event_uuid: z.string(),
    event: z.string(),
    customer_id: z.string().nullable(),
    email: z.string().nullable(),
    device_id: z.string().nullable(),
    cookie: z.string().nullable(),
    product_ids: z.array(z.string()),
    timestamp: z.string().openapi({ description: "ISO 8601, UTC" }),
    attributes: z.record(z.string(), z.unknown()),
    source: z.enum(["api", "import"]),
    import_id: z.string().nullable().optional(),
    run_id: z.string().nullable().optional(),
    received_at: z.string(),
  })
  .openapi("StoredEvent");

route(
  eventReadRoutes,
  {
    method: "get",
    path: "/events",
    summary: "Read stored events, newest timestamp first (user API key)",
    tags: ["Events"],
    security: [{ basicKey: [] }, { bearerKey: [] }],
    request: { query: EventsQuery },
    responses: {
      200: {
        description: "A page of events",
        content: { "application/json": { schema: z.object({ events: z.array(StoredEvent), next_cursor: z.string().nullable() }) } },
      },
      422: problemResponse("Invalid filter, limit or cursor"),
    },
  },
  requireKey("user"),
  async (c) => {
    const q = queryParams(c.req.url, EventsQuery);
    const limit = q.limit ?? 100;
    const { rows, more } = await readEventsPage(
      database(c.env.DB),
      c.env,
      c.var.owner.accountId,
      {
        customerId: q.customer_id ?? null,
        email: q.email ?? null,
        event: q.event ?? null,
        sinceMs: q.since ? parseInstant(q.since)! : null,
        untilMs: q.until ? parseInstant(q.until)! : null,
        after: q.cursor ? decodeCursor(q.cursor)! : null,
      },
      limit,
    );
    const last = rows.at(-1);
    const nextCursor = more && last ? encodeCursor(last) : null;
    // The events are JSON already (written by SQLite), so the page is assembled, not re-serialised.
    return c.body(`{"events":[${rows.map((r) => r.json).join(",")}],"next_cursor":${JSON.stringify(nextCursor)}}`, 200, {
      "content-type": "application/json",
    });
  },
);

route(
  eventReadRoutes,
  {
    method: "get",
    path: "/event/debug",
    summary: "The most recently received event of each event name (event API key)",
    tags: ["Events"],
    security: [{ basicKey: [] }, { bearerKey: [] }],
    responses: {
      200: { description: "One event per name", content: { "application/json": { schema: z.object({ events: z.array(StoredEvent) }) } } },
    },
  },
  requireKey("event"),
  async (c) => {
    const events = await readLatestPerName(database(c.env.DB), c.env, c.var.owner.accountId);
    return c.body(`{"events":[${events.join(",")}]}`, 200, { "content-type": "application/json" });
  },
);

route(
  eventReadRoutes,
  {
    method: "get",
    path: "/events/names",
    summary: "The account's event names: from stored events and from import tasks' default_event (user API key)",
    tags: ["Events"],
    security: [{ basicKey: [] }, { bearerKey: [] }],
    responses: { 200: { description: "Names, sorted", content: { "application/json": { schema: z.object({ names: z.array(z.string()) }) } } } },
  },
  requireKey("user"),
  async (c) => {
    const db = database(c.env.DB);
    const stored = await readEventNames(db, c.env, c.var.owner.accountId);
    const fromTasks = await listTasks(db, c.var.owner.accountId);
    const names = new Set([...stored, ...fromTasks.map((t) => t.defaultEvent).filter((n): n is string => !!n)]);
    return c.json({ names: [...names].sort() });
  },
);
