import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const accounts = sqliteTable("accounts", {
  id: text().primaryKey(),
  name: text().notNull(),
  createdAt: text().notNull(),
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
 * Stored events. (account_id, event_uuid) is the idempotency key: inserts use ON CONFLICT DO NOTHING,
 * so a re-sent event or a re-delivered queue batch stores nothing twice.
 */
export const events = sqliteTable(
  "events",
  {
    accountId: text().notNull(),
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
    primaryKey({ columns: [t.accountId, t.eventUuid] }),
    index("events_account_ts_idx").on(t.accountId, t.tsMs, t.eventUuid),
    // Each filter's index ends with the sort key (ts_ms, event_uuid), so a filtered page is an index
    // range read with no sort, and the planner never prefers scanning the whole account by time.
    index("events_account_customer_idx").on(t.accountId, t.customerId, t.tsMs, t.eventUuid),
    index("events_account_email_idx").on(t.accountId, t.email, t.tsMs, t.eventUuid),
    index("events_account_event_idx").on(t.accountId, t.event, t.tsMs, t.eventUuid),
  ],
);
