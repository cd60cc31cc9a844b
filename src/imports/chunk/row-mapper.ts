import { type NormalizedEvent, validateEvent } from "../../events/contract/normalize";
import { EVENT_FIELDS, IDENTIFIERS } from "../../events/contract/rules";
import { setMember } from "../../lib/members";
import type { Format, Mapping } from "../tasks/task-schema";
import { timeOrdered } from "./row-uuid";
import { type AttrType, convert } from "./typed-cells";
import { UnreadableFile } from "./unreadable-file";

interface Column {
  target: string;
  type: AttrType;
  standard: boolean;
  /** Whether `mapping` names this column (a typed attribute keeps its given spelling). */
  mapped: boolean;
}

export type Mapped = { ok: true; event: NormalizedEvent } | { ok: false; error: string };

/**
 * Where a source column goes (API.md §4.4): a standard field by name (case-insensitive), or what
 * `mapping` says (renamed, maybe typed), or else an attribute named by the column in lower case.
 */
function columnResolver(mapping: Mapping) {
  const byLower = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  return (name: string): Column => {
    const m = byLower.get(name.trim().toLowerCase());
    const target = (m === undefined ? name : typeof m === "string" ? m : m.field).trim();
    const lower = target.toLowerCase();
    const standard = EVENT_FIELDS.has(lower);
    const type: AttrType = m !== undefined && typeof m !== "string" ? m.type : "string";
    return { target: standard || m === undefined ? lower : target, type, standard, mapped: m !== undefined };
  };
}

/** Whether columns named `names` (after mapping) include an identifier. */
export function hasIdentifierColumn(names: string[], mapping: Mapping): boolean {
  const resolve = columnResolver(mapping);
  return names.map(resolve).some((c) => c.standard && (IDENTIFIERS as readonly string[]).includes(c.target));
}

const splitter = (format: Format) => (v: string) =>
  v
    .split(format.product_ids_delimiter)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/**
 * The common end of both mappers: default event, row uuid, §3.1's rules, one error text. With
 * `byTime`, a minted uuid of a row that has its own timestamp starts with that time (timeOrdered):
 * still the same uuid for the same row, since the row's content sets its timestamp. A row without
 * one keeps the plain uuid: its time would be the moment it was read, different on a re-run.
 */
function finish(raw: Record<string, unknown>, errors: string[], defaultEvent: string | null, receivedAtMs: number, uuid: string, byTime = false): Mapped {
  if (raw.event === undefined && defaultEvent) raw.event = defaultEvent;
  const minted = raw.event_uuid === undefined;
  if (minted) raw.event_uuid = uuid;
  const v = validateEvent(raw, receivedAtMs);
  if (!v.ok) errors.push(...v.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)));
  if (errors.length > 0) return { ok: false, error: errors.join("; ") };
  const mapped = v as Mapped & { ok: true };
  if (minted && byTime && raw.timestamp !== undefined) mapped.event.event_uuid = timeOrdered(uuid, mapped.event.ts_ms);
  return mapped;
}

/**
 * CSV rows: header + mapping become a row → event function. Empty cells are left out (a blank in
 * a boolean column is an error, as in Blueshift); typed attributes must fit their type.
 */
export function rowMapper(header: string[], mapping: Mapping, format: Format, defaultEvent: string | null) {
  if (header.every((h) => h.trim() === "")) throw new UnreadableFile("The file has no header row: its first line is empty");
  if (!hasIdentifierColumn(header, mapping)) {
    throw new UnreadableFile(
      `No identifier column: the header (${header.slice(0, 20).join(", ")}) needs one of ${IDENTIFIERS.join(", ")}, or a mapping to one`,
    );
  }
  const columns = header.map(columnResolver(mapping));
  const split = splitter(format);
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
        setMember(raw, col.target, col.target === "product_ids" ? split(cell) : cell);
        continue;
      }
      const typed = convert(cell, col.type, split);
      if (typed.ok) setMember(raw, col.target, typed.value);
      else errors.push(`${col.target}: ${typed.error}`);
    }
    return finish(raw, errors, defaultEvent, receivedAtMs, uuid);
  };
}

/**
 * Rows that arrive as JSON objects with typed values (decoded Snowflake rows): the same column
 * rules, but unmapped values keep their JSON type, and a declared type applies to text values.
 */
export function objectMapper(mapping: Mapping, format: Format, defaultEvent: string | null) {
  const resolve = columnResolver(mapping);
  const columns = new Map<string, Column>();
  const split = splitter(format);
  return (row: Record<string, unknown>, receivedAtMs: number, uuid: string): Mapped => {
    const raw: Record<string, unknown> = {};
    const errors: string[] = [];
    for (const [key, value] of Object.entries(row)) {
      let col = columns.get(key);
      if (!col) {
        col = resolve(key);
        columns.set(key, col);
      }
      if (value === null || value === undefined || value === "") {
        if (col.type === "boolean" && col.mapped) errors.push(`${col.target}: must be true or false, not blank`);
        continue;
      }
      if (col.standard) {
        if (col.target === "product_ids") setMember(raw, col.target, Array.isArray(value) ? value.map(String) : split(String(value)));
        else setMember(raw, col.target, typeof value === "number" || typeof value === "boolean" ? String(value) : value);
        continue;
      }
      if (typeof value === "string" && col.mapped) {
        const typed = convert(value, col.type, split);
        if (typed.ok) setMember(raw, col.target, typed.value);
        else errors.push(`${col.target}: ${typed.error}`);
      } else setMember(raw, col.target, value);
    }
    return finish(raw, errors, defaultEvent, receivedAtMs, uuid, true);
  };
}
