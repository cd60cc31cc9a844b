import type { runFiles } from "../../db/schema";
import { eventRow } from "../../events/contract/rows";
import { taskMapping } from "../tasks/columns";
import type { Format } from "../tasks/task-schema";
import type { TaskRow } from "../tasks/tasks";
import { type CsvRecord, type Decoding, readRecords } from "./csv-reader";
import type { ReadFrom } from "./decoded-text";
import { fileHeader } from "./file-columns";
import { readJsonLines } from "./ndjson-reader";
import { type Mapped, objectMapper, rowMapper } from "./row-mapper";
import { contentUuid, rowUuidFactory } from "./row-uuid";
import { UnreadableFile } from "./unreadable-file";

/** What a chunk job reads: the file and its task, how the file decodes, and how much to take. */
export interface ChunkInput {
  file: typeof runFiles.$inferSelect;
  task: TaskRow;
  format: Format;
  decoding: Decoding;
  /** The data row number of the chunk's first row (a CSV row's event_uuid derives from it). */
  row: number;
  maxRows: number;
  maxChars: number;
  now: Date;
}

/** A chunk's rows, read and mapped: what its batch stores. */
export interface ChunkRead {
  /** Event rows to store, in rows.ts's form. */
  events: string[];
  /** Rejected rows as run_errors entries: JSON arrays [line, cells, error]. */
  errors: string[];
  /** Data rows read, stored and rejected together. */
  rows: number;
  /** The header the file keeps for its later chunks. */
  header: string[] | null;
  next: ReadFrom;
  eof: boolean;
}

/** Reads the chunk's rows from `bytes` (the file from `from` on) and maps each to an event or an error. */
export function readChunk(bytes: ReadableStream<Uint8Array>, from: ReadFrom, input: ChunkInput): Promise<ChunkRead> {
  return input.file.kind === "ndjson" ? readJsonChunk(bytes, from, input) : readCsvChunk(bytes, from, input);
}

async function readCsvChunk(bytes: ReadableStream<Uint8Array>, from: ReadFrom, input: ChunkInput): Promise<ChunkRead> {
  const { read, header, records } = await readWithHeader(bytes, from, input);
  const map = rowMapper(header, taskMapping(input.task), input.format, input.task.defaultEvent);
  const uuidOf = await rowUuidFactory(input.file.identity);
  const nowMs = input.now.getTime();
  const sorted = sortRows(input.now);
  records.forEach((rec, i) => {
    sorted.add(rec.line, rec.cells, rec.error ? { ok: false, error: rec.error } : map(rec.cells, nowMs, uuidOf(input.row + i)));
  });
  return { ...sorted.rows, rows: records.length, header, next: read.next, eof: read.eof };
}

/** Rows staged as one JSON object a line (decoded Snowflake partitions), mapped with their JSON types. */
async function readJsonChunk(bytes: ReadableStream<Uint8Array>, from: ReadFrom, input: ChunkInput): Promise<ChunkRead> {
  const read = await readJsonLines(bytes, from, input.decoding.label, input.maxRows, input.maxChars);
  const map = objectMapper(taskMapping(input.task), input.format, input.task.defaultEvent);
  const nowMs = input.now.getTime();
  const sorted = sortRows(input.now);
  for (const row of read.rows) {
    // The row's content names it: a query re-run may return the rows in another order.
    sorted.add(row.line, [row.text], row.ok ? map(row.value, nowMs, contentUuid(input.file.identity, row.text)) : { ok: false, error: row.error });
  }
  return { ...sorted.rows, rows: read.rows.length, header: fileHeader(input.file), next: read.next, eof: read.eof };
}

/** Reads the CSV records; the file's first chunk takes one more, its header row, which is not data. */
async function readWithHeader(bytes: ReadableStream<Uint8Array>, from: ReadFrom, input: ChunkInput) {
  const stored = fileHeader(input.file);
  const read = await readRecords(bytes, from, input.decoding, input.maxRows + (stored ? 0 : 1), input.maxChars);
  if (stored) return { read, header: stored, records: read.records };
  const first: CsvRecord | undefined = read.records[0];
  if (!first) throw new UnreadableFile("The file has no header row");
  return { read, header: first.cells.map((c) => c.trim()), records: read.records.slice(1) };
}

/** Sorts mapped rows into event rows to store and run_errors entries. */
function sortRows(now: Date) {
  const at = now.toISOString();
  const rows = { events: [] as string[], errors: [] as string[] };
  return {
    rows,
    add(line: number, cells: string[], mapped: Mapped) {
      if (mapped.ok) rows.events.push(eventRow(mapped.event, at));
      else rows.errors.push(JSON.stringify([line, JSON.stringify(cells), mapped.error]));
    },
  };
}
