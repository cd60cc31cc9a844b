/**
 * Where an event lives: shard `shardHash(event_uuid) mod event_shards`. The hash reads the uuid's
 * 32 hex digits (any case, with or without hyphens), so the same uuid always has the same home,
 * which makes the shard's unique index the account's idempotency key. FNV-1a mixes every digit
 * (a UUIDv7 starts with a clock, so its first bytes are far from uniform) and murmur3's finaliser
 * spreads the result into the low bits a power-of-two modulus keeps. Synchronous and allocation
 * free: a consumer batch hashes thousands of uuids.
 */
export function shardHash(uuid: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < uuid.length; i++) {
    let c = uuid.charCodeAt(i);
    if (c === 45) continue; // "-"
    if (c >= 65 && c <= 70) c += 32; // A-F hash like a-f
    h = Math.imul(h ^ c, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard of `uuid` among `shards` (a power of two). */
export const shardOf = (uuid: string, shards: number): number => shardHash(uuid) % shards;

/** Shard counts an account may have: powers of two from 1 to 256 (contract §6). */
export const MAX_SHARDS = 256;
export const isShardCount = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS && (n & (n - 1)) === 0;

/**
 * A JSON array of rows split by home shard. With one shard the text goes through untouched (no
 * per-row JavaScript); otherwise each row's uuid (its first cell) picks the shard.
 */
export function rowsByShard(rows: string, shards: number): Map<number, string> {
  if (shards === 1) return new Map([[0, rows]]);
  const parts = new Map<number, string[]>();
  for (const row of JSON.parse(rows) as unknown[][]) {
    const index = shardOf(String(row[0]), shards);
    const list = parts.get(index);
    if (list) list.push(JSON.stringify(row));
    else parts.set(index, [JSON.stringify(row)]);
  }
  return new Map([...parts].map(([index, list]) => [index, `[${list.join(",")}]`]));
}
