import { DurableObject } from "cloudflare:workers";
import { shardOf } from "./shard-of";
import { DELETE_MOVED, EXPIRE, HELD, HELD_COUNT, INSERT, LATEST_PER_NAME, NAMES, NEXT_TO_MOVE, PAGE, READ_STATE, SCHEMA, WRITE_STATE } from "./shard-sql";

/** Which shard: the account and the shard's index among the account's `event_shards`. */
export interface ShardAddress {
  account: string;
  index: number;
}

/** Rows of one provenance: a JSON array of event rows (src/events/contract/rows.ts). */
export interface ShardItem {
  source: "api" | "import";
  import_id: string | null;
  run_id: string | null;
  rows: string;
}

/** A §3.4 read's filters, the cursor to resume after (newest first) and how many rows to return. */
export interface ShardPageQuery {
  customerId: string | null;
  email: string | null;
  event: string | null;
  sinceMs: number | null;
  untilMs: number | null;
  after: PageKey | null;
  limit: number;
}

/** A row's place in the read order: (ts_ms, event_uuid), newest first. */
export interface PageKey {
  tsMs: number;
  uuid: string;
}
/** A page row: its key and the event's wire JSON. */
export interface PageRow extends PageKey {
  json: string;
}

/** The last event of one name in a shard, with what the merge across shards compares. */
export interface LatestOfName {
  event: string;
  receivedAt: string;
  uuid: string;
  json: string;
}

/** What every read answers besides its rows: the shard count this shard knows (see `known`). */
export interface ShardAnswer<T> {
  shards: number;
  value: T;
}

const SHARDS_KEY = "shards";
const MOVE_KEY = "move";
const FAR_FUTURE = Number.MAX_SAFE_INTEGER;

/**
 * One shard of one account's events, in the Durable Object's own SQLite (src/events/shards/
 * shard-sql.ts has the schema and why). Every method is a synchronous transaction except where
 * rows travel to another shard.
 *
 * Layouts and splits (docs/scale.md, "Splitting a shard"): `known` is the largest shard count this
 * shard has been told of, persisted. A writer names the count it routed by; when that equals
 * `known`, every row is this shard's own and is inserted as sent (the usual case, no per-row
 * JavaScript). A smaller count means the writer routed by the layout before a split: each row
 * is then placed by `known`, own rows inserted here and the others forwarded to their home, whose
 * unique index keeps a row that also arrives by the mover once. The mover (`splitStep`) copies a
 * step of rows to their new homes and only then deletes them here, so an event is always in its
 * old shard or its new one (sometimes both, which readers dedupe by uuid), and a reader that asks
 * the old shards before the new ones sees every event (src/events/store/read.ts).
 */
