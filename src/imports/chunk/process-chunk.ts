import { and, eq } from "drizzle-orm";
import { faultAt } from "eei-faults";
import { z } from "zod";
import type { Database } from "../../db/client";
import { runFiles, runs, tasks } from "../../db/schema";
import { statement } from "../../db/statement";
import { eventRow } from "../../events/contract/rows";
import { eventInsertStatements } from "../../events/store/store";
import { log } from "../../lib/log";
import { type ChunkJob, chunkJob } from "../jobs";
import { failProcessing, finishIfDone } from "../runs/runs";
import { taskFormat, taskMapping } from "../tasks/columns";
import type { Format } from "../tasks/task-schema";
import { type Decoding, readRecords, UnreadableFile } from "./csv-reader";
import { fileHeader, storedDecoding } from "./file-columns";
import { openAt, sniff } from "./file-stream";
import { objectMapper, rowMapper } from "./row-mapper";
import { contentUuid, rowUuidFactory } from "./row-uuid";

/** A chunk is IMPORT_CHUNK_ROWS rows or this many characters, whichever comes first. */
export const CHUNK_CHARS = 2_000_000;
const ChunkRows = z.coerce.number().int().min(1).max(100_000).catch(10_000);
const ERRORS_STATEMENT_BYTES = 900_000;

const RECORD_ERRORS = `INSERT INTO run_errors (run_id, file_index, line, cells, error)
SELECT ?1, ?2, value->>0, value->>1, value->>2 FROM json_each(?3) WHERE true ON CONFLICT DO NOTHING`;
const RECORD_CHUNK = `INSERT INTO run_chunks (run_id, file_index, start_offset, rows, processed, errored)
VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING`;
const ADVANCE_FILE = `UPDATE run_files SET next_offset = ?4, next_line = ?5, next_row = ?6, done = ?7,
  header = ?8, gzip = ?9, encoding = ?10, newline = ?11
WHERE run_id = ?1 AND file_index = ?2 AND next_offset = ?3 AND done = 0`;
// Counters are sums over the chunk ledger, so a chunk delivered twice is counted once. Progress
// clears the stuck-run sweep's count of resumes: only resumes in a row without progress add up.
const RECOUNT = `UPDATE runs SET
  rows_total = (SELECT coalesce(sum(rows), 0) FROM run_chunks WHERE run_id = ?1),
  rows_processed = (SELECT coalesce(sum(processed), 0) FROM run_chunks WHERE run_id = ?1),
  rows_errored = (SELECT coalesce(sum(errored), 0) FROM run_chunks WHERE run_id = ?1),
  progress_at = ?2, resumes = 0
WHERE id = ?1`;

/**
 * Processes one chunk job: reads the next rows of a staged file from where the last chunk ended,
 * validates and maps each, and in one D1 batch stores the events, the rejected rows, the chunk's
 * counts and the file's new position. Then it queues the next chunk. Every write is idempotent, so
 * a re-delivered job changes nothing; a stale one (the file moved on) is dropped.
 */
