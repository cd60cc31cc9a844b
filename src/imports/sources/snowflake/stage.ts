import type { runFiles } from "../../../db/schema";
import type { RunRow } from "../../runs/runs";
import type { SnowflakeClient } from "./client";
import { rowDecoder } from "./decode";
import type { State } from "./run-state";
import { largestCell } from "./watermark";

type Rows = (string | null)[][];
type NewFile = typeof runFiles.$inferInsert;

/** A partition as staged: one JSON object a line, each line ending in "\n" (an empty partition is empty). */
function partitionText(decode: (row: (string | null)[]) => Record<string, unknown>, rows: Rows): string {
  let text = "";
  for (const row of rows) text += `${JSON.stringify(decode(row))}\n`;
  return text;
}

/** Puts partition `n`'s text into R2: the run_files row that records it for the shared pipeline. */
async function stagePartition(env: Env, run: RunRow, taskId: string, n: number, text: string): Promise<NewFile> {
  const r2Key = `runs/${run.accountId}/${run.id}/p${n}.ndjson`;
  const bytes = new TextEncoder().encode(text);
  await env.FILES.put(r2Key, bytes);
  return {
    runId: run.id,
    fileIndex: n,
    name: `partition ${n}`,
    kind: "ndjson",
    r2Key,
    bytes: bytes.byteLength,
    identity: `sf:${taskId}`,
    header: JSON.stringify(["row"]),
    gzip: false,
    encoding: "utf-8",
    newline: "\n",
  };
}

/**
 * Stages partitions `state.staged` … `end - 1` one after another (partition 0 from `first` when the
 * statement has just run), raising `state.candidate` to the largest incremental cell among them.
 */
export async function stagePartitions(
  env: Env,
  client: SnowflakeClient,
  run: RunRow,
  taskId: string,
  job: { state: State; first: Rows | null; incIndex: number; end: number },
): Promise<NewFile[]> {
  const { state, first, incIndex, end } = job;
  const decode = rowDecoder(state.rowType);
  const files: NewFile[] = [];
  for (let n = state.staged; n < end; n++) {
    const rows = n === 0 && first ? first : await client.partition(state.handle, n);
    state.candidate = largestCell(state.rowType[incIndex], incIndex, rows, state.candidate);
    files.push(await stagePartition(env, run, taskId, n, partitionText(decode, rows)));
  }
  return files;
}
