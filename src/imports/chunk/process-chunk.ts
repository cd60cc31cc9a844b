import { and, eq } from "drizzle-orm";
import { faultAt } from "eei-faults";
import { config } from "../../config";
import type { Database } from "../../db/client";
import { runFiles, runs, tasks } from "../../db/schema";
import { log } from "../../lib/log";
import { type ChunkJob, chunkJob } from "../jobs";
import { failProcessing, type RunRow } from "../runs/runs";
import { taskFormat } from "../tasks/columns";
import type { Format } from "../tasks/task-schema";
import { commitChunk } from "./commit-chunk";
import type { Decoding } from "./csv-reader";
import type { ReadFrom } from "./decoded-text";
import { storedDecoding } from "./file-columns";
import { openAt, sniff } from "./file-stream";
import { type ChunkRead, readChunk } from "./read-chunk";
import { UnreadableFile } from "./unreadable-file";

/** A chunk is IMPORT_CHUNK_ROWS rows or this many characters, whichever comes first. */
export const CHUNK_CHARS = 2_000_000;

type RunFileRow = typeof runFiles.$inferSelect;

/** How a chunk reads its file, and from where. */
interface Opening {
  decoding: Decoding;
  gzip: boolean;
  from: ReadFrom;
}

/**
 * Processes one chunk job: reads the next rows of a staged file from where the last chunk ended,
 * validates and maps each, stores the events in their shards and then, in one D1 batch, the
 * rejected rows, the chunk's counts and the file's new position (commit-chunk.ts). Then it queues the next chunk. Every write is idempotent, so
 * a re-delivered job changes nothing; a stale one (the file moved on) is dropped.
 *
 * How a re-delivered job stores and counts nothing twice: an event's uuid and a rejected row's
 * key derive from the row, and both are inserted ON CONFLICT DO NOTHING; the chunk ledger is keyed
 * by the chunk's start offset and the run's counters are sums over it; the file advances only from
 * the offset the job started at, and only the delivery that advanced it queues the next chunk.
 */
export async function processChunk(db: Database, env: Env, job: ChunkJob, now: Date): Promise<void> {
  const current = await currentChunk(db, job);
  if (!current) return;
  const { run, file } = current;
  const task = await db.select().from(tasks).where(eq(tasks.id, run.taskId)).get();
  if (!task) return failProcessing(db, run, "The import task was deleted", now);
  const format = taskFormat(task);

  try {
    const { decoding, gzip, from } = await chooseDecoding(env.FILES, file, format, job);
    const bytes = await openAt(env.FILES, file.r2Key, gzip, from.offset);
    const maxRows = config(env).importChunkRows;
    const read = await readChunk(bytes, from, { file, task, format, decoding, row: job.row, maxRows, maxChars: CHUNK_CHARS, now });
    // A chunk that stopped on its row limit exactly at the end of a plain file has read it all.
    if (!gzip && read.next.offset >= file.bytes) read.eof = true;
    const advanced = await commitChunk(db, env, { run, job, read, gzip, decoding }, now);
    faultAt(env, "chunk_after_commit"); // soak only: the stuck-run sweep must pick the file up again
    if (advanced && !read.eof) await queueNextChunk(env, job, read);
  } catch (err) {
    if (!(err instanceof UnreadableFile)) throw err;
    await failUnreadable(db, run, job, err, now);
  }
}

/** The job's run and file while the job is current: the run still processing, the file still at the job's offset. */
async function currentChunk(db: Database, job: ChunkJob): Promise<{ run: RunRow; file: RunFileRow } | null> {
  const run = await db.select().from(runs).where(eq(runs.id, job.run_id)).get();
  if (run?.processingStatus !== "processing") return null;
  const file = await db
    .select()
    .from(runFiles)
    .where(and(eq(runFiles.runId, job.run_id), eq(runFiles.fileIndex, job.file_index)))
    .get();
  if (!file || file.done || file.nextOffset !== job.offset) return null;
  return { run, file };
}

/**
 * How to decode the file, and where the job reads from: what its first chunk stored, or, for the
 * first chunk, what the file's first bytes say (then reading starts after any byte-order mark).
 */
async function chooseDecoding(bucket: R2Bucket, file: RunFileRow, format: Format, job: ChunkJob): Promise<Opening> {
  const stored = storedDecoding(file, format.delimiter);
  if (stored) return { ...stored, from: { offset: job.offset, line: job.line } };
  const sniffed = await sniff(bucket, file.r2Key, file.bytes, format);
  return { decoding: sniffed.decoding, gzip: sniffed.gzip, from: { offset: sniffed.bomBytes, line: 1 } };
}

/** Queues the chunk that starts where this one ended. */
async function queueNextChunk(env: Env, job: ChunkJob, read: ChunkRead): Promise<void> {
  const next = chunkJob(job.run_id, job.file_index, read.next.offset, read.next.line, job.row + read.rows);
  await env.CHUNKS_QUEUE.send(next, { contentType: "json" });
}

/** A file that cannot be read at all ends its run failed, with the reason a person can act on. */
async function failUnreadable(db: Database, run: RunRow, job: ChunkJob, err: UnreadableFile, now: Date): Promise<void> {
  log("info", "import file unreadable", { run_id: run.id, file_index: job.file_index, reason: err.message });
  await failProcessing(db, run, err.message, now);
}