export async function processChunk(db: Database, env: Env, job: ChunkJob, now: Date): Promise<void> {
  const run = await db.select().from(runs).where(eq(runs.id, job.run_id)).get();
  if (run?.processingStatus !== "processing") return;
  const file = await db
    .select()
    .from(runFiles)
    .where(and(eq(runFiles.runId, job.run_id), eq(runFiles.fileIndex, job.file_index)))
    .get();
  if (!file || file.done || file.nextOffset !== job.offset) return;
  const task = await db.select().from(tasks).where(eq(tasks.id, run.taskId)).get();
  if (!task) return failProcessing(db, run, "The import task was deleted", now);
  const format = taskFormat(task);

  try {
    let decoding: Decoding;
    let gzip: boolean;
    let from = { offset: job.offset, line: job.line };
    // NDJSON lines never hold a raw U+0001 (JSON escapes it), so each line is one cell.
    const stored = storedDecoding(file, file.kind === "ndjson" ? "\u0001" : format.delimiter);
    if (stored) {
      decoding = stored.decoding;
      gzip = stored.gzip;
    } else {
      const sniffed = await sniff(env.FILES, file.r2Key, file.bytes, format);
      decoding = sniffed.decoding;
      gzip = sniffed.gzip;
      from = { offset: sniffed.bomBytes, line: 1 };
    }
    const bytes = await openAt(env.FILES, file.r2Key, gzip, from.offset);
    const maxRows = ChunkRows.parse(env.IMPORT_CHUNK_ROWS);
    const read = await readRecords(bytes, from, decoding, maxRows + (file.header ? 0 : 1), CHUNK_CHARS);
    // A chunk that stopped on its row limit exactly at the end of a plain file has read it all.
    if (!gzip && read.next.offset >= file.bytes) read.eof = true;
    let header = fileHeader(file);
    let records = read.records;
    if (!header) {
      const first = records[0];
      if (!first) throw new UnreadableFile("The file has no header row");
      header = first.cells.map((c) => c.trim());
      records = records.slice(1);
    }
    const map = file.kind === "ndjson" ? ndjsonMapper(task, format) : rowMapper(header, taskMapping(task), format, task.defaultEvent);
    const uuidOf = await rowUuidFactory(file.identity);
    const at = now.toISOString();
    const nowMs = now.getTime();
    const rows: string[] = [];
    const errors: string[] = [];
    records.forEach((rec, i) => {
      const mapped = rec.error
        ? ({ ok: false, error: rec.error } as const)
        : map(rec.cells, nowMs, file.kind === "ndjson" ? contentUuid(file.identity, rec.cells[0] ?? "") : uuidOf(job.row + i));
      if (mapped.ok) rows.push(eventRow(mapped.event, at));
      else errors.push(JSON.stringify([rec.line, JSON.stringify(rec.cells), mapped.error]));
    });

    const d1 = db.$client;
    const importHeader = { kind: "events" as const, v: 1 as const, account_id: run.accountId, source: "import" as const, import_id: task.id, run_id: run.id };
    const advance = d1
      .prepare(ADVANCE_FILE)
      .bind(
        run.id,
        job.file_index,
        job.offset,
        read.next.offset,
        read.next.line,
        job.row + records.length,
        read.eof ? 1 : 0,
        JSON.stringify(header),
        gzip ? 1 : 0,
        decoding.label,
        decoding.newline,
      );
    const stmts: D1PreparedStatement[] = [
      ...eventInsertStatements(d1, rows.length ? [{ header: importHeader, rows: `[${rows.join(",")}]` }] : []),
      ...errorStatements(d1, run.id, job.file_index, errors),
      d1.prepare(RECORD_CHUNK).bind(run.id, job.file_index, job.offset, records.length, rows.length, errors.length),
      advance,
      d1.prepare(RECOUNT).bind(run.id, at),
      ...(read.eof ? finishIfDone(db, run, at).map((q) => statement(d1, q)) : []),
    ];
    const results = await d1.batch(stmts);
    // Zero changes means another delivery of this job already moved the file on: it queued the next chunk.
    const advanced = results[stmts.indexOf(advance)]!.meta.changes > 0;
    faultAt(env, "chunk_after_commit"); // soak only: the stuck-run sweep must pick the file up again
    if (advanced && !read.eof) {
      await env.CHUNKS_QUEUE.send(chunkJob(run.id, job.file_index, read.next.offset, read.next.line, job.row + records.length), {
        contentType: "json",
      });
    }
  } catch (err) {
    if (!(err instanceof UnreadableFile)) throw err;
    log("info", "import file unreadable", { run_id: run.id, file_index: job.file_index, reason: err.message });
    await failProcessing(db, run, err.message, now);
  }
}

function errorStatements(d1: D1Database, runId: string, fileIndex: number, errors: string[]): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  let part: string[] = [];
  let size = 0;
  for (const e of errors) {
    if (part.length > 0 && size + e.length > ERRORS_STATEMENT_BYTES) {
      out.push(d1.prepare(RECORD_ERRORS).bind(runId, fileIndex, `[${part.join(",")}]`));
      part = [];
      size = 0;
    }
    part.push(e);
    size += e.length + 1;
  }
  if (part.length > 0) out.push(d1.prepare(RECORD_ERRORS).bind(runId, fileIndex, `[${part.join(",")}]`));
  return out;
}

/** Rows staged as one JSON object a line (decoded Snowflake partitions), mapped with their JSON types. */
function ndjsonMapper(task: typeof tasks.$inferSelect, format: Format) {
  const map = objectMapper(taskMapping(task), format, task.defaultEvent);
  return (cells: string[], receivedAtMs: number, uuid: string) => map(JSON.parse(cells[0] ?? "{}") as Record<string, unknown>, receivedAtMs, uuid);
}
