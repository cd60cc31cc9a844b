import type { Database } from "../../db/client";
import { statement } from "../../db/statement";
import { storeEvents } from "../../events/store/write";
import type { ChunkJob } from "../jobs";
import { finishIfDone, type RunRow } from "../runs/runs";
import type { Decoding } from "./csv-reader";
import type { ChunkRead } from "./read-chunk";

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

/** A chunk read from a file, and what its batch records about how the file decodes. */
export interface ChunkCommit {
  run: RunRow;
  job: ChunkJob;
  read: ChunkRead;
  gzip: boolean;
  decoding: Decoding;
}

/**
 * Stores a chunk: first its events in their shards, then, in one D1 batch (one transaction), its
 * rejected rows (ON CONFLICT DO NOTHING), its ledger row, the file's advance (only from the offset
 * the job started at), the run's counters summed over the ledger, and the run's end once every
 * file is done. Returns whether this delivery advanced the file; only that delivery may queue the
 * next chunk.
 *
 * Why a crash between the two steps counts nothing twice: until the D1 batch lands the file stays
 * at the job's offset, so the retried job reads the same rows and mints the same uuids; their
 * shards already hold them and store nothing again (the unique uuid); and the counts come from
 * the chunk's ledger row, written once with the batch, never from what a shard newly inserted.
 * A shard that fails throws before D1 is touched, and the job is retried whole.
 */
export async function commitChunk(db: Database, env: Env, c: ChunkCommit, now: Date): Promise<boolean> {
  await storeChunkEvents(db, env, c);
  const d1 = db.$client;
  const at = now.toISOString();
  const advance = advanceFile(d1, c);
  const stmts: D1PreparedStatement[] = [
    ...errorStatements(d1, c.run.id, c.job.file_index, c.read.errors),
    d1.prepare(RECORD_CHUNK).bind(c.run.id, c.job.file_index, c.job.offset, c.read.rows, c.read.events.length, c.read.errors.length),
    advance,
    d1.prepare(RECOUNT).bind(c.run.id, at),
    ...(c.read.eof ? finishIfDone(db, c.run, at).map((q) => statement(d1, q)) : []),
  ];
  const results = await d1.batch(stmts);
  // Zero changes means another delivery of this job already moved the file on: it queued the next chunk.
  return results[stmts.indexOf(advance)]!.meta.changes > 0;
}

async function storeChunkEvents(db: Database, env: Env, { run, read }: ChunkCommit): Promise<void> {
  if (read.events.length === 0) return;
  const header = { kind: "events" as const, v: 1 as const, account_id: run.accountId, source: "import" as const, import_id: run.taskId, run_id: run.id };
  const [stored] = await storeEvents(db, env, [{ header, rows: `[${read.events.join(",")}]` }]);
  if (!stored) throw new Error(`run ${run.id}: a shard did not store the chunk's events; the chunk job is retried`);
}

/** The file's new position, written only where the file still is at the job's offset. */
function advanceFile(d1: D1Database, { run, job, read, gzip, decoding }: ChunkCommit): D1PreparedStatement {
  const header = read.header ? JSON.stringify(read.header) : null;
  const { offset, line } = read.next;
  const eof = read.eof ? 1 : 0;
  return d1
    .prepare(ADVANCE_FILE)
    .bind(run.id, job.file_index, job.offset, offset, line, job.row + read.rows, eof, header, gzip ? 1 : 0, decoding.label, decoding.newline);
}

/** The rejected rows in statements of at most about ERRORS_STATEMENT_BYTES each (D1 caps a bound string). */
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
