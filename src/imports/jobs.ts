import { z } from "zod";

/** A chunk job: read file `file_index` of run `run_id` from `offset` (its line `line`, data row `row`). */
export const ChunkJob = z.object({
  kind: z.literal("chunk"),
  run_id: z.string().min(1),
  file_index: z.number().int().min(0),
  offset: z.number().int().min(0),
  line: z.number().int().min(1),
  row: z.number().int().min(0),
});
export type ChunkJob = z.infer<typeof ChunkJob>;

export function chunkJob(runId: string, fileIndex: number, offset: number, line: number, row: number): ChunkJob {
  return { kind: "chunk", run_id: runId, file_index: fileIndex, offset, line, row };
}

/** A fetch job: bring a run's source data (S3 objects, or a Snowflake query's result) into R2, then start processing it. */
export const FetchJob = z.object({ kind: z.literal("fetch"), run_id: z.string().min(1) });
export type FetchJob = z.infer<typeof FetchJob>;
export const fetchJob = (runId: string): FetchJob => ({ kind: "fetch", run_id: runId });

/** Everything the chunks queue carries. */
export const ImportJob = z.discriminatedUnion("kind", [ChunkJob, FetchJob]);
