import type { Schedule, Source } from "./task-schema";

/**
 * The rules about a task that more than one place applies (the API's checks, the column readers,
 * the task reads and edits), each written here once.
 */

export type SourceType = Source["type"];

/** The fields of each source type that are secrets: sealed with SECRETS_KEY in `tasks.secrets`, shown as MASK. */
export const SECRETS_OF_TYPE = {
  upload: [],
  s3: ["secret_access_key"],
  snowflake: ["private_key"],
} as const satisfies Record<SourceType, readonly string[]>;

/** What a read shows in place of a secret; an edit that sends it back keeps the stored secret. */
export const MASK = "********";

/** Which fields of a source of this type are secrets. */
export const secretFields = (type: SourceType): readonly string[] => SECRETS_OF_TYPE[type];

/** Upload tasks run once: a file is imported when it is uploaded, not on a rhythm. */
export const scheduleAllowed = (type: SourceType, schedule: Pick<Schedule, "frequency">): boolean => type !== "upload" || schedule.frequency === "once";

/** The field error of a schedule that `scheduleAllowed` refuses. */
export const UPLOAD_ONCE = { field: "schedule.frequency", message: "upload tasks are always once" } as const;
