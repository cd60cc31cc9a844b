import { z } from "zod";
import type { tasks } from "../../db/schema";
import { MASK, SECRETS_OF_TYPE, type SourceType, secretFields } from "./rules";
import { Format, Mapping, S3Source, Schedule, SnowflakeSource, type Source, UploadSource } from "./task-schema";

type TaskRow = typeof tasks.$inferSelect;

/** A zod `omit` mask of the given fields. */
const maskOf = <K extends string>(fields: readonly K[]) => Object.fromEntries(fields.map((f) => [f, true])) as { [F in K]: true };

/** A source as `tasks.source` holds it: the task's source without its secret fields. */
export const StoredSource = z.discriminatedUnion("type", [
  UploadSource,
  S3Source.omit(maskOf(SECRETS_OF_TYPE.s3)),
  SnowflakeSource.omit(maskOf(SECRETS_OF_TYPE.snowflake)),
]);
export type StoredSource = z.infer<typeof StoredSource>;
export type StoredS3Source = Extract<StoredSource, { type: "s3" }>;
export type StoredSnowflakeSource = Extract<StoredSource, { type: "snowflake" }>;

/** A source split into what `tasks.source` holds and its secrets (for `tasks.secrets`, sealed). */
export function splitSecrets(source: Source): { stored: StoredSource; secrets: Record<string, string> } {
  const secret = new Set(secretFields(source.type));
  const open: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (secret.has(k)) secrets[k] = String(v);
    else open[k] = v;
  }
  return { stored: open as StoredSource, secrets };
}

/** The source as a read shows it: each secret field of its type present, as MASK. */
export function maskedSource(stored: StoredSource): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...stored };
  for (const f of secretFields(stored.type)) shown[f] = MASK;
  return shown;
}

/** An edited source of the stored type: each secret field it leaves out or sends as MASK keeps the stored value. */
export function keepSecrets(edited: Record<string, unknown>, type: SourceType, kept: Record<string, string>): Record<string, unknown> {
  const merged = { ...edited };
  for (const f of secretFields(type)) if (merged[f] === undefined || merged[f] === MASK) merged[f] = kept[f];
  return merged;
}

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
