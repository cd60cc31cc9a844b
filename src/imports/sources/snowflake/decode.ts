import type { Column } from "./client";

type Decoded = string | number | boolean | null | unknown[] | Record<string, unknown>;

/** A decimal string as a JSON number when that number prints back to the same value, else the string. */
function exactNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const norm = (s: string) => {
    let [int = "", frac = ""] = s.replace(/^\+/, "").split(".");
    const neg = int.startsWith("-");
    int = int.replace(/^-/, "").replace(/^0+(?=\d)/, "");
    frac = frac.replace(/0+$/, "");
    const out = frac ? `${int}.${frac}` : int;
    return neg && out !== "0" ? `-${out}` : out;
  };
  if (/e/i.test(text)) return n;
  return norm(text) === norm(String(n).includes("e") ? n.toFixed(20) : String(n)) ? n : text;
}

/** Epoch seconds as Snowflake writes them ("1616173619.123456789"; old servers: integer nanoseconds). */
function epochMs(text: string): number {
  const [secs = "0"] = text.trim().split(" ");
  if (!secs.includes(".") && secs.replace("-", "").length >= 16) return Number(BigInt(secs) / 1_000_000n);
  const [whole = "0", frac = ""] = secs.split(".");
  const sign = whole.startsWith("-") ? -1 : 1;
  return Number(whole) * 1000 + sign * Math.floor(Number(`0.${frac || "0"}`) * 1000);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** TIME as seconds since midnight ("45296.5") → "12:34:56.500". */
function timeOfDay(c: string): string {
  const [s = "0", frac = ""] = c.split(".");
  const secs = Number(s);
  const ms = frac ? `.${frac.padEnd(3, "0").slice(0, 3)}` : "";
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}${ms}`;
}

/** A VARIANT/OBJECT/ARRAY cell's JSON value; a cell that is not JSON stays its text. */
function jsonValue(c: string): Decoded {
  try {
    return JSON.parse(c) as Decoded;
  } catch {
    return c;
  }
}

/** A decoder that passes null through and decodes any other cell with `decode`. */
const orNull =
  (decode: (c: string) => Decoded) =>
  (c: string | null): Decoded =>
    c === null ? null : decode(c);

/**
 * One decoder a column, from `rowType` (type names compared case-insensitively; cells are strings
 * in the jsonv2 format): numbers stay exact, timestamps become ISO 8601 UTC, DATE `YYYY-MM-DD`,
 * VARIANT/OBJECT/ARRAY their JSON value, BINARY its hex text.
 */
export function decoderFor(col: Column): (cell: string | null) => Decoded {
  const type = col.type.toLowerCase();
  switch (type) {
    case "fixed":
    case "number":
    case "decfloat":
      return orNull(exactNumber);
    case "real":
    case "float":
    case "double":
      return orNull((c) => (Number.isFinite(Number(c)) ? Number(c) : c));
    case "boolean":
      return orNull((c) => c.toLowerCase() === "true");
    case "date":
      return orNull((c) => new Date(Number(c) * 86_400_000).toISOString().slice(0, 10));
    case "time":
      return orNull(timeOfDay);
    case "timestamp_ntz":
    case "timestamp_ltz":
    case "timestamp_tz":
      // The epoch part is UTC in all three; TIMESTAMP_TZ's trailing offset only says where it was written.
      return orNull((c) => new Date(epochMs(c)).toISOString());
    case "variant":
    case "object":
    case "array":
      return orNull(jsonValue);
    default:
      return (c) => c; // text, binary (hex) and anything newer: the text as sent
  }
}

/** Decodes a result's rows by its rowType into objects keyed by column name, as they are staged. */
export function rowDecoder(rowType: Column[]): (row: (string | null)[]) => Record<string, unknown> {
  const names = rowType.map((c) => c.name);
  const decoders = rowType.map(decoderFor);
  return (row) => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) obj[names[i]!] = decoders[i]!(row[i] ?? null);
    return obj;
  };
}

/**
 * A value of the incremental column as a SQL API binding, so the watermark is bound, never spliced
 * into SQL (the SQL API's `bindings`: DATE binds epoch ms, timestamps epoch ns, numbers and text as text).
 */
export function bindingFor(col: Column, cell: string): { type: string; value: string } {
  const type = col.type.toLowerCase();
  if (type === "fixed" || type === "number" || type === "decfloat") return { type: "FIXED", value: cell };
  if (type === "real" || type === "float" || type === "double") return { type: "REAL", value: cell };
  if (type === "date") return { type: "DATE", value: String(Number(cell) * 86_400_000) };
  if (type.startsWith("timestamp")) {
    const [secs = "0"] = cell.trim().split(" ");
    const ns = secs.includes(".") ? BigInt(secs.split(".")[0]!) * 1_000_000_000n + BigInt(secs.split(".")[1]!.padEnd(9, "0").slice(0, 9)) : BigInt(secs);
    const value = ns.toString();
    return {
      type: type === "timestamp_tz" ? "TIMESTAMP_TZ" : type.toUpperCase(),
      value: type === "timestamp_tz" ? `${value} ${cell.trim().split(" ")[1] ?? "1440"}` : value,
    };
  }
  return { type: "TEXT", value: cell };
}
