import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const accounts = sqliteTable("accounts", {
  id: text().primaryKey(),
  name: text().notNull(),
  createdAt: text().notNull(),
  /** How many shards (SQLite Durable Objects) hold the account's events: a power of two, 1–256. */
  eventShards: integer().notNull().default(1),
  /** While a split runs, the shard count it started from; writers route by it until the split ends. */
  splitFrom: integer(),
  /** Events whose timestamp is more than this many days before a scheduler tick are deleted by it; null keeps them forever. */
  retentionDays: integer(),
});

/** API keys are stored only as SHA-256 hashes (hex); the plaintext is shown once, at account creation. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    keyHash: text().primaryKey(),
    accountId: text()
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text({ enum: ["event", "user"] }).notNull(),
    createdAt: text().notNull(),
  },
  (t) => [index("api_keys_account_idx").on(t.accountId)],
);

/**
 * Import tasks (API.md §4.1). Non-secret source settings are JSON in `source`; the connector's
 * secrets are AES-GCM ciphertext in `secrets` and never leave the server.
 */
export const tasks = sqliteTable(
  "tasks",
  {
    id: text().primaryKey(),
    accountId: text().notNull(),
    name: text().notNull(),
    status: text({ enum: ["draft", "launched", "paused", "completed"] }).notNull(),
    source: text().notNull(), // JSON, secrets removed
    secrets: text(), // base64 AES-GCM ciphertext of the secret fields, or null
    schedule: text().notNull(), // JSON
    format: text().notNull(), // JSON
    mapping: text().notNull(), // JSON
    defaultEvent: text(),
    createdAt: text().notNull(),
    updatedAt: text().notNull(),
    /** start_at, or the first launch time when start_at is absent: schedule slots are anchor + k·period. */
    anchorAt: text(),
    /** The latest schedule slot a run was started for; the rhythm continues from here. */
    lastSlotAt: text(),
    nextRunAt: text(),
    /** Set by a manual run of a one-time task, so the tick does not run it again. */
    onceDone: integer({ mode: "boolean" }).notNull().default(false),
    // The uploaded file (upload tasks).
    fileKey: text(),
    fileName: text(),
    fileBytes: integer(),
    fileEtag: text(),
    /** Snowflake: the incremental column's largest stored value, {cell, column} as JSON. */
    watermark: text(),
  },
  (t) => [index("tasks_account_idx").on(t.accountId, t.createdAt), index("tasks_due_idx").on(t.status, t.nextRunAt)],
);

export const runs = sqliteTable(
  "runs",
  {
    id: text().primaryKey(),
    accountId: text().notNull(),
    taskId: text().notNull(),
    createdAt: text().notNull(),
    fetchStatus: text({ enum: ["fetching", "fetched", "failed"] }).notNull(),
    fetchStartedAt: text().notNull(),
    fetchEndedAt: text(),
    fetchError: text(),
    processingStatus: text({ enum: ["processing", "processed", "failed"] }),
    processingStartedAt: text(),
    processingEndedAt: text(),
    processingError: text(),
    rowsTotal: integer().notNull().default(0),
    rowsProcessed: integer().notNull().default(0),
    rowsErrored: integer().notNull().default(0),
    /** Last time the run made progress; the scheduler's stuck-work sweep reads it. */
    progressAt: text().notNull(),
    resumes: integer().notNull().default(0),
    /** Snowflake: the statement handle, its partitions and how many are staged, so a redelivered fetch never re-runs it. */
    sourceState: text(),
    /** Snowflake: the watermark this run reaches once its rows are stored. */
    watermarkCandidate: text(),
  },
  (t) => [index("runs_task_idx").on(t.taskId, t.createdAt), index("runs_active_idx").on(t.processingStatus, t.progressAt)],
);

/** A staged file of a run, and how far processing has read it. */
export const runFiles = sqliteTable(
  "run_files",
  {
    runId: text().notNull(),
    fileIndex: integer().notNull(),
    name: text().notNull(),
    /** "csv" (uploads, S3) or "ndjson" (decoded Snowflake partitions: one JSON object a line). */
    kind: text({ enum: ["csv", "ndjson"] })
      .notNull()
      .default("csv"),
    r2Key: text().notNull(),
    bytes: integer().notNull(),
    /** Stable identity of the file's content (task + etag); imported rows' event_uuids derive from it. */
    identity: text().notNull(),
    header: text(), // JSON array of the header cells, once read
    /** Learnt from the first bytes (gzip magic, BOM) so later chunks resume without re-sniffing. */
    gzip: integer({ mode: "boolean" }),
    encoding: text(), // the TextDecoder label actually used, e.g. "utf-16le"
    newline: text(),
    nextOffset: integer().notNull().default(0),
    nextLine: integer().notNull().default(1),
    nextRow: integer().notNull().default(0),
    done: integer({ mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.runId, t.fileIndex] })],
);

/** One row per processed chunk: makes counters idempotent when a chunk is delivered twice. */
export const runChunks = sqliteTable(
  "run_chunks",
  {
    runId: text().notNull(),
    fileIndex: integer().notNull(),
    startOffset: integer().notNull(),
    rows: integer().notNull(),
    processed: integer().notNull(),
    errored: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.fileIndex, t.startOffset] })],
);

/** Rejected rows, for errors.csv. */
export const runErrors = sqliteTable(
  "run_errors",
  {
    runId: text().notNull(),
    fileIndex: integer().notNull(),
    line: integer().notNull(),
    cells: text().notNull(), // JSON array of the row's original cells
    error: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.fileIndex, t.line] })],
);

/** S3 objects already imported by a task, by ETag: a run imports only new and changed objects. */
export const s3Objects = sqliteTable(
  "s3_objects",
  {
    taskId: text().notNull(),
    key: text().notNull(),
    etag: text().notNull(),
    runId: text().notNull(),
    importedAt: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.key, t.etag] })],
);

/**
 * Messages a queue gave up on (after max_retries), parked by the dead-letter queues' consumer so
 * an operator can see why and replay them (`/admin/dead-letters`). `body` is the message as it was
 * sent: text for events messages, JSON text for chunk and fetch jobs (`content_type` says which).
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text().primaryKey(), // the queue's message id
    queue: text().notNull(), // the queue it failed on (eei-events or eei-chunks)
    contentType: text({ enum: ["text", "json"] }).notNull(),
    body: text().notNull(),
    parkedAt: text().notNull(),
    replayedAt: text(),
    replays: integer().notNull().default(0),
  },
  (t) => [index("dead_letters_parked_idx").on(t.parkedAt)],
);
