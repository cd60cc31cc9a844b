import { z } from "zod";
import { log } from "./lib/log";

/**
 * Every var (wrangler.toml [vars], `--var`) and secret (.dev.vars, `wrangler secret put`) the
 * Worker reads, parsed with zod once per env object; the defaults are written here and nowhere
 * else. A bad value never falls back to the default: reading it throws a ConfigError naming the
 * setting and what it must be. Each setting fails on its own, so a missing ADMIN_TOKEN closes the
 * admin routes and nothing else. (EEI_FAULTS, the soak suite's fault rates, is read by
 * src/ops/faults/armed.ts alone: no other build holds code for it.)
 */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly must: string,
    detail: string,
  ) {
    super(`${setting} ${detail}`);
    this.name = "ConfigError";
  }
}

interface Setting<T> {
  readonly name: string;
  /** What a good value is, read after "must be". */
  readonly must: string;
  readonly schema: z.ZodType<T>;
  /** The value when the setting is absent; a setting without one must be set. */
  readonly fallback?: T;
  /** A secret's value never appears in an error or a log line. */
  readonly secret?: boolean;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** An AES-256 key: base64 of exactly 32 bytes. */
const Base64Key32 = z.string().transform((v, ctx) => {
  try {
    const bytes = Uint8Array.from(atob(v.trim()), (c) => c.charCodeAt(0));
    if (bytes.length === 32) return bytes;
  } catch {
    // not base64: reported below
  }
  ctx.addIssue({ code: "custom", message: "not base64 of 32 bytes" });
  return z.NEVER;
});

const SETTINGS = {
  /** Rows an import chunk reads before handing over to the next chunk job. */
  importChunkRows: setting({ name: "IMPORT_CHUNK_ROWS", must: "a whole number from 1 to 100000", schema: wholeNumber(1, 100_000), fallback: 10_000 }),
  /** Keys per ListObjectsV2 page (S3 sends at most 1,000). */
  s3ListPageSize: setting({ name: "S3_LIST_PAGE_SIZE", must: "a whole number from 1 to 1000", schema: wholeNumber(1, 1000), fallback: 1000 }),
  /** A run with no progress for this long is resumed from its checkpoint. */
  stuckAfterSeconds: setting({ name: "STUCK_AFTER_SECONDS", must: "a whole number of seconds, at least 1", schema: wholeNumber(1), fallback: 600 }),
  /** How long an S3 or Snowflake call may stay silent before it counts as a failed try. */
  sourceTimeoutSeconds: setting({
    name: "SOURCE_TIMEOUT_SECONDS",
    must: "a number of seconds above 0 and at most 600",
    schema: z.coerce.number().positive().max(600),
    fallback: 30,
  }),
  /** Whether concurrent single-event calls in an isolate share queue sends (single-sends.ts). */
  shareSingleEventSends: setting({
    name: "SHARE_SINGLE_EVENT_SENDS",
    must: '"true" or "false"',
    schema: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]),
    fallback: true,
  }),
  /**
   * Whether POST /bench/parse answers: a route that only reads and parses a JSON body, the floor
   * `npm run bench` measures bulk ingest against (bulk_vs_noop_ratio). Off unless the bench turns it on.
   */
  benchParseRoute: setting({
    name: "BENCH_PARSE_ROUTE",
    must: '"true" or "false"',
    schema: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]),
    fallback: false,
  }),
  /** A shard holding more than this many bytes starts its account's split to twice the shards (contract §6). */
  shardSplitBytes: setting({
    name: "SHARD_SPLIT_BYTES",
    must: "a whole number of bytes, at least 1",
    schema: wholeNumber(1),
    fallback: 8 * 1024 ** 3,
  }),
  /** Rows one step of a split reads from an old shard (src/events/shards/event-shard.ts, splitStep). */
  shardSplitStepRows: setting({
    name: "SHARD_SPLIT_STEP_ROWS",
    must: "a whole number from 1 to 10000",
    schema: wholeNumber(1, 10_000),
    fallback: 2000,
  }),
  /** How long one cron tick spends moving rows of running splits (at least one step per old shard). */
  shardSplitTickSeconds: setting({
    name: "SHARD_SPLIT_TICK_SECONDS",
    must: "a number of seconds above 0 and at most 600",
    schema: z.coerce.number().positive().max(600),
    fallback: 20,
  }),
  /** Events one piece of retention deletes from a shard (src/events/shards/retention.ts). */
  retentionStepRows: setting({
    name: "RETENTION_STEP_ROWS",
    must: "a whole number from 1 to 10000",
    schema: wholeNumber(1, 10_000),
    fallback: 2000,
  }),
  /** How long one cron tick spends deleting expired events (at least one piece per shard). */
  retentionTickSeconds: setting({
    name: "RETENTION_TICK_SECONDS",
    must: "a number of seconds above 0 and at most 600",
    schema: z.coerce.number().positive().max(600),
    fallback: 20,
  }),
  /** The Bearer token of the /admin routes. */
  adminToken: setting({ name: "ADMIN_TOKEN", must: "at least 16 characters", schema: z.string().min(16), secret: true }),
  /** The AES-256 key that encrypts connector secrets at rest. */
  secretsKey: setting({ name: "SECRETS_KEY", must: "base64 of 32 bytes (openssl rand -base64 32)", schema: Base64Key32, secret: true }),
};

type Settings = typeof SETTINGS;
export type Config = { readonly [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

/** The names of every var and secret config.ts reads. */
export const SETTING_NAMES: readonly string[] = Object.values(SETTINGS).map((s) => s.name);

const parsed = new WeakMap<object, Config>();

/**
 * The env's settings, parsed on first use and kept for as long as the env object lives. Reading a
 * bad setting throws its ConfigError; each bad setting is also logged once, when the env is parsed.
 */
export function config(env: Env): Config {
  let found = parsed.get(env);
  if (!found) {
    found = parseConfig(env as unknown as Record<string, unknown>);
    parsed.set(env, found);
  }
  return found;
}

function parseConfig(vars: Record<string, unknown>): Config {
  const out = {};
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const value = read(s, vars[s.name]);
    if (value instanceof ConfigError) log("error", "setting not valid", { setting: s.name, must: s.must, error: value.message });
    const get =
      value instanceof ConfigError
        ? () => {
            throw value;
          }
        : () => value;
    Object.defineProperty(out, key, { enumerable: true, get });
  }
  return Object.freeze(out) as Config;
}

function read<T>(s: Setting<T>, raw: unknown): T | ConfigError {
  if (raw === undefined) return s.fallback !== undefined ? s.fallback : new ConfigError(s.name, s.must, `is not set; it must be ${s.must}`);
  const result = s.schema.safeParse(raw);
  if (result.success) return result.data;
  const shown = s.secret ? "" : ` (it is ${JSON.stringify(raw)})`;
  return new ConfigError(s.name, s.must, `must be ${s.must}${shown}`);
}
