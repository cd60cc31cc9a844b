import { and, asc, eq, gt, or } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runErrors, runFiles } from "../../db/schema";
import { fileHeader } from "../chunk/file-columns";

const PAGE = 1000;

/** A CSV cell: quoted when needed, and defused when a spreadsheet would read it as a formula. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (cells: string[]) => `${cells.map(csvCell).join(",")}\r\n`;

type ErrorRow = typeof runErrors.$inferSelect;
interface Position {
  file: number;
  line: number;
}

/** The next page of the run's rejected rows, in file and line order, after `after`. */
function errorPage(db: Database, runId: string, after: Position | null): Promise<ErrorRow[]> {
  const past = after ? or(gt(runErrors.fileIndex, after.file), and(eq(runErrors.fileIndex, after.file), gt(runErrors.line, after.line))) : undefined;
  return db
    .select()
    .from(runErrors)
    .where(and(eq(runErrors.runId, runId), past))
    .orderBy(asc(runErrors.fileIndex), asc(runErrors.line))
    .limit(PAGE)
    .all();
}

/**
 * errors.csv for a run (API.md §4.3): each rejected row's original columns, then `line` and
 * `error`. Streamed a page of rows at a time, so a run with a million bad rows costs no memory.
 * A run of several files gets a leading `file` column.
 */
export async function errorReport(db: Database, runId: string): Promise<ReadableStream<Uint8Array>> {
  const files = await db.select().from(runFiles).where(eq(runFiles.runId, runId)).orderBy(runFiles.fileIndex).all();
  const header = (files[0] && fileHeader(files[0])) ?? [];
  const names = new Map(files.map((f) => [f.fileIndex, f.name]));
  const fileColumn = (r: ErrorRow) => (files.length > 1 ? [names.get(r.fileIndex) ?? String(r.fileIndex)] : []);
  const encoder = new TextEncoder();
  let after: Position | null = null;
  let sentHeader = false;
  return new ReadableStream({
    async pull(controller) {
      if (!sentHeader) {
        sentHeader = true;
        controller.enqueue(encoder.encode(csvLine([...(files.length > 1 ? ["file"] : []), ...header, "line", "error"])));
        return;
      }
      const rows = await errorPage(db, runId, after);
      if (rows.length === 0) {
        controller.close();
        return;
      }
      let out = "";
      for (const r of rows) out += csvLine([...fileColumn(r), ...(JSON.parse(r.cells) as string[]), String(r.line), r.error]);
      const last = rows.at(-1)!;
      after = { file: last.fileIndex, line: last.line };
      controller.enqueue(encoder.encode(out));
    },
  });
}
