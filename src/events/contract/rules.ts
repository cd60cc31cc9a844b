/** The limits and formats of the event contract (API.md §3.1–§3.2), in one place. */
export const MAX_EVENT_BYTES = 32_768;
export const MAX_BULK_BYTES = 5_242_880;
export const MAX_BULK_EVENTS = 1_000;
export const MAX_PRODUCT_IDS = 100;
export const MAX_EMAIL_LENGTH = 64;
export const FUTURE_LIMIT_MS = 24 * 60 * 60 * 1000;

/**
 * How deep an attribute may nest objects and arrays (`[]` is one level, `{"a": []}` two). The
 * contract sets no limit; SQLite's JSON functions stop at 1,000 levels, and one event nested
 * deeper, once stored, would fail every read of its account's events with a 500.
 */
export const MAX_ATTRIBUTE_DEPTH = 64;

/** True when `value` (an object or array) nests objects and arrays more than `levels` deep. */
export function nestsDeeperThan(value: object, levels: number): boolean {
  if (levels === 0) return true;
  for (const member of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof member === "object" && member !== null && nestsDeeperThan(member, levels - 1)) return true;
  }
  return false;
}

export const MAX_EVENT_NAME_LENGTH = 64;
export const MAX_IDENTIFIER_LENGTH = 1024;

export const IDENTIFIERS = ["customer_id", "email", "device_id", "cookie"] as const;
/** The members §3.1 defines; any other member of an event is an attribute. */
export const EVENT_FIELDS: ReadonlySet<string> = new Set(["event", ...IDENTIFIERS, "product_ids", "timestamp", "event_uuid"]);

export const WHITE_SPACE_RE = /\s/;

/** §3.1's event-name rule as one test (the schema checks its parts one by one, to say which failed). */
export function isEventName(v: string): boolean {
  return v.length >= 1 && v.length <= MAX_EVENT_NAME_LENGTH && !v.includes(".") && !WHITE_SPACE_RE.test(v) && !NUMERIC_RE.test(v);
}

export function isEmailAddress(v: string): boolean {
  return v.length <= MAX_EMAIL_LENGTH && EMAIL_RE.test(v);
}
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const NUMERIC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/**
 * Either case, spelled out in the classes rather than with the `i` flag: the schema publishes this
 * pattern in /openapi.json, where a JSON Schema pattern has no place for flags.
 */
export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Extended-format ISO 8601 date-time with a mandatory UTC offset; fractions of a second allowed. */
const ISO_DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * Milliseconds since the epoch for an ISO 8601 date-time with an offset, or null when the text is
 * not one or names an impossible date (2021-02-30, 25:00). Checked field by field because
 * Date.parse quietly rolls impossible dates over.
 */
export function parseIsoDateTime(text: string): number | null {
  // Validation and normalisation each parse an event's timestamp, and a bulk call's events often
  // share one: the last answer is kept.
  if (text === lastParsed.text) return lastParsed.ms;
  const ms = parseUncached(text);
  lastParsed = { text, ms };
  return ms;
}

let lastParsed: { text: string; ms: number | null } = { text: "", ms: null };

function parseUncached(text: string): number | null {
  const m = ISO_DATE_TIME_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "00", frac = "", off] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  let offsetMin = 0;
  if (off && off.toUpperCase() !== "Z") {
    const sign = off[0] === "-" ? -1 : 1;
    const digits = off.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** A query-string instant: an ISO 8601 date-time with offset, or a bare date meaning its UTC midnight. */
export function parseInstant(text: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseIsoDateTime(`${text}T00:00:00Z`);
  return parseIsoDateTime(text);
}
