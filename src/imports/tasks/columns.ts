import { z } from "zod";
import type { tasks } from "../../db/schema";
import { Format, Mapping, S3Source, Schedule, SnowflakeSource, UploadSource } from "./task-schema";

type TaskRow = typeof tasks.$inferSelect;

/** Fields of a source that are secrets: sealed with SECRETS_KEY in `tasks.secrets`, shown as MASK. */
export const SECRETS_OF_TYPE = {
  upload: [],
  s3: ["secret_access_key"],
  snowflake: ["private_key"],
} as const satisfies Record<string, readonly string[]>;
export const MASK = "********";

/** A source as `tasks.source` holds it: the task's source without its secret fields. */
export const StoredSource = z.discriminatedUnion("type", [
  UploadSource,
  S3Source.omit({ secret_access_key: true }),
  SnowflakeSource.omit({ private_key: true }),
]);
export type StoredSource = z.infer<typeof StoredSource>;
export type StoredS3Source = Extract<StoredSource, { type: "s3" }>;
export type StoredSnowflakeSource = Extract<StoredSource, { type: "snowflake" }>;

/**
 * The task's JSON columns, read and checked against the schemas they were written with. The API
 * validated them on the way in, so a column that fails here was changed behind the API's back:
 * that is an error naming the task and the column, never a silently wrong value.
 */
function column<T extends z.ZodType>(schema: T, row: TaskRow, name: "source" | "schedule" | "format" | "mapping"): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(row[name]);
  } catch {
    throw new Error(`Task ${row.id}: column ${name} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`Task ${row.id}: column ${name} does not match its schema: ${parsed.error.message}`);
  return parsed.data;
}

export const taskSource = (row: TaskRow): StoredSource => column(StoredSource, row, "source");
export const taskSchedule = (row: TaskRow): Schedule => column(Schedule, row, "schedule");
export const taskFormat = (row: TaskRow): Format => column(Format, row, "format");
export const taskMapping = (row: TaskRow): Mapping => column(Mapping, row, "mapping");

/** Upload tasks run once: a file is imported when it is uploaded, not on a rhythm. */
export const scheduleAllowed = (sourceType: StoredSource["type"], schedule: Schedule): boolean => sourceType !== "upload" || schedule.frequency === "once";
export const UPLOAD_ONCE_MESSAGE = "upload tasks are always once";
