/**
 * The schema and statements of one event shard: a SQLite Durable Object holding some of one
 * account's events (so no account column). `event_uuid` is unique: the account's idempotency key,
 * since a uuid has exactly one home shard (shard-of.ts). Pages are ordered by
 * (ts_ms DESC, event_uuid DESC), an order that does not depend on where an event is stored, and
 * each filter's index ends in (ts_ms, event_uuid), so a page is an index range read with no sort.
 * `seq` (the rowid) is storage order: the split's mover walks it, and /event/debug's "latest
 * stored" reads it. Every statement is a constant with bound parameters.
 */
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_uuid TEXT NOT NULL,
    event TEXT NOT NULL,
    customer_id TEXT,
    email TEXT,
    device_id TEXT,
    cookie TEXT,
    product_ids TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL,
    import_id TEXT,
    run_id TEXT
  )`,
  "CREATE UNIQUE INDEX IF NOT EXISTS events_uuid_idx ON events (event_uuid)",
  "CREATE INDEX IF NOT EXISTS events_ts_idx ON events (ts_ms, event_uuid)",
  "CREATE INDEX IF NOT EXISTS events_customer_idx ON events (customer_id, ts_ms, event_uuid)",
  "CREATE INDEX IF NOT EXISTS events_email_idx ON events (email, ts_ms, event_uuid)",
  "CREATE INDEX IF NOT EXISTS events_event_idx ON events (event, ts_ms, event_uuid)",
  // The shard's own state: which account and index it is, the layout it has reached, the mover's place.
  "CREATE TABLE IF NOT EXISTS shard_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/**
 * Inserts a JSON array of event rows (src/events/contract/rows.ts) with one provenance. One bound
 * parameter however many rows; jsonb_each and ->> run in SQLite's C code, and the array is turned
 * into JSONB once so the eleven ->> of a row read a parsed value.
 */
export const INSERT = `INSERT INTO events (event_uuid, event, customer_id, email, device_id, cookie,
  product_ids, timestamp, ts_ms, attributes, received_at, source, import_id, run_id)
SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5,
  value->>6, value->>7, value->>8, value->>9, value->>10, ?2, ?3, ?4
FROM jsonb_each(jsonb(?1)) WHERE true
ON CONFLICT (event_uuid) DO NOTHING`;

/** Which of a JSON array of uuids this shard holds. */
export const HELD = "SELECT event_uuid FROM events WHERE event_uuid IN (SELECT value FROM json_each(?1))";

/** How many of a JSON array of uuids this shard holds. */
export const HELD_COUNT = "SELECT count(*) AS n FROM events WHERE event_uuid IN (SELECT value FROM json_each(?1))";

/** An event in its §3.4 wire shape, written by SQLite; import_id and run_id only on imported events. */
const SHARED = `'event_uuid', event_uuid, 'event', event, 'customer_id', customer_id, 'email', email,
  'device_id', device_id, 'cookie', cookie, 'product_ids', json(product_ids), 'timestamp', timestamp,
  'attributes', json(attributes), 'source', source`;
const WIRE_JSON = `CASE WHEN source = 'import'
  THEN json_object(${SHARED}, 'import_id', import_id, 'run_id', run_id, 'received_at', received_at)
  ELSE json_object(${SHARED}, 'received_at', received_at) END`;

/**
 * A page after a cursor, one constant statement per leading filter so the planner reads that
 * filter's index: ?1 the leading filter's value, ?2/?3 the time bounds, (?4, ?5) the cursor, ?6/?7/?8
 * the other filters (NULL when absent), ?9 the row count.
 */
const page = (leading: string | null) => `SELECT ts_ms, event_uuid, ${WIRE_JSON} AS json FROM events
WHERE ${leading ? `${leading} = ?1 AND ` : "?1 IS NULL AND "}ts_ms >= ?2 AND ts_ms <= ?3 AND (ts_ms, event_uuid) < (?4, ?5)
  AND (?6 IS NULL OR customer_id = ?6) AND (?7 IS NULL OR email = ?7) AND (?8 IS NULL OR event = ?8)
ORDER BY ts_ms DESC, event_uuid DESC LIMIT ?9`;
export const PAGE = { customer_id: page("customer_id"), email: page("email"), event: page("event"), none: page(null) };

/**
 * Each event name's most recently received event, by (received_at, event_uuid) so that shards
 * agree on what "latest" means whatever order their rows were stored in (a split copies old rows
 * into a new shard after newer ones). Reads the whole shard: the debug route is for set-up checks.
 */
export const LATEST_PER_NAME = `SELECT event, received_at, event_uuid, ${WIRE_JSON} AS json FROM events
WHERE seq IN (SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY event ORDER BY received_at DESC, event_uuid DESC) AS rn
  FROM events) WHERE rn = 1)`;

export const NAMES = "SELECT DISTINCT event FROM events ORDER BY event LIMIT ?1";

/** The mover's next rows in storage order, each as an insertable row (rows.ts) with its provenance. */
export const NEXT_TO_MOVE = `SELECT seq, event_uuid, source, import_id, run_id,
  json_array(event_uuid, event, customer_id, email, device_id, cookie, json(product_ids), timestamp, ts_ms,
    json(attributes), received_at) AS row
FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2`;

export const DELETE_MOVED = "DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?1))";

export const READ_STATE = "SELECT value FROM shard_state WHERE key = ?1";
export const WRITE_STATE = "INSERT INTO shard_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/** Up to ?2 of the oldest events whose timestamp is before ?1 (ms), deleted along the timestamp index. */
export const EXPIRE = `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2) RETURNING seq`;
