import { OpenAPIHono, z } from "@hono/zod-openapi";
import { config } from "../../config";
import { validateEvent } from "../../events/contract/normalize";
import { eventRow } from "../../events/contract/rows";
import { MAX_BULK_BYTES, MAX_BULK_EVENTS, MAX_EVENT_BYTES } from "../../events/contract/rules";
import { BulkInput, EventInput } from "../../events/contract/schema";
import { ingestEvents } from "../../events/ingest/bulk";
import { sendSingleEvent } from "../../events/ingest/single-sends";
import { Problem } from "../../lib/problem";
import type { AppEnv } from "../app-env";
import { requireKey } from "../auth";
import { readJsonBody } from "../body";
import { ingestCors } from "../ingest-cors";
import { problemResponse, route } from "../openapi";
import { startIngestLimit } from "../rate-limit";

export const ingestRoutes = new OpenAPIHono<AppEnv>();

ingestRoutes.use("/event", ingestCors);
ingestRoutes.use("/bulkevents", ingestCors);

const security: Record<string, string[]>[] = [{ basicKey: [] }, { bearerKey: [] }];
const tooMany = problemResponse(`Over the account's ingest limit; nothing was accepted; retry after Retry-After seconds`);

const EventAccepted = z.object({ status: z.literal("ok"), event_uuid: z.string() }).openapi("EventAccepted");
const BulkAccepted = z.object({ status: z.literal("ok"), accepted: z.number().int(), event_uuids: z.array(z.string()) }).openapi("BulkAccepted");
/** The bulk body's outer shape; items are validated one by one so that good ones are accepted. */
const BulkEnvelope = z.object({ events: z.array(z.unknown(), { error: "must be an array of events" }) }, { error: "must be a JSON object" });

route(
  ingestRoutes,
  {
    method: "post",
    path: "/event",
    summary: "Send one event (event API key)",
    tags: ["Events"],
    security,
    request: { body: { required: true, content: { "application/json": { schema: EventInput } } } },
    responses: {
      200: { description: "The event is durably queued; it is readable shortly after", content: { "application/json": { schema: EventAccepted } } },
      400: problemResponse("Not JSON"),
      401: problemResponse("Missing or unknown key"),
      403: problemResponse("A user key was sent"),
      413: problemResponse(`Larger than ${MAX_EVENT_BYTES} bytes`),
      415: problemResponse("Not application/json"),
      422: problemResponse("Every broken field, in errors[]"),
      429: tooMany,
    },
  },
  requireKey("event"),
  async (c) => {
    const withinLimit = startIngestLimit(c);
    const { value, bytes } = await readJsonBody(c.req.raw, MAX_EVENT_BYTES);
    const receivedAt = new Date();
    const result = validateEvent(value, receivedAt.getTime(), bytes);
    if (!result.ok) throw new Problem(422, "The event is not valid", result.errors);
    await withinLimit();
    const row = eventRow(result.event, receivedAt.toISOString());
    await sendSingleEvent(c.env.EVENTS_QUEUE, c.var.owner.accountId, row, config(c.env).shareSingleEventSends);
    return c.json({ status: "ok" as const, event_uuid: result.event.event_uuid });
  },
);

route(
  ingestRoutes,
  {
    method: "post",
    path: "/bulkevents",
    summary: `Send up to ${MAX_BULK_EVENTS} events (event API key); valid items are accepted even when others are not`,
    tags: ["Events"],
    security,
    request: { body: { required: true, content: { "application/json": { schema: BulkInput } } } },
    responses: {
      200: { description: "Every event is durably queued", content: { "application/json": { schema: BulkAccepted } } },
      413: problemResponse(`More than ${MAX_BULK_EVENTS} events or ${MAX_BULK_BYTES} bytes; nothing accepted`),
      422: problemResponse("Some or all items rejected: accepted, rejected, event_uuids and errors[] with each item's index"),
      429: tooMany,
    },
  },
  requireKey("event"),
  async (c) => {
    const withinLimit = startIngestLimit(c);
    const { value } = await readJsonBody(c.req.raw, MAX_BULK_BYTES);
    const envelope = BulkEnvelope.safeParse(value);
    if (!envelope.success) {
      throw new Problem(422, 'The body must be {"events": [ … ]}', [{ field: "events", message: "must be an array of events" }]);
    }
    const items = envelope.data.events;
    if (items.length === 0) throw new Problem(422, "No events were sent", [{ field: "events", message: "must hold at least one event" }]);
    if (items.length > MAX_BULK_EVENTS) {
      throw new Problem(413, `${items.length} events were sent; at most ${MAX_BULK_EVENTS} are allowed per call; nothing was accepted`);
    }
    await withinLimit();
    const { accepted, errors, rejected } = await ingestEvents(c.env.EVENTS_QUEUE, c.var.owner.accountId, items, new Date());
    const event_uuids = accepted.map((e) => e.event_uuid);
    if (rejected === 0) return c.json({ status: "ok" as const, accepted: accepted.length, event_uuids });
    throw new Problem(422, `${rejected} of ${items.length} events were rejected; the other ${accepted.length} were accepted`, errors, {
      accepted: accepted.length,
      rejected,
      event_uuids,
    });
  },
);
