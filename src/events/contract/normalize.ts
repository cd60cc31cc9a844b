import type { z } from "@hono/zod-openapi";
import { byteLength } from "../../lib/bytes";
import { setMember } from "../../lib/members";
import type { FieldError } from "../../lib/problem";
import { uuidv7 } from "../../lib/uuid";
import { quickAccept } from "./quick-accept";
import { EVENT_FIELDS, MAX_ATTRIBUTE_DEPTH, MAX_EVENT_BYTES, nestsDeeperThan, parseIsoDateTime } from "./rules";
import { EventInput, splitProductIds } from "./schema";

/** An accepted event in the form the queue carries and the store writes. */
export interface NormalizedEvent {
  event_uuid: string;
  event: string;
  customer_id: string | null;
  email: string | null;
  device_id: string | null;
  cookie: string | null;
  product_ids: string[];
  timestamp: string;
  ts_ms: number;
  attributes: Record<string, unknown>;
}

/** A timestamp already in UTC with whole seconds or milliseconds: its ISO form is the text itself. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const canonicalUtc = (text: string) => (text.length === 20 ? `${text.slice(0, 19)}.000Z` : text);

export type Validated = { ok: true; event: NormalizedEvent } | { ok: false; errors: FieldError[] };

/**
 * Applies every rule of API.md §3.1 to one event and, when it passes, normalises it: identifiers
 * that are "" become null, product_ids become an array, the timestamp becomes ISO 8601 UTC, the
 * uuid is lower-cased (one uuid, one event), and unknown members become attributes.
 * `bytes` is the size of the event as sent, when the caller knows it.
 */
export function validateEvent(raw: unknown, receivedAtMs: number, bytes?: number): Validated {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: "", message: "must be a JSON object" }] };
  }
  const size = bytes ?? byteLength(JSON.stringify(raw));
  if (size > MAX_EVENT_BYTES) {
    return { ok: false, errors: [{ field: "", message: `the event is ${size} bytes; at most ${MAX_EVENT_BYTES} are allowed` }] };
  }
  // Unknown members are taken from the event as sent (the schema passes them through unchanged):
  // zod's copy of a member named "__proto__" becomes the copy's prototype and is lost.
  const attributes: Record<string, unknown> = {};
  let tooDeep: FieldError[] | undefined;
  for (const k of Object.keys(raw)) {
    if (EVENT_FIELDS.has(k)) continue;
    const value = (raw as Record<string, unknown>)[k];
    if (typeof value === "object" && value !== null && nestsDeeperThan(value, MAX_ATTRIBUTE_DEPTH)) {
      tooDeep ??= [];
      tooDeep.push({ field: k, message: `nests objects and arrays more than ${MAX_ATTRIBUTE_DEPTH} levels deep` });
    }
    setMember(attributes, k, value);
  }
  let v = quickAccept(raw as Record<string, unknown>);
  if (!v) {
    const parsed = EventInput.safeParse(raw);
    if (!parsed.success) return { ok: false, errors: [...fieldErrors(parsed.error), ...(tooDeep ?? [])] };
    v = parsed.data;
  }
  if (tooDeep) return { ok: false, errors: tooDeep };
  const tsMs = v.timestamp ? parseIsoDateTime(v.timestamp)! : receivedAtMs;
  const timestamp = v.timestamp && CANONICAL_UTC.test(v.timestamp) ? canonicalUtc(v.timestamp) : new Date(tsMs).toISOString();
  return {
    ok: true,
    event: {
      event_uuid: v.event_uuid ? v.event_uuid.toLowerCase() : uuidv7(receivedAtMs),
      event: v.event,
      customer_id: v.customer_id == null || v.customer_id === "" ? null : String(v.customer_id),
      email: v.email || null,
      device_id: v.device_id || null,
      cookie: v.cookie || null,
      product_ids: v.product_ids == null ? [] : splitProductIds(v.product_ids),
      timestamp,
      ts_ms: tsMs,
      attributes,
    },
  };
}

/** zod issues as the contract's `errors[]`: the field's dotted path and a sentence about it. */
export function fieldErrors(error: z.ZodError, index?: number): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const field = issue.path.join(".");
    const key = `${field}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(index === undefined ? { field, message: issue.message } : { index, field, message: issue.message });
  }
  return out;
}
