import { z } from "@hono/zod-openapi";
import { parseIsoDateTime } from "../../events/contract/rules";
import { eventName } from "../../events/contract/schema";
import { scheduleAllowed, UPLOAD_ONCE } from "./rules";

const text = (what: string, max = 1024) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, "must not be empty")
    .max(max);

const instant = z
  .string({ error: "must be an ISO 8601 date-time string" })
  .refine((v) => parseIsoDateTime(v) !== null, "must be an ISO 8601 date-time with a UTC offset, like 2026-01-01T00:00:00Z");

export const UploadSource = z.object({ type: z.literal("upload") });

export const S3Source = z.object({
  type: z.literal("s3"),
  bucket: text("a bucket name", 255),
  region: text("a region such as us-east-1", 64),
  endpoint: z
    .string()
    .url("must be a URL such as https://s3.us-east-1.amazonaws.com or http://127.0.0.1:9000")
    .refine((v) => /^https?:\/\//.test(v), "must start with https:// (or http:// for a local server)")
    .optional(),
  prefix: z.string().max(1024).optional(),
  pattern: z.string().min(1).max(1024).optional(),
  access_key_id: text("an access key id", 256),
  secret_access_key: text("a secret access key", 1024),
});

export const SnowflakeSource = z.object({
  type: z.literal("snowflake"),
  account: text("an account identifier", 255),
  user: text("a user name", 255),
  private_key: z
    .string({ error: "must be an unencrypted PKCS#8 PEM private key" })
    .refine((v) => v.includes("-----BEGIN PRIVATE KEY-----"), "must be an unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)"),
  warehouse: text("a warehouse name", 255),
  database: text("a database name", 255),
  schema: text("a schema name", 255),
  role: z.string().min(1).max(255).optional(),
  query: text("a SQL query", 100_000),
  incremental_column: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "must be a plain column name (letters, digits, _ and $)")
    .max(255)
    .optional(),
  endpoint: z.string().url("must be a URL").optional(),
});

export const Source = z.discriminatedUnion("type", [UploadSource, S3Source, SnowflakeSource], {
  error: 'must be {"type": "upload" | "s3" | "snowflake", …}',
});
export type Source = z.infer<typeof Source>;

export const Schedule = z
  .object({
    frequency: z.enum(["once", "hourly", "daily", "weekly"], { error: "must be once, hourly, daily or weekly" }),
    start_at: instant.nullish(),
    end_at: instant.nullish(),
  })
  .refine((s) => !s.start_at || !s.end_at || parseIsoDateTime(s.end_at)! > parseIsoDateTime(s.start_at)!, {
    message: "must be after start_at",
    path: ["end_at"],
  });
export type Schedule = z.infer<typeof Schedule>;

const DELIMITER_NAMES: Record<string, string> = { comma: ",", tab: "\t", pipe: "|", semicolon: ";" };

const delimiter = z
  .string()
  .transform((v) => DELIMITER_NAMES[v.toLowerCase()] ?? v)
  .refine((v) => v.length === 1, "must be one character (or comma, tab, pipe, semicolon)")
  .refine((v) => v !== '"' && v !== "\n" && v !== "\r", "must not be a quote or a line break");

export const Format = z.object({
  delimiter: delimiter.default(","),
  encoding: z
    .string()
    .transform((v) =>
      v
        .toLowerCase()
        .replace("latin1", "iso-8859-1")
        .replace(/^utf8$/, "utf-8")
        .replace(/^utf16$/, "utf-16"),
    )
    .pipe(z.enum(["utf-8", "utf-16", "iso-8859-1"], { error: "must be utf-8, utf-16 or iso-8859-1" }))
    .default("utf-8"),
  product_ids_delimiter: delimiter.default("|"),
});
export type Format = z.infer<typeof Format>;

export const ATTRIBUTE_TYPES = ["string", "integer", "decimal", "boolean", "date", "array"] as const;
export const MappingTarget = z.union([
  text("a field or attribute name", 255),
  z.object({ field: text("a field or attribute name", 255), type: z.enum(ATTRIBUTE_TYPES, { error: `must be one of ${ATTRIBUTE_TYPES.join(", ")}` }) }),
]);
export const Mapping = z.record(z.string().min(1).max(255), MappingTarget);
export type Mapping = z.infer<typeof Mapping>;

const taskFields = {
  name: text("a name", 200),
  source: Source,
  schedule: Schedule,
  format: Format,
  mapping: Mapping,
  default_event: eventName.nullish(),
};

export const NewTask = z
  .object({
    ...taskFields,
    schedule: Schedule.default({ frequency: "once" }),
    format: Format.default({ delimiter: ",", encoding: "utf-8", product_ids_delimiter: "|" }),
    mapping: Mapping.default({}),
  })
  .refine((t) => scheduleAllowed(t.source.type, t.schedule), {
    message: UPLOAD_ONCE.message,
    path: UPLOAD_ONCE.field.split("."),
  })
  .openapi("NewImportTask");
export type NewTask = z.infer<typeof NewTask>;

/** PATCH: any subset. A source may leave its secrets out (or send MASK, "********") to keep the stored ones. */
export const TaskPatch = z
  .object({
    name: taskFields.name,
    source: z.record(z.string(), z.unknown()),
    schedule: Schedule,
    format: Format,
    mapping: Mapping,
    default_event: taskFields.default_event,
  })
  .partial()
  .openapi("ImportTaskPatch");
export type TaskPatch = z.infer<typeof TaskPatch>;

export const LastFetch = z.object({
  status: z.enum(["fetching", "fetched", "failed"]),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  error: z.string().nullable(),
});

export const TaskOut = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["draft", "launched", "paused", "completed"]),
    source: z.record(z.string(), z.unknown()),
    schedule: z.object({ frequency: z.string(), start_at: z.string().nullable(), end_at: z.string().nullable() }),
    format: z.object({ delimiter: z.string(), encoding: z.string(), product_ids_delimiter: z.string() }),
    mapping: z.record(z.string(), z.unknown()),
    default_event: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    next_run_at: z.string().nullable(),
    last_fetch: LastFetch.nullable(),
    last_run: z
      .object({
        id: z.string(),
        processing_status: z.string().nullable(),
        rows: z.object({ total: z.number(), processed: z.number(), errored: z.number() }),
      })
      .nullable(),
    file: z.object({ name: z.string(), bytes: z.number() }).nullable(),
  })
  .openapi("ImportTask");
