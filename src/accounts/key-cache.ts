import type { KeyOwner } from "./keys";

/**
 * Per-isolate memo of presented credential (the Authorization header as sent) → owner, so a warm
 * isolate authenticates an ingest call without a D1 round trip and without hashing the key again.
 * It lives only in this isolate's memory, where the key already is while the request is served.
 * Keys are never rotated in place (an account's keys are fixed at creation), so a positive entry
 * can live for minutes; a miss is remembered briefly so a bad key can't hammer D1.
 */
const POSITIVE_TTL_MS = 5 * 60_000;
const NEGATIVE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  owner: KeyOwner | null;
  expires: number;
}

const cache = new Map<string, Entry>();

export async function cachedKeyOwner(credential: string, load: () => Promise<KeyOwner | null>, now = Date.now()): Promise<KeyOwner | null> {
  const hit = cache.get(credential);
  if (hit && hit.expires > now) return hit.owner;
  const owner = await load();
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(credential, { owner, expires: now + (owner ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
  return owner;
}
