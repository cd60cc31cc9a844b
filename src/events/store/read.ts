import type { Database } from "../../db/client";
import type { LatestOfName, PageKey, PageRow, ShardAnswer, ShardPageQuery } from "../shards/event-shard";
import { type Layout, readLayout, shardStub } from "../shards/layout";

/**
 * Reads across an account's shards. Every read follows a plan: the shard counts of the layout as
 * boundaries, e.g. [0, 8] for 8 ready shards, [0, 2, 8] while 2 split into 8. Rows only ever move
 * from a shard below a boundary to one above it (a split's mover copies a row to its new home,
 * then deletes it), so a plan's segments are read one after another, lowest first: a row the
 * first segment no longer holds is already in a later one. A shard answers with the largest
 * count it knows; one larger than the plan's last boundary means a split the plan did not know
 * of began, and the read is done again with that boundary added (docs/scale.md, "Reads").
 */
type Plan = number[];

const MAX_REPLANS = 8;

const planOf = (l: Layout): Plan => (l.splitFrom !== null ? [0, l.splitFrom, l.shards] : [0, l.shards]);

async function onPlan<T>(db: Database, account: string, read: (plan: Plan) => Promise<{ value: T; seen: number }>): Promise<T> {
  let plan = planOf((await readLayout(db, account)) ?? { shards: 1, splitFrom: null });
  for (let attempt = 0; attempt < MAX_REPLANS; attempt++) {
    const { value, seen } = await read(plan);
    if (seen <= plan.at(-1)!) return value;
    plan = [...plan, seen];
  }
  throw new Error(`account ${account}: its shard layout kept changing during a read`);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Each segment's shards in parallel, the segments in order; the answers and the largest count seen. */
async function bySegment<T>(plan: Plan, ask: (index: number) => Promise<ShardAnswer<T>>): Promise<{ values: T[]; seen: number }> {
  const values: T[] = [];
  let seen = 0;
  for (let s = 0; s + 1 < plan.length; s++) {
    for (const a of await Promise.all(range(plan[s]!, plan[s + 1]!).map(ask))) {
      values.push(a.value);
      seen = Math.max(seen, a.shards);
    }
  }
  return { values, seen };
}

/** Whether key `a` comes before `b` in the read order: newest ts_ms first, then event_uuid descending. */
const before = (a: PageKey, b: PageKey): boolean => a.tsMs > b.tsMs || (a.tsMs === b.tsMs && a.uuid > b.uuid);
const keyOf = (r: PageRow): PageKey => ({ tsMs: r.tsMs, uuid: r.uuid });
const byOrder = (a: PageRow, b: PageRow): number => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

/** Sorted into the read order, a row held twice (mid-move) kept once, cut at `n`. */
function firstRows(rows: PageRow[], n: number): PageRow[] {
  rows.sort(byOrder);
  const out: PageRow[] = [];
  for (const r of rows) {
    const last = out.at(-1);
    if (last && last.tsMs === r.tsMs && last.uuid === r.uuid) continue;
    out.push(r);
    if (out.length === n) break;
  }
  return out;
}

/**
 * Rows a shard of `shards` is first asked for when a page needs `need`: its expected share plus
 * three standard deviations and a little. Uuids hash uniformly, so however the filter narrows the
 * events, each shard holds about need/shards of the page; a shard that held more is asked again.
 */
export function shardQuota(need: number, shards: number): number {
  const share = need / shards;
  return Math.min(need, Math.ceil(share + 3 * Math.sqrt(share) + 8));
}

export type EventsQuery = Omit<ShardPageQuery, "limit">;

/**
 * A page of `limit` events in the read order after `q.after`, exact whatever the layout, and
 * whether more follow. A ready layout asks every shard for its quota, then asks again only the
 * shards whose answer was full and ended above the page's last row: about 1.3 rows read per row
 * returned from 8 shards, 1 from one. A plan with several segments asks each shard for the whole
 * page (a shard's rows may be anywhere in it), which is what reads cost during a split.
 */
export async function readEventsPage(db: Database, env: Env, account: string, q: EventsQuery, limit: number): Promise<{ rows: PageRow[]; more: boolean }> {
  const need = limit + 1;
  const rows = await onPlan(db, account, (plan) =>
    plan.length === 2 ? pageByQuota(env, account, q, need, plan[1]!) : pageBySegment(env, account, q, need, plan),
  );
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

async function pageBySegment(env: Env, account: string, q: EventsQuery, need: number, plan: Plan) {
  const { values, seen } = await bySegment(plan, (index) => shardStub(env, account, index).page({ ...q, limit: need }));
  return { value: firstRows(values.flat(), need), seen };
}

async function pageByQuota(env: Env, account: string, q: EventsQuery, need: number, shards: number) {
  const quota = shardQuota(need, shards);
  const first = await Promise.all(range(0, shards).map((index) => shardStub(env, account, index).page({ ...q, limit: quota })));
  let seen = Math.max(...first.map((a) => a.shards));
  const rows = first.flatMap((a) => a.value);
  const cut = firstRows([...rows], need).at(need - 1);
  const again = range(0, shards).filter((index) => {
    const mine = first[index]!.value;
    const last = mine.at(-1);
    return mine.length === quota && last !== undefined && (cut === undefined || before(last, cut));
  });
  const more = await Promise.all(
    again.map((index) => shardStub(env, account, index).page({ ...q, after: keyOf(first[index]!.value.at(-1)!), limit: need - quota })),
  );
  for (const a of more) {
    seen = Math.max(seen, a.shards);
    rows.push(...a.value);
  }
  return { value: firstRows(rows, need), seen };
}

/** Every shard's distinct event names, merged, sorted, at most `limit`. */
export async function readEventNames(db: Database, env: Env, account: string, limit = 1000): Promise<string[]> {
  return onPlan(db, account, async (plan) => {
    const { values, seen } = await bySegment(plan, (index) => shardStub(env, account, index).names(limit));
    return { value: [...new Set(values.flat())].sort().slice(0, limit), seen };
  });
}

/** The most recently received event of each name across the shards, sorted by name, as JSON text. */
export async function readLatestPerName(db: Database, env: Env, account: string): Promise<string[]> {
  return onPlan(db, account, async (plan) => {
    const { values, seen } = await bySegment(plan, (index) => shardStub(env, account, index).latestPerName());
    const latest = new Map<string, LatestOfName>();
    for (const e of values.flat()) {
      const held = latest.get(e.event);
      if (!held || e.receivedAt > held.receivedAt || (e.receivedAt === held.receivedAt && e.uuid > held.uuid)) latest.set(e.event, e);
    }
    const names = [...latest.keys()].sort();
    return { value: names.map((n) => latest.get(n)!.json), seen };
  });
}
