import { isNotNull } from "drizzle-orm";
import { config } from "../../config";
import type { Database } from "../../db/client";
import { accounts } from "../../db/schema";
import { log } from "../../lib/log";
import { stepUntil } from "../../lib/steps";
import { shardStub } from "./layout";

const DAY_MS = 86_400_000;

/**
 * The scheduler's retention (contract §10.3): in every shard of every account with a
 * `retention_days`, deletes the events whose timestamp is more than that many days before the
 * tick's time, in pieces of RETENTION_STEP_ROWS, until none are left or the tick's
 * RETENTION_TICK_SECONDS are up; what is left waits for the next tick. During a split every shard
 * of the new layout is swept (the old ones are among them), and an expired row the mover copies
 * is deleted where it lands, by this tick or the next.
 */
export async function expireEvents(db: Database, env: Env, tickMs: number, startedMs = Date.now()): Promise<{ deleted: number }> {
  const due = await db
    .select({ id: accounts.id, shards: accounts.eventShards, days: accounts.retentionDays })
    .from(accounts)
    .where(isNotNull(accounts.retentionDays))
    .all();
  const budget = config(env).retentionStepRows;
  const untilMs = startedMs + config(env).retentionTickSeconds * 1000;
  let deleted = 0;
  for (const a of due) {
    const beforeMs = tickMs - a.days! * DAY_MS;
    const counts = await Promise.all(Array.from({ length: a.shards }, (_, index) => expireShard(env, a.id, index, beforeMs, budget, untilMs)));
    const n = counts.reduce((sum, c) => sum + c, 0);
    if (n > 0) log("info", "expired events deleted", { account_id: a.id, deleted: n, before: new Date(beforeMs).toISOString() });
    deleted += n;
  }
  return { deleted };
}

/** Deletes one shard's expired events piece by piece until none are left or the time is up; returns how many. */
async function expireShard(env: Env, account: string, index: number, beforeMs: number, budget: number, untilMs: number): Promise<number> {
  const stub = shardStub(env, account, index);
  let deleted = 0;
  await stepUntil(untilMs, async () => {
    const piece = await stub.expire(beforeMs, budget);
    deleted += piece.deleted;
    return piece.done;
  });
  return deleted;
}
