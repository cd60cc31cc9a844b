import { FUTURE_LIMIT_MS, isEmailAddress, isEventName, MAX_IDENTIFIER_LENGTH, MAX_PRODUCT_IDS, parseIsoDateTime, UUID_RE } from "./rules";
import type { EventInput } from "./schema";

/**
 * A shortcut past the zod schema for the usual event: plain strings where strings go, product_ids
 * as an array, a valid timestamp. Returns the event exactly as `EventInput.safeParse` would
 * (the same object, unknown members included), or null when it is not sure — then the schema
 * decides and writes the errors. It never accepts what the schema rejects; a property test holds
 * the two together (test/events/quick-accept.test.ts).
 *
 * Why: zod compiles object schemas with `new Function`, which Workers forbid, so in the runtime it
 * walks the schema generically, which makes validation a large share of a bulk call's CPU.
 */
export function quickAccept(raw: Record<string, unknown>): EventInput | null {
  const { event, customer_id, email, device_id, cookie, product_ids, timestamp, event_uuid } = raw;
  if (typeof event !== "string" || !isEventName(event)) return null;
  if (!optionalText(customer_id) || !optionalText(device_id) || !optionalText(cookie)) return null;
  if (!(email == null || email === "" || (typeof email === "string" && isEmailAddress(email)))) return null;
  if (!(customer_id || email || device_id || cookie)) return null;
  if (product_ids != null && !isProductIdArray(product_ids)) return null;
  if (timestamp != null) {
    if (typeof timestamp !== "string") return null;
    const ms = parseIsoDateTime(timestamp);
    if (ms === null || ms > Date.now() + FUTURE_LIMIT_MS) return null;
  }
  if (event_uuid != null && !(typeof event_uuid === "string" && UUID_RE.test(event_uuid))) return null;
  return raw as EventInput;
}

/** null, undefined or a string of at most 1,024 characters (integer customer_ids go to the schema). */
function optionalText(v: unknown): boolean {
  return v == null || (typeof v === "string" && v.length <= MAX_IDENTIFIER_LENGTH);
}

function isProductIdArray(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > MAX_PRODUCT_IDS) return false;
  for (const id of v) if (typeof id !== "string" || id.length === 0) return false;
  return true;
}
