import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const accounts = sqliteTable(
  "accounts",
  {
    id: text().primaryKey(),
    name: text().notNull(),
    createdAt: text().notNull(),
    /**
     * The account's small number, which its events are stored under (events.account_num): an
     * integer takes 1–3 bytes in each of the events table's six B-trees where the 36-character id
     * would take 37. Assigned at creation as max + 1; nullable only because SQLite can't add a
     * NOT NULL column to a table with rows (0006 numbers them all).
     */
    num: integer(),
  },
  (t) => [uniqueIndex("accounts_num_idx").on(t.num)],
);

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
 * Stored events. (account_num, event_uuid) is the idempotency key: inserts use ON CONFLICT DO NOTHING,
 * so a re-sent event or a re-delivered queue batch stores nothing twice. account_num is the owning
 * account's `accounts.num`; queries reach it from the account id with a one-row subquery.
 *
 * `seq` (the rowid, in storage order) breaks ties between equal timestamps. SQLite ends every index
 * entry with the rowid anyway, so an index on (account_num, customer_id, ts_ms) is already ordered by
 * (…, ts_ms, seq): a filtered page is an index range read with no sort, and no index needs a
 * 37-byte event_uuid at the end of each entry to break ties.
 * Declared as INTEGER PRIMARY KEY so a VACUUM can never renumber it under a client's cursor.
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer().primaryKey(),
    accountNum: integer().notNull(),
    eventUuid: text().notNull(),
    event: text().notNull(),
    customerId: text(),
    email: text(),
    deviceId: text(),
    cookie: text(),
    productIds: text().notNull(), // JSON array of strings
    timestamp: text().notNull(), // ISO 8601 UTC, millisecond precision
    tsMs: integer().notNull(), // the same instant, for ordering and range filters
    attributes: text().notNull(), // JSON object
    source: text({ enum: ["api", "import"] }).notNull(),
    importId: text(),
    runId: text(),
    receivedAt: text().notNull(),
  },
  (t) => [
    uniqueIndex("events_account_uuid_idx").on(t.accountNum, t.eventUuid),
    // Each filter's index ends with ts_ms (then, implicitly, seq): the page order. The planner never
    // prefers scanning the whole account by time over a filter's own index.
    index("events_account_ts_idx").on(t.accountNum, t.tsMs),
    index("events_account_customer_idx").on(t.accountNum, t.customerId, t.tsMs),
    index("events_account_email_idx").on(t.accountNum, t.email, t.tsMs),
    index("events_account_event_idx").on(t.accountNum, t.event, t.tsMs),
  ],
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
