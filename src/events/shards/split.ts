import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { config } from "../../config";
import type { Database } from "../../db/client";
import { accounts } from "../../db/schema";
import { log } from "../../lib/log";
import { stepUntil } from "../../lib/steps";
import { shardStub } from "./layout";
import { MAX_SHARDS } from "./shard-of";

/**
 * Starts a split of `account` from `from` shards to `to`, only if the account is still at `from`
 * and not splitting: one conditional UPDATE, so a PATCH and an automatic split (or two writers
 * seeing a full shard) never start two splits. Returns whether this call started it.
 */
export async function startSplit(db: Database, account: string, from: number, to: number): Promise<boolean> {
  const started = await db
    .update(accounts)
    .set({ eventShards: to, splitFrom: from })
    .where(and(eq(accounts.id, account), eq(accounts.eventShards, from), isNull(accounts.splitFrom)));
  return started.meta.changes > 0;
}

/** A shard past SHARD_SPLIT_BYTES starts its account's split to twice the shards (contract §6). */
export async function splitIfFull(db: Database, env: Env, account: string, shards: number, bytes: number): Promise<void> {
  if (bytes <= config(env).shardSplitBytes || shards >= MAX_SHARDS) return;
  if (await startSplit(db, account, shards, shards * 2)) {
    log("info", "shard full: split started", { account_id: account, from: shards, to: shards * 2, bytes });
  }
}

const SPLITS_PER_TICK = 50;

/**
 * The scheduler's part of every running split: each old shard of each splitting account moves one
 * step of rows at a time (EventShard.splitStep) until it has nothing left or the tick's
 * SHARD_SPLIT_TICK_SECONDS are up (well inside a cron invocation's 15 minutes);
 * once every old shard is done the account is marked ready, conditionally on the layout the tick
 * drove, so a split started meanwhile is never marked done by mistake.
 */
export async function driveSplits(db: Database, env: Env, startedMs = Date.now()): Promise<{ finished: number }> {
  const splitting = await db
    .select({ id: accounts.id, shards: accounts.eventShards, splitFrom: accounts.splitFrom })
    .from(accounts)
    .where(isNotNull(accounts.splitFrom))
    .limit(SPLITS_PER_TICK)
    .all();
  const budget = config(env).shardSplitStepRows;
  const untilMs = startedMs + config(env).shardSplitTickSeconds * 1000;
  let finished = 0;
  for (const a of splitting) {
    const from = a.splitFrom!;
    const done = await Promise.all(Array.from({ length: from }, (_, index) => moveShard(env, a.id, index, a.shards, budget, untilMs)));
    if (!done.every(Boolean)) continue;
    const marked = await db
      .update(accounts)
      .set({ splitFrom: null })
      .where(and(eq(accounts.id, a.id), eq(accounts.eventShards, a.shards), eq(accounts.splitFrom, from)));
    if (marked.meta.changes > 0) {
      finished++;
      log("info", "split finished", { account_id: a.id, from, to: a.shards });
    }
  }
  return { finished };
}

/** Steps one old shard until it has moved everything or the tick's time is up; returns whether it is done. */
async function moveShard(env: Env, account: string, index: number, target: number, budget: number, untilMs: number): Promise<boolean> {
  const stub = shardStub(env, account, index);
  return stepUntil(untilMs, async () => (await stub.splitStep({ account, index }, target, budget)).done);
}
