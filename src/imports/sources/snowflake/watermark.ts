import { z } from "zod";
import type { tasks } from "../../../db/schema";
import type { StoredSnowflakeSource } from "../../tasks/columns";
import { storedJson } from "../stored-json";
import type { Binding, Column } from "./client";
import { bindingFor } from "./decode";
import { type State, StoredColumn } from "./run-state";

/** The incremental column's largest stored cell (`tasks.watermark`), as Snowflake sent it, with the column it came from. */
export const Watermark = z.object({ cell: z.string(), column: StoredColumn });
export type Watermark = z.infer<typeof Watermark>;

/** The task's watermark, or null before a run has stored any row. */
export const taskWatermark = (task: typeof tasks.$inferSelect): Watermark | null =>
  task.watermark ? storedJson(Watermark, task.watermark, `Task ${task.id}: column watermark`) : null;

/** The task's query, narrowed to rows past the watermark when it is incremental; the watermark is bound, never spliced in. */
export function watermarkedQuery(source: StoredSnowflakeSource, watermark: Watermark | null): { statement: string; bindings?: Record<string, Binding> } {
  const col = source.incremental_column;
  if (!col || !watermark) return { statement: source.query };
  return { statement: `SELECT * FROM (${source.query}) AS q WHERE q.${col} > ?`, bindings: { "1": bindingFor(watermark.column, watermark.cell) } };
}

/** Where the incremental column is in a row, or -1 when there is none. */
export const incrementalIndex = (rowType: Column[], col: string | undefined) =>
  col ? rowType.map((c) => c.name).findIndex((n) => n.toLowerCase() === col.toLowerCase()) : -1;

/** Orders two cells of the incremental column by value, not by text. */
function greater(col: Column, a: string, b: string): boolean {
  const type = col.type.toLowerCase();
  if (type === "text") return a > b;
  if (type === "fixed" && (col.scale ?? 0) === 0 && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return BigInt(a) > BigInt(b);
  const na = Number.parseFloat(a);
  const nb = Number.parseFloat(b);
  return Number.isNaN(na) || Number.isNaN(nb) ? a > b : na > nb;
}

/** The largest cell of column `index` among `rows` and `current` (null cells never count). */
export function largestCell(col: Column | undefined, index: number, rows: (string | null)[][], current: string | null): string | null {
  if (!col || index < 0) return current;
  let largest = current;
  for (const row of rows) {
    const cell = row[index];
    if (cell !== null && cell !== undefined && (largest === null || greater(col, cell, largest))) largest = cell;
  }
  return largest;
}

/** The watermark this run reaches once its rows are stored (`runs.watermark_candidate`), or null. */
export const candidateJson = (state: State, index: number) =>
  state.candidate !== null ? JSON.stringify({ cell: state.candidate, column: state.rowType[index]! } satisfies Watermark) : null;
