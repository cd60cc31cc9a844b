import { z } from "@hono/zod-openapi";
import {
  FUTURE_LIMIT_MS,
  IDENTIFIERS,
  isEmailAddress,
  MAX_BULK_EVENTS,
  MAX_EMAIL_LENGTH,
  MAX_EVENT_NAME_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  MAX_PRODUCT_IDS,
  NUMERIC_RE,
  parseIsoDateTime,
  UUID_RE,
  WHITE_SPACE_RE,
} from "./rules";

export const eventName = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(MAX_EVENT_NAME_LENGTH, `must be at most ${MAX_EVENT_NAME_LENGTH} characters`)
  .refine((v) => !v.includes("."), "must not contain '.'")
  .refine((v) => !WHITE_SPACE_RE.test(v), "must not contain white space")
  .refine((v) => !NUMERIC_RE.test(v), "must not be a number");

/** Identifiers: null or "" count as absent. customer_id also takes an integer (sent from typed stores). */
const identifier = z.string({ error: "must be a string" }).max(MAX_IDENTIFIER_LENGTH, `must be at most ${MAX_IDENTIFIER_LENGTH} characters`).nullish();

const email = identifier.refine((v) => v == null || v === "" || isEmailAddress(v), `must be an email address of at most ${MAX_EMAIL_LENGTH} characters`);

const productIds = z
  .union([z.array(z.string()), z.string()], { error: "must be an array of strings or a comma-separated string" })
  .refine((v) => (Array.isArray(v) ? v.every((id) => id.length > 0) : true), "must not contain empty ids")
  .refine((v) => splitProductIds(v).length <= MAX_PRODUCT_IDS, `must hold at most ${MAX_PRODUCT_IDS} ids`)
  .nullish();

const timestamp = z
  .string({ error: "must be an ISO 8601 date-time string" })
  .superRefine((v, ctx) => {
    const ms = parseIsoDateTime(v);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date-time with a UTC offset, like 2016-02-02T04:19:42Z" });
    } else if (ms > Date.now() + FUTURE_LIMIT_MS) {
      ctx.addIssue({ code: "custom", message: "must not be more than 24 hours in the future" });
    }
  })
  .nullish();

/** One event as sent to `POST /api/v1/event` or as an item of a bulk call (API.md §3.1). */
export const EventInput = z
  .object({
    event: eventName,
    customer_id: z.union([z.string(), z.number().int()], { error: "must be a string" }).nullish(),
    email,
    device_id: identifier,
    cookie: identifier,
    product_ids: productIds,
    timestamp,
    event_uuid: z.string({ error: "must be a UUID string" }).regex(UUID_RE, "must be a UUID").nullish(),
  })
  .catchall(z.unknown())
  .check(
    z.refine((v) => hasIdentifier(v as Record<string, unknown>), {
      message: `at least one of ${IDENTIFIERS.join(", ")} must be present and non-empty`,
      path: ["customer_id"],
      when: () => true,
    }),
  )
  .openapi("EventInput", {
    description: "Any other member is kept as an attribute of the event.",
    example: { event: "purchase", customer_id: "c-42", product_ids: ["sku-1"], timestamp: "2016-02-02T04:19:42Z", amount: 19.99 },
  });

export type EventInput = z.infer<typeof EventInput>;

export const BulkInput = z
  .object({
    events: z.array(EventInput).min(1).max(MAX_BULK_EVENTS),
  })
  .openapi("BulkEventsInput");

function hasIdentifier(v: Record<string, unknown> | null | undefined): boolean {
  if (!v || typeof v !== "object") return false;
  return IDENTIFIERS.some((k) => {
    const x = v[k];
    return (typeof x === "string" && x.length > 0) || (k === "customer_id" && typeof x === "number");
  });
}

export function splitProductIds(v: string | string[]): string[] {
  if (Array.isArray(v)) return v;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
