import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs, tasks } from "../../db/schema";
import { failFetch, stageUpload } from "../runs/runs";
import { taskSource } from "../tasks/columns";
import { fetchS3Run } from "./s3/fetch";
import { fetchSnowflakeRun } from "./snowflake/fetch";

/** A fetch job: brings a run's data into R2 with its task's source. A finished run's job does nothing. */
export async function fetchRun(db: Database, env: Env, runId: string, now: () => Date): Promise<void> {
  const run = await db.select().from(runs).where(eq(runs.id, runId)).get();
  if (run?.fetchStatus !== "fetching") return; // done already: a redelivered job
  const task = await db.select().from(tasks).where(eq(tasks.id, run.taskId)).get();
  if (!task) return void (await failFetch(db, run, "The import task was deleted", now()));
  const source = taskSource(task);
  if (source.type === "s3") return fetchS3Run(db, env, run, task, source, now);
  if (source.type === "snowflake") return fetchSnowflakeRun(db, env, run, task, source, now);
  return void (await stageUpload(db, env, run, task, now())); // an upload: a resumed run's start
}
