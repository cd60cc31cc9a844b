import type { FieldError } from "../http/problem";
import { type NormalizedEvent, validateEvent } from "../events/normalize";
import { IDENTIFIERS } from "../events/rules";
import type { Format, Mapping } from "../imports/task-schema";
import { UnreadableFile } from "./csv-reader";

const STANDARD = new Set(["event", "customer_id", "email", "device_id", "cookie", "product_ids", "timestamp", "event_uuid"]);

type AttrType = "string" | "integer" | "decimal" | "boolean" | "date" | "array";
interface Column {
  target: string;
  type: AttrType;
  standard: boolean;
}

const INTEGER_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

export type Mapped = { ok: true; event: NormalizedEvent } | { ok: false; error: string };

/**
 * Turns header + mapping into a row → event function (API.md §4.4): standard columns by name
 * (case-insensitive), `mapping` renames and types attributes, unmapped columns become string
 * attributes in lower case, empty cells are left out, and every event passes §3.1's rules.
 */
export function rowMapper(header: string[], mapping: Mapping, format: Format, defaultEvent: string | null) {
  const byLower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  const columns: Column[] = header.map((name) => {
    const m = byLower.get(name.trim().toLowerCase());
    const target = (m === undefined ? name.trim() : typeof m === "string" ? m : m.field).trim();
    const lower = target.toLowerCase();
    const standard = STANDARD.has(lower);
    const type: AttrType = m !== undefined && typeof m !== "string" ? m.type : "string";
    return { target: standard ? lower : m === undefined ? lower : target, type, standard };
  });
  if (header.every((h) => h.trim() === "")) throw new UnreadableFile("The file has no header row: its first line is empty");
  if (!columns.some((c) => c.standard && (IDENTIFIERS as readonly string[]).includes(c.target))) {
    throw new UnreadableFile(
      `No identifier column: the header (${header.slice(0, 20).join(", ")}) needs one of ${IDENTIFIERS.join(", ")}, or a mapping to one`,
    );
  }
  const split = (v: string) =>
    v
      .split(format.product_ids_delimiter)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);

  return (cells: string[], receivedAtMs: number, uuid: string): Mapped => {
    if (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== "")) {
      return { ok: false, error: `the row has ${cells.length} cells but the header has ${columns.length}` };
    }
    const raw: Record<string, unknown> = {};
    const errors: string[] = [];
    for (let i = 0; i < columns.length; i++) {
      const col = columns[i]!;
      const cell = cells[i] ?? "";
      if (cell === "") {
        if (col.type === "boolean") errors.push(`${col.target}: must be true or false, not blank`);
        continue;
      }
      if (col.standard) {
        raw[col.target] = col.target === "product_ids" ? split(cell) : cell;
        continue;
      }
      const typed = convert(cell, col.type, split);
      if (typed.ok) raw[col.target] = typed.value;
      else errors.push(`${col.target}: ${typed.error}`);
    }
    if (raw.event === undefined && defaultEvent) raw.event = defaultEvent;
    if (raw.event_uuid === undefined) raw.event_uuid = uuid;
    const v = validateEvent(raw, receivedAtMs);
    if (!v.ok) errors.push(...v.errors.map(describe));
    if (errors.length > 0) return { ok: false, error: errors.join("; ") };
    return v as Mapped & { ok: true };
  };
}

function describe(e: FieldError): string {
  return e.field ? `${e.field}: ${e.message}` : e.message;
}

function convert(cell: string, type: AttrType, split: (v: string) => string[]): { ok: true; value: unknown } | { ok: false; error: string } {
  switch (type) {
    case "string":
      return { ok: true, value: cell };
    case "integer": {
      const n = Number(cell);
      if (INTEGER_RE.test(cell.trim()) && Number.isSafeInteger(n)) return { ok: true, value: n };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not an integer` };
    }
    case "decimal": {
      const n = Number(cell);
      if (DECIMAL_RE.test(cell.trim()) && Number.isFinite(n)) return { ok: true, value: n };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not a decimal number` };
    }
    case "boolean":
      if (cell === "true") return { ok: true, value: true };
      if (cell === "false") return { ok: true, value: false };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not true or false (lower case)` };
    case "date":
      if (DATE_RE.test(cell.trim()) && !Number.isNaN(Date.parse(cell.trim().slice(0, 10)))) return { ok: true, value: cell };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not an ISO 8601 date or date-time` };
    case "array":
      return { ok: true, value: split(cell) };
  }
}

/**
 * The same rules for rows that arrive as JSON objects with typed values (decoded Snowflake rows):
 * keys match standard fields and `mapping` case-insensitively, unmapped keys become attributes in
 * lower case keeping their JSON type, nulls are left out, and every event passes §3.1's rules.
 */
export function objectMapper(mapping: Mapping, format: Format, defaultEvent: string | null) {
  const byLower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  const split = (v: string) =>
    v
      .split(format.product_ids_delimiter)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  return (row: Record<string, unknown>, receivedAtMs: number, uuid: string): Mapped => {
    const raw: Record<string, unknown> = {};
    const errors: string[] = [];
    for (const [key, value] of Object.entries(row)) {
      const m = byLower.get(key.toLowerCase());
      const target = (m === undefined ? key : typeof m === "string" ? m : m.field).trim();
      const lower = target.toLowerCase();
      const type: AttrType = m !== undefined && typeof m !== "string" ? m.type : "string";
      if (value === null || value === undefined || value === "") {
        if (type === "boolean" && m !== undefined) errors.push(`${target}: must be true or false, not blank`);
        continue;
      }
      if (STANDARD.has(lower)) {
        if (lower === "product_ids") raw[lower] = Array.isArray(value) ? value.map(String) : split(String(value));
        else raw[lower] = typeof value === "number" || typeof value === "boolean" ? String(value) : value;
        continue;
      }
      const name = m === undefined ? lower : target;
      if (typeof value === "string" && m !== undefined) {
        const typed = convert(value, type, split);
        if (typed.ok) raw[name] = typed.value;
        else errors.push(`${name}: ${typed.error}`);
      } else raw[name] = value;
    }
    if (raw.event === undefined && defaultEvent) raw.event = defaultEvent;
    if (raw.event_uuid === undefined) raw.event_uuid = uuid;
    const v = validateEvent(raw, receivedAtMs);
    if (!v.ok) errors.push(...v.errors.map(describe));
    if (errors.length > 0) return { ok: false, error: errors.join("; ") };
    return v as Mapped & { ok: true };
  };
}

/** Whether columns named `names` (after mapping) include an identifier. */
export function hasIdentifierColumn(names: string[], mapping: Mapping): boolean {
  const byLower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  return names.some((n) => {
    const m = byLower.get(n.toLowerCase());
    const target = (m === undefined ? n : typeof m === "string" ? m : m.field).toLowerCase();
    return (IDENTIFIERS as readonly string[]).includes(target);
  });
}
