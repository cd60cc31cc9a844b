import type { KeyOwner } from "./keys";

/**
 * Per-isolate memo of key hash → owner, so a warm isolate authenticates an ingest call without a
 * D1 round trip. Keys are never rotated in place (an account's keys are fixed at creation), so a
 * positive entry can live for minutes; a miss is remembered briefly so a bad key can't hammer D1.
 */
const POSITIVE_TTL_MS = 5 * 60_000;
const NEGATIVE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  owner: KeyOwner | null;
  expires: number;
}

const cache = new Map<string, Entry>();

export async function cachedKeyOwner(
  keyHash: string,
  load: (hash: string) => Promise<KeyOwner | null>,
  now = Date.now(),
): Promise<KeyOwner | null> {
  const hit = cache.get(keyHash);
  if (hit && hit.expires > now) return hit.owner;
  const owner = await load(keyHash);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(keyHash, { owner, expires: now + (owner ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
  return owner;
}
