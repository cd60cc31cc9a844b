import { z } from "zod";
import type { RunRow } from "../../runs/runs";
import { storedJson } from "../stored-json";
import type { Column } from "./client";

/** A column of a result as Snowflake describes it; the fields not read here are kept as sent. */
export const StoredColumn: z.ZodType<Column> = z.looseObject({ name: z.string(), type: z.string(), scale: z.number().nullish() });

/**
 * How far a run's fetch has got (`runs.source_state`): the statement whose result it reads, so a
 * redelivered job reads the same result instead of running the query again, and what it staged.
 */
export const State = z.object({
  handle: z.string(),
  partitions: z.number().int(),
  rowType: z.array(StoredColumn),
  staged: z.number().int(),
  /** The largest incremental-column cell seen so far, as Snowflake sent it. */
  candidate: z.string().nullable(),
});
export type State = z.infer<typeof State>;

/** The run's fetch state, or null before its statement has run. */
export const runState = (run: RunRow): State | null => (run.sourceState ? storedJson(State, run.sourceState, `Run ${run.id}: column source_state`) : null);