export class EventShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private known: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.sql.exec(statement);
    this.known = Number(this.state(SHARDS_KEY) ?? 0);
  }

  /** Stores rows routed here by a layout of `routedBy` shards; returns the shard's size in bytes. */
  async store(at: ShardAddress, routedBy: number, items: ShardItem[]): Promise<{ bytes: number }> {
    this.learn(routedBy);
    if (routedBy === this.known) {
      this.insert(items);
      return { bytes: this.sql.databaseSize };
    }
    const { own, away } = this.placeRows(items, this.known, at.index);
    await Promise.all([...away].map(([home, rows]) => this.forward(at, home, rows)));
    this.insert(own);
    return { bytes: this.sql.databaseSize };
  }

  /** A page of events after `q.after`, newest first, read along the leading filter's index. */
  page(q: ShardPageQuery): ShardAnswer<PageRow[]> {
    const leading = q.customerId !== null ? "customer_id" : q.email !== null ? "email" : q.event !== null ? "event" : "none";
    const lead = leading === "customer_id" ? q.customerId : leading === "email" ? q.email : leading === "event" ? q.event : null;
    const { tsMs: afterTs, uuid: afterUuid } = q.after ?? { tsMs: FAR_FUTURE, uuid: "" };
    const cursor = this.sql.exec<{ ts_ms: number; event_uuid: string; json: string }>(
      PAGE[leading],
      lead,
      q.sinceMs ?? -FAR_FUTURE,
      q.untilMs ?? FAR_FUTURE,
      afterTs,
      afterUuid,
      q.customerId,
      q.email,
      q.event,
      q.limit,
    );
    const rows: PageRow[] = [];
    for (const r of cursor) rows.push({ tsMs: r.ts_ms, uuid: r.event_uuid, json: r.json });
    return { shards: this.known, value: rows };
  }

  /**
   * Deletes up to `budget` of this shard's events whose timestamp is before `beforeMs`, oldest
   * first (retention, contract §10.3); `done` once none are left. One statement, so a piece never
   * interleaves with a split step or an insert.
   */
  expire(beforeMs: number, budget: number): { deleted: number; done: boolean } {
    const deleted = this.sql.exec(EXPIRE, beforeMs, budget).toArray().length;
    return { deleted, done: deleted < budget };
  }

  /** The shard's distinct event names, sorted, at most `limit`. */
  names(limit: number): ShardAnswer<string[]> {
    const names = this.sql
      .exec<{ event: string }>(NAMES, limit)
      .toArray()
      .map((r) => r.event);
    return { shards: this.known, value: names };
  }

  /** Each event name's most recently stored event in this shard. */
  latestPerName(): ShardAnswer<LatestOfName[]> {
    const rows = this.sql
      .exec<{ event: string; received_at: string; event_uuid: string; json: string }>(LATEST_PER_NAME)
      .toArray()
      .map((r) => ({ event: r.event, receivedAt: r.received_at, uuid: r.event_uuid, json: r.json }));
    return { shards: this.known, value: rows };
  }

  /** How many of the JSON array of uuids this shard holds (the split's tests and checks read it). */
  held(uuids: string): number {
    return this.sql.exec<{ n: number }>(HELD_COUNT, uuids).one().n;
  }

  /**
   * One step of a split to `target` shards: the next `budget` rows in storage order whose home under
   * `target` is elsewhere are copied there, then deleted here with the mover's place, in one
   * transaction. Runs with this shard's other calls held back, so two steps never overlap and a
   * step's rows are read and deleted as one. Rows written after the split began are placed by
   * `target` already (`store`), so the mover ends when a step reads fewer than `budget` rows.
   */
  async splitStep(at: ShardAddress, target: number, budget: number): Promise<{ done: boolean; moved: number }> {
    return this.ctx.blockConcurrencyWhile(async () => {
      this.learn(target);
      const place = this.moverPlace(target);
      if (place.done) return { done: true, moved: 0 };
      const rows = this.sql.exec<MoverRow>(NEXT_TO_MOVE, place.after, budget).toArray();
      const moving = rows.filter((r) => shardOf(r.event_uuid, target) !== at.index);
      const away = groupByHome(moving, target);
      await Promise.all([...away].map(([home, items]) => this.forward(at, home, items, target)));
      const done = rows.length < budget;
      const after = rows.at(-1)?.seq ?? place.after;
      this.ctx.storage.transactionSync(() => {
        if (moving.length > 0) this.sql.exec(DELETE_MOVED, JSON.stringify(moving.map((r) => r.seq)));
        this.sql.exec(WRITE_STATE, MOVE_KEY, JSON.stringify({ target, after, done }));
      });
      return { done, moved: moving.length };
    });
  }

  private insert(items: ShardItem[]): void {
    if (items.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const i of items) this.sql.exec(INSERT, i.rows, i.source, i.import_id, i.run_id);
    });
  }

  /**
   * Splits rows by their home under `shards`: this shard's own, and the others by home. A row
   * this shard still holds stays out of both: the mover carries the stored copy to its home, and
   * forwarding the re-sent one would let it land there first and win.
   */
  private placeRows(items: ShardItem[], shards: number, self: number): { own: ShardItem[]; away: Map<number, ShardItem[]> } {
    const own: ShardItem[] = [];
    const away = new Map<number, ShardItem[]>();
    for (const item of items) {
      const parsed = JSON.parse(item.rows) as unknown[][];
      const homes = parsed.map((row) => shardOf(String(row[0]), shards));
      const leaving = parsed.filter((_, i) => homes[i] !== self).map((row) => String(row[0]));
      const held = new Set(
        leaving.length
          ? this.sql
              .exec<{ event_uuid: string }>(HELD, JSON.stringify(leaving))
              .toArray()
              .map((r) => r.event_uuid)
          : [],
      );
      const byHome = new Map<number, string[]>();
      parsed.forEach((row, i) => {
        if (homes[i] !== self && held.has(String(row[0]))) return;
        const list = byHome.get(homes[i]!) ?? [];
        list.push(JSON.stringify(row));
        byHome.set(homes[i]!, list);
      });
      for (const [home, rows] of byHome) {
        const part = { ...item, rows: `[${rows.join(",")}]` };
        if (home === self) own.push(part);
        else away.set(home, [...(away.get(home) ?? []), part]);
      }
    }
    return { own, away };
  }

  private async forward(at: ShardAddress, home: number, items: ShardItem[], shards = this.known): Promise<void> {
    const stub = this.env.EVENT_SHARDS.get(this.env.EVENT_SHARDS.idFromName(shardName(at.account, home)));
    await stub.store({ account: at.account, index: home }, shards, items);
  }

  private learn(shards: number): void {
    if (shards <= this.known) return;
    this.known = shards;
    this.sql.exec(WRITE_STATE, SHARDS_KEY, String(shards));
  }

  private moverPlace(target: number): { after: number; done: boolean } {
    const saved = this.state(MOVE_KEY);
    const place = saved ? (JSON.parse(saved) as { target: number; after: number; done: boolean }) : null;
    return place && place.target === target ? place : { after: 0, done: false };
  }

  private state(key: string): string | null {
    return this.sql.exec<{ value: string }>(READ_STATE, key).toArray()[0]?.value ?? null;
  }
}

/** The Durable Object name of an account's shard. */
export const shardName = (account: string, index: number): string => `${account}/${index}`;

interface MoverRow {
  seq: number;
  event_uuid: string;
  source: "api" | "import";
  import_id: string | null;
  run_id: string | null;
  row: string;
  [column: string]: SqlStorageValue;
}

/** Moving rows grouped by their new home, and within it by provenance. */
function groupByHome(rows: MoverRow[], shards: number): Map<number, ShardItem[]> {
  const groups = new Map<string, { home: number; item: ShardItem; rows: string[] }>();
  for (const r of rows) {
    const home = shardOf(r.event_uuid, shards);
    const key = JSON.stringify([home, r.source, r.import_id, r.run_id]);
    const group = groups.get(key) ?? { home, item: { source: r.source, import_id: r.import_id, run_id: r.run_id, rows: "" }, rows: [] };
    group.rows.push(r.row);
    groups.set(key, group);
  }
  const out = new Map<number, ShardItem[]>();
  for (const g of groups.values()) out.set(g.home, [...(out.get(g.home) ?? []), { ...g.item, rows: `[${g.rows.join(",")}]` }]);
  return out;
}
